#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: gcloud_adc
short_description: Write a user's Google Application Default Credentials file for Claude Code on Vertex AI
version_added: 0.1.0
description:
  - Writes the Google Application Default Credentials (ADC) file of a user, by default
    C(~/.config/gcloud/application_default_credentials.json), the file that C(gcloud auth application-default login)
    creates and that Claude Code reads in Vertex AI mode (C(CLAUDE_CODE_USE_VERTEX=1)). Fleets get the same file
    without a browser, from inventory.
  - Supports the four types Claude Code accepts - V(authorized_user), V(service_account), V(external_account)
    (workload identity federation) and V(impersonated_service_account).
  - Before anything is written, the content is checked field by field and then loaded with google-auth on the host
    (C(google.auth.load_credentials_from_file)), which parses private keys, impersonation URLs and credential
    sources as Google's client libraries do. With O(verify=true) it also obtains an access token, as Claude Code
    will, and returns only its expiry and the principal, never the token.
  - The file is written atomically with mode V(0600), owned by the user, never through a link the user could have
    planted; it is only rewritten when its content must change. Diffs and results never show key material.
  - To configure a fleet from inventory and hand Claude Code what Vertex needs, use the
    P(devfleet.claude_code.gcloud_adc#role) role, which calls this module once per user.
author:
  - devfleet.claude_code contributors (@devfleet)
requirements:
  - google-auth 2.6.0 or newer on the managed host (tested with 2.63), and C(requests) or C(urllib3) for O(verify=true).
    Not needed with O(state=absent).
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.FILES
attributes:
  check_mode:
    support: full
    details:
      - O(verify=true) still obtains a token in check mode (it changes nothing on the host).
  diff_mode:
    support: full
    details:
      - The diff shows the credentials as JSON with secret fields (C(private_key), C(client_secret),
        C(refresh_token), headers of a URL credential source) replaced by V(<secret>), or V(<secret, changed>)
        when their value changes.
  idempotent:
    support: full
    details:
      - The file is compared as JSON data, so a file that gcloud wrote with other formatting but the same content
        is left alone.
options:
  user:
    description:
      - The user whose credentials these are, by name or numeric id, looked up in the passwd database of the host.
        The file and any directory created for it belong to this user.
      - Writing for another user needs root (C(become=true)).
      - At least one of O(user) and O(path) is required.
    type: str
  path:
    description:
      - Where to write the file instead of the default C(~/.config/gcloud/application_default_credentials.json).
        Relative paths (and C(~/...)) are relative to the home directory of O(user).
      - Claude Code finds a file elsewhere only through C(GOOGLE_APPLICATION_CREDENTIALS); the
        P(devfleet.claude_code.gcloud_adc#role) role publishes that variable for such files.
      - Without O(user), the file belongs to the user running the module.
    type: str
  credentials:
    description:
      - The content of the credentials file, as a dict or as a JSON string (for example a service account key
        file read with C(lookup('file', ...)), or a vaulted variable). Required with O(state=present).
      - C(type) must be V(authorized_user) (C(client_id), C(client_secret), C(refresh_token)), V(service_account)
        (the JSON key file, with C(client_email), C(private_key), C(token_uri), ...), V(external_account) (C(audience),
        C(subject_token_type), C(credential_source), usually C(token_url) and C(service_account_impersonation_url))
        or V(impersonated_service_account) (C(service_account_impersonation_url), and C(source_credentials) of
        type V(authorized_user) or V(service_account)).
      - Never logged or shown. Fields such as C(client_email), C(project_id) or C(audience) are returned and shown in
        diffs; secret fields never are.
    type: raw
  quota_project_id:
    description:
      - The project billed for quota, written as C(quota_project_id) into the file (it replaces one that
        O(credentials) holds). Client libraries send it as the C(x-goog-user-project) header.
      - An empty string removes C(quota_project_id) from the file.
      - Needed with V(authorized_user) credentials of the gcloud CLI's own OAuth client, whose requests are
        otherwise billed to a Google project of the CLI.
    type: str
  state:
    description:
      - V(present) writes the file, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  verify:
    description:
      - Obtain an access token with the credentials (a real refresh against their token, STS and IAM endpoints)
        before writing them, with the C(cloud-platform) scope that Claude Code asks for. The task fails, and the
        file is left as it was, when no token can be had.
      - Returns RV(expiry) and RV(principal); the token itself is never returned.
      - Needs network access from the host to the endpoints the credentials name.
    type: bool
    default: false
  verify_timeout:
    description:
      - Seconds to wait for each HTTP request of O(verify).
    type: int
    default: 30
  backup:
    description:
      - Keep a copy of the old file beside it, named C(<file>.<pid>.<date>@<time>~), mode V(0600), before changing
        or removing it.
    type: bool
    default: false
notes:
  - Supports Linux and macOS hosts.
  - Claude Code takes the project from C(GOOGLE_CLOUD_PROJECT), C(GCLOUD_PROJECT) or the credentials' own project
    before C(ANTHROPIC_VERTEX_PROJECT_ID); RV(project_id) shows the credentials' own project. See the collection's
    C(docs/vertex.md).
  - An V(external_account) file only says where the subject token comes from (a file, a URL, a program); that
    source must exist on the host for Claude Code, and for O(verify=true).
seealso:
  - module: devfleet.claude_code.claude_settings
    description: Set C(CLAUDE_CODE_USE_VERTEX), C(CLOUD_ML_REGION) and C(ANTHROPIC_VERTEX_PROJECT_ID) for Claude Code.
  - name: Claude Code on Google Vertex AI
    description: The variables and credentials Claude Code uses with Vertex AI.
    link: https://code.claude.com/docs/en/google-vertex-ai
  - name: Application Default Credentials
    description: How Google's client libraries find credentials.
    link: https://cloud.google.com/docs/authentication/application-default-credentials
'''

EXAMPLES = r'''
- name: Give alice the service account key of her team (vaulted), and check it works
  devfleet.claude_code.gcloud_adc:
    user: alice
    credentials: "{{ vault_claude_vertex_sa_key }}"
    verify: true
  become: true

- name: Workload identity federation, the subject token read from a file an agent keeps fresh
  devfleet.claude_code.gcloud_adc:
    user: bob
    credentials:
      type: external_account
      audience: //iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/devs/providers/oidc
      subject_token_type: urn:ietf:params:oauth:token-type:jwt
      token_url: https://sts.googleapis.com/v1/token
      service_account_impersonation_url: >-
        https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/claude@my-project.iam.gserviceaccount.com:generateAccessToken
      credential_source:
        file: /var/run/secrets/oidc/token
  become: true

- name: A developer's own Google account (refresh token from gcloud), billed to the team project
  devfleet.claude_code.gcloud_adc:
    user: carol
    credentials:
      type: authorized_user
      client_id: "{{ vault_carol_adc.client_id }}"
      client_secret: "{{ vault_carol_adc.client_secret }}"
      refresh_token: "{{ vault_carol_adc.refresh_token }}"
    quota_project_id: my-project
  become: true

- name: Write the file elsewhere (Claude Code then needs GOOGLE_APPLICATION_CREDENTIALS)
  devfleet.claude_code.gcloud_adc:
    user: dave
    path: .config/claude/vertex-adc.json
    credentials: "{{ lookup('ansible.builtin.file', 'files/vertex-sa.json') }}"
  become: true

- name: Remove a departed developer's credentials
  devfleet.claude_code.gcloud_adc:
    user: erin
    state: absent
  become: true
'''

RETURN = r'''
path:
  description: The credentials file, after resolving links that were safe to follow.
  returned: always
  type: str
  sample: /home/alice/.config/gcloud/application_default_credentials.json
default_path:
  description: Whether RV(path) is where Claude Code looks without C(GOOGLE_APPLICATION_CREDENTIALS).
  returned: always
  type: bool
  sample: true
type:
  description: The type of the credentials.
  returned: O(state=present)
  type: str
  sample: service_account
principal:
  description:
    - Who the credentials act as - the service account email for V(service_account) and for impersonation, the
      workload identity pool provider (C(audience)) for an V(external_account) without impersonation, and for
      V(authorized_user) the C(account) field of the file or, after O(verify=true), the email of the ID token.
    - V(null) when the credentials do not tell.
  returned: O(state=present)
  type: str
  sample: claude@my-project.iam.gserviceaccount.com
project_id:
  description:
    - The project the credentials name themselves (C(project_id) of a service account key), as google-auth reads
      it, or V(null). Claude Code prefers it over C(ANTHROPIC_VERTEX_PROJECT_ID).
  returned: O(state=present)
  type: str
  sample: my-project
quota_project_id:
  description: The C(quota_project_id) in the file, or V(null).
  returned: O(state=present)
  type: str
  sample: my-project
fields_changed:
  description: Names of the fields that were (or would be) added, changed or removed; nested ones dotted. Never values.
  returned: always
  type: list
  elements: str
  sample: [private_key, private_key_id]
verified:
  description: Whether an access token was obtained (O(verify=true)).
  returned: O(state=present)
  type: bool
  sample: true
expiry:
  description: When the access token obtained by O(verify=true) expires (ISO 8601, UTC). The token is never returned.
  returned: O(verify=true)
  type: str
  sample: "2026-11-25T13:00:00Z"
gcloud_path:
  description: The gcloud CLI found on the host (for C(gcpAuthRefresh)), or V(null).
  returned: always
  type: str
  sample: /usr/bin/gcloud
backup_file:
  description: The copy of the old file, when O(backup=true) and the file changed.
  returned: changed and O(backup=true)
  type: str
  sample: /home/alice/.config/gcloud/application_default_credentials.json.4242.2026-11-25@12:00:00~
'''

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils import _gcloud_adc as adc


def main():
    module = SecretAwareModule(
        argument_spec=adc.adc_argument_spec(),
        required_one_of=adc.ADC_REQUIRED_ONE_OF,
        required_if=adc.ADC_REQUIRED_IF,
        supports_check_mode=True,
    )
    with failing_on_errors(module, 'credentials file'):
        try:
            info = adc.mask_credentials(module)
            if module.params['state'] == 'present' and not adc.HAS_GOOGLE_AUTH:
                module.fail_json(msg=missing_required_lib('google-auth'), exception=adc.GOOGLE_AUTH_IMPORT_ERROR)
            target = adc.AdcFile(module)
            if module.params['state'] == 'absent':
                target.absent()
            else:
                target.present(info)
        except adc.AdcError as exc:
            module.fail_json(msg='%s; nothing was written' % exc)
    module.exit_json(**target.result)


if __name__ == '__main__':
    main()
