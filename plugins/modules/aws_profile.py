#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: aws_profile
short_description: Manage one AWS profile in a user's ~/.aws/config and ~/.aws/credentials, keeping the rest
version_added: 0.1.0
description:
  - Writes ONE named AWS profile, and the C([sso-session]) section it uses, into the shared config and
    credentials files that the AWS SDKs, the AWS CLI and Claude Code on Amazon Bedrock read. Every other profile,
    section, key, comment and blank line of the files stays as it was, byte for byte.
  - Section names are those the SDKs expect. In the config file C([default]) and C([profile NAME]), and
    C([sso-session NAME]) for SSO sessions; in the credentials file C([NAME]) for every profile.
  - Static keys (O(access_key_id), O(secret_access_key), O(session_token)) go to the credentials file only, and
    never appear in results, diffs or logs; a diff shows V(<secret, changed>) where one changes.
  - Files are written only when their content must change, atomically, with mode V(0600) and the user as owner,
    without following links that the user could have planted. A file the SDKs could not read (a duplicate
    section, a key outside any section) is refused with its line number and left untouched.
  - To configure a fleet from inventory, and to hand Claude Code the profile, use the
    P(devfleet.claude_code.aws_credentials#role) role, which calls this module.
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.ACTION_GROUP_AWS
  - devfleet.claude_code.attributes.FILES
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows both files whole, with every value that is not provably public (of every profile - keys,
        tokens, C(credential_process), C(external_id), any key not on the list in C(docs/security.md)) replaced
        by V(<secret>), or V(<secret, changed>) where it changes.
  idempotent:
    support: full
options:
  name:
    description:
      - The profile name. V(default) is the default profile.
      - Letters, digits and C(_ . @ + -), starting with a letter or digit.
    type: str
    required: true
  state:
    description:
      - V(present) writes the keys given. V(absent) removes the profile's section from both files (the
        C([sso-session]) section it used stays, as other profiles may use it).
    type: str
    choices: [present, absent]
    default: present
  user:
    description:
      - The user whose C(~/.aws/config) and C(~/.aws/credentials) these are, by name or uid. The files and C(~/.aws)
        belong to this user, with modes V(0600) and V(0700).
      - Writing for another user needs root (C(become=true)).
      - One of O(user) and O(config_file) is required.
    type: str
  config_file:
    description:
      - The config file, when not C(~/.aws/config) (what C(AWS_CONFIG_FILE) names). Owned by O(user) when given.
    type: path
  credentials_file:
    description:
      - The credentials file, when not C(~/.aws/credentials) (what C(AWS_SHARED_CREDENTIALS_FILE) names).
      - Required for static keys when O(user) is not given.
    type: path
  exclusive:
    description:
      - When V(true) the profile's section holds exactly the keys this task gives, and its credentials section
        exactly the static keys it gives (removed when none); other keys are removed. Use it to own a profile
        whole, for example when it changes from static keys to SSO. The P(devfleet.claude_code.aws_credentials#role)
        role does.
      - When V(false) keys not named stay as they are, and an empty string removes a key (V(region=""),
        or V(null) in O(extra)).
    type: bool
    default: false
  region:
    description: Default region of the profile (C(region)); Claude Code on Bedrock uses it when C(AWS_REGION) is not set.
    type: str
  output:
    description: Output format of the AWS CLI (C(output)).
    type: str
  sso_session:
    description:
      - Name of the C([sso-session NAME]) section the profile takes its IAM Identity Center (SSO) token from.
      - The section is written with O(sso_start_url), O(sso_region) and O(sso_registration_scopes). When they are
        not given the section must already be in the file with a start URL and a region, or the task fails.
    type: str
  sso_start_url:
    description:
      - The AWS access portal URL of the SSO session, such as V(https://my-company.awsapps.com/start).
      - Without O(sso_session) it is written into the profile itself, the legacy format that cannot refresh tokens;
        O(sso_region), O(sso_account_id) and O(sso_role_name) are then required.
    type: str
  sso_region:
    description: Region of the IAM Identity Center instance of the SSO session.
    type: str
  sso_registration_scopes:
    description:
      - Scopes the SSO session registers for, such as V(sso:account:access). Only with O(sso_session).
    type: list
    elements: str
  sso_account_id:
    description:
      - The 12-digit AWS account the SSO profile gets credentials in. Quote it in YAML so leading zeros stay.
      - Goes with O(sso_role_name).
    type: str
  sso_role_name:
    description: The IAM Identity Center permission set (role) the SSO profile gets credentials for.
    type: str
  credential_process:
    description:
      - A command that prints credentials as JSON, an object with C(Version) 1, C(AccessKeyId), C(SecretAccessKey) and
        optionally C(SessionToken) and C(Expiration). The SDKs run it without
        a shell, split like a shell would split it, as the user; use an absolute path.
      - Every user can read a command line in C(ps), so never put a secret in it.
    type: str
  role_arn:
    description:
      - ARN of an IAM role to assume, with the credentials of O(source_profile), O(credential_source) or
        O(web_identity_token_file) (exactly one of them).
    type: str
  source_profile:
    description:
      - The profile whose credentials assume O(role_arn). It may be this profile itself when it has static keys.
    type: str
  credential_source:
    description: Where the credentials that assume O(role_arn) come from, on EC2 or ECS.
    type: str
    choices: [Environment, Ec2InstanceMetadata, EcsContainer]
  role_session_name:
    description: Session name of the assumed role; it shows in CloudTrail.
    type: str
  external_id:
    description: External id the role's trust policy asks for.
    type: str
  duration_seconds:
    description: Lifetime of the assumed role's credentials, 900 to 43200 seconds.
    type: int
  mfa_serial:
    description:
      - ARN or serial number of the MFA device the role needs. The SDKs then prompt for a code, which Claude Code
        cannot do; give such profiles an O(extra) C(credential_process) or use SSO instead.
    type: str
  web_identity_token_file:
    description:
      - File holding an OIDC token to assume O(role_arn) with (AssumeRoleWithWebIdentity), written as given (a C(~)
        is the home of whoever runs the SDK, not of root).
    type: str
  access_key_id:
    description:
      - Access key id of static (IAM user) credentials, written to the credentials file only. Goes with
        O(secret_access_key). Keep it in Ansible Vault.
    type: str
  secret_access_key:
    description: Secret access key of static credentials, written to the credentials file only.
    type: str
  session_token:
    description: Session token of temporary static credentials, written to the credentials file only.
    type: str
  extra:
    description:
      - Other keys of the profile's config section, such as C(ca_bundle), C(retry_mode), C(max_attempts),
        C(endpoint_url), C(services), or C(s3) with a dict for a nested block.
      - Values are strings, numbers, booleans (written as V(true)/V(false)), or dicts of those; V(null) removes the key.
      - Keys that have an option of their own, and keys of the credentials file or of the C([sso-session])
        section, are refused here.
    type: dict
    default: {}
  backup:
    description:
      - Keep a copy of each file that changes, beside it, named C(<file>.<pid>.<date>@<time>~), mode V(0600).
    type: bool
    default: false
notes:
  - Supports Linux and macOS hosts.
  - The files are edited line by line, as the SDKs parse them; comments inside the removed profile's section
    (between its header and its last key) go with it, comments after its last key stay.
  - Running programs keep the credentials they loaded; Claude Code reads the files at start.
seealso:
  - module: devfleet.claude_code.bedrock_info
    description: Check, as the user, that a profile resolves and that the Bedrock models are available.
  - name: AWS CLI configuration and credential file settings
    description: Every key of the files.
    link: https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-files.html
  - name: Claude Code on Amazon Bedrock
    description: How Claude Code finds AWS credentials.
    link: https://code.claude.com/docs/en/amazon-bedrock
'''

EXAMPLES = r'''
- name: SSO profile for Claude Code on Bedrock
  devfleet.claude_code.aws_profile:
    user: alice
    name: claude
    region: us-west-2
    sso_session: corp
    sso_start_url: https://corp.awsapps.com/start
    sso_region: us-east-1
    sso_registration_scopes: [sso:account:access]
    sso_account_id: "111122223333"
    sso_role_name: ClaudeDeveloper
  become: true

- name: Static keys from Ansible Vault (only in ~/.aws/credentials)
  devfleet.claude_code.aws_profile:
    user: bob
    name: bedrock-user
    region: eu-central-1
    access_key_id: "{{ vault_bob_aws_access_key_id }}"
    secret_access_key: "{{ vault_bob_aws_secret_access_key }}"
  become: true

- name: Assume a Bedrock role with the keys of another profile
  devfleet.claude_code.aws_profile:
    user: bob
    name: claude
    region: us-east-1
    role_arn: arn:aws:iam::111122223333:role/ClaudeBedrock
    source_profile: bedrock-user
    role_session_name: bob-claude
  become: true

- name: Credentials from a broker command
  devfleet.claude_code.aws_profile:
    user: carol
    name: claude
    region: us-west-2
    credential_process: /usr/local/bin/aws-broker --role claude --format process
  become: true

- name: Own the profile whole (drop keys of an earlier setup) and tune the SDK
  devfleet.claude_code.aws_profile:
    user: carol
    name: claude
    exclusive: true
    region: us-west-2
    credential_process: /usr/local/bin/aws-broker --role claude
    extra:
      retry_mode: adaptive
      max_attempts: 5
  become: true

- name: Remove a profile
  devfleet.claude_code.aws_profile:
    user: dave
    name: old-bedrock
    state: absent
  become: true
'''

RETURN = r'''
config_file:
  description: The config file, after resolving links that were safe to follow.
  returned: always
  type: str
  sample: /home/alice/.aws/config
credentials_file:
  description: The credentials file, when one was used.
  returned: when O(user) or O(credentials_file) is given
  type: str
  sample: /home/alice/.aws/credentials
profile:
  description:
    - The keys of the profile's config section after the task (in check mode, as they would be); null when absent.
    - Values that are not provably public (see C(docs/security.md)) are shown as V(<secret>).
  returned: always
  type: dict
  sample: {"region": "us-west-2", "sso_session": "corp", "sso_account_id": "111122223333", "sso_role_name": "ClaudeDeveloper"}
sso_session:
  description: The keys of the C([sso-session]) section the profile uses.
  returned: when the profile has O(sso_session)
  type: dict
  sample: {"sso_start_url": "https://corp.awsapps.com/start", "sso_region": "us-east-1", "sso_registration_scopes": "sso:account:access"}
credentials:
  description: Names of the keys in the profile's credentials section after the task; never their values.
  returned: always
  type: list
  elements: str
  sample: [aws_access_key_id, aws_secret_access_key]
changed_keys:
  description: The keys that were (or would be) added, changed or removed, as C([section] key), config file first.
  returned: always
  type: list
  elements: str
  sample: ["[profile claude] region", "[claude] aws_secret_access_key"]
backup_files:
  description: Copies of the files as they were, when O(backup=true) and they changed.
  returned: changed and O(backup=true)
  type: list
  elements: str
  sample: [/home/alice/.aws/config.4242.2026-11-25@12:00:00~]
'''
from ansible_collections.devfleet.claude_code.plugins.module_utils._aws_config import (
    PROFILE_MUTUALLY_EXCLUSIVE,
    PROFILE_REQUIRED_BY,
    PROFILE_REQUIRED_ONE_OF,
    PROFILE_REQUIRED_TOGETHER,
    is_public_key,
    is_secret_key,
    profile_argument_spec,
    write_profile,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import (
    MIN_MASKED_LENGTH,
    REDACTED,
    redact_mapping,
    strings,
)


def secret_values(params):
    """extra values whose keys are not public, and credential_process / external_id, masked in all output."""
    values = set()
    for key, value in (params.get('extra') or {}).items() if isinstance(params.get('extra'), dict) else ():
        if value is not None and not is_public_key(str(key), value):
            values.update(text for text in strings(value) if len(text) >= MIN_MASKED_LENGTH or is_secret_key(str(key)))
    for option in ('credential_process', 'external_id'):
        if params.get(option) and len(params[option]) >= MIN_MASKED_LENGTH:
            values.add(params[option])
    return values


def display_params(params):
    """The arguments as they may be shown: extra per key, the credential_process command and external_id hidden."""
    shown = dict(params)
    if isinstance(params.get('extra'), dict):
        shown['extra'] = redact_mapping(params['extra'], lambda key, value: is_public_key(str(key), value))
    for option in ('credential_process', 'external_id'):
        if params.get(option) is not None:
            shown[option] = REDACTED
    return shown


def main():
    module = SecretAwareModule(
        argument_spec=profile_argument_spec(),
        supports_check_mode=True,
        required_one_of=PROFILE_REQUIRED_ONE_OF,
        mutually_exclusive=PROFILE_MUTUALLY_EXCLUSIVE,
        required_together=PROFILE_REQUIRED_TOGETHER,
        required_by=PROFILE_REQUIRED_BY,
        secret_values=secret_values,
        display_params=display_params,
    )
    with failing_on_errors(module, 'AWS file'):
        result = write_profile(module.params, check_mode=module.check_mode, diff=module._diff)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
