#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: bedrock_info
short_description: Check, as a user, that an AWS profile works and that Bedrock models are available to it
version_added: 0.1.0
description:
  - Resolves an AWS profile with boto3 on the host, AS the user whose profile it is, calls STS
    C(GetCallerIdentity), and checks for each model id, inference profile id or inference profile ARN whether Claude
    Code could invoke it in the region. A run can then fail early with
    C(model X is not enabled in us-west-2 for account Y) instead of every developer finding out.
  - Inference profile ids (V(us.anthropic.claude-sonnet-4-6)) and ARNs, and application inference profile ARNs, are
    checked with C(GetInferenceProfile) (available when ACTIVE); foundation model ids with one
    C(ListFoundationModels) call (available when listed, not end-of-life, and invocable on demand). A model that
    can only be invoked through an inference profile is reported unavailable, with the system inference profiles
    that serve it (C(ListInferenceProfiles)).
  - Never returns a credential, only the caller identity and how the credentials were found.
  - When run as root with O(user), the check runs in a child process that has dropped to that user (uid, gid,
    groups) with a clean environment, so a C(credential_process) from the user's files never runs as root and
    root's own AWS variables are not used.
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.ACTION_GROUP_AWS
  - devfleet.claude_code.attributes.INFO_MODULE
requirements:
  - boto3 on the managed host (botocore 1.35 or newer for inference profiles).
options:
  user:
    description:
      - The user whose AWS files and credentials to use, by name or uid. Needs root unless it is the user
        running the module. Without it the module uses the environment and files of whoever runs it.
    type: str
  profile:
    description:
      - The profile to resolve, as C(AWS_PROFILE) would name it. Defaults to the V(default) profile.
    type: str
  region:
    description:
      - The Bedrock region. Defaults to the profile's C(region).
    type: str
  config_file:
    description: A config file other than C(~/.aws/config) (sets C(AWS_CONFIG_FILE) for the check).
    type: path
  credentials_file:
    description: A credentials file other than C(~/.aws/credentials) (sets C(AWS_SHARED_CREDENTIALS_FILE)).
    type: path
  models:
    description:
      - Model ids, inference profile ids, or inference profile / application inference profile ARNs to check,
        such as those given to Claude Code in C(ANTHROPIC_MODEL), C(ANTHROPIC_DEFAULT_HAIKU_MODEL) or
        C(modelOverrides).
    type: list
    elements: str
    default: []
  fail_on_unavailable:
    description:
      - Fail the task, naming each model, the region and the account, when a model of O(models) is not available.
        With V(false) the task succeeds and RV(unavailable) lists them.
      - Credentials that cannot be resolved or that STS refuses always fail the task.
    type: bool
    default: true
  sts_endpoint_url:
    description:
      - The STS endpoint, for a VPC endpoint or a local test server. Also used for the STS calls of the SDK itself
        (assuming the role of a profile with C(source_profile), web identity), as C(AWS_ENDPOINT_URL_STS).
    type: str
  bedrock_endpoint_url:
    description: The Bedrock control-plane endpoint (not C(bedrock-runtime)), for a VPC endpoint or a local test server.
    type: str
  timeout:
    description:
      - Seconds the whole check may take, credential_process and SSO refresh included; the check is killed after.
    type: int
    default: 60
notes:
  - SSO profiles work only after the user has signed in (C(aws sso login)); otherwise the task fails saying so.
  - The check sends one STS request and, with O(models), one or two Bedrock requests plus one per inference profile.
seealso:
  - module: devfleet.claude_code.aws_profile
  - name: Supported Regions and models for inference profiles
    description: Which inference profiles exist in which region.
    link: https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html
'''

EXAMPLES = r'''
- name: Check alice's Claude Code profile and models before rolling out
  devfleet.claude_code.bedrock_info:
    user: alice
    profile: claude
    models:
      - us.anthropic.claude-sonnet-4-6
      - us.anthropic.claude-haiku-4-5-20251001-v1:0
      - arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/a1b2c3d4e5f6
  become: true

- name: Report without failing
  devfleet.claude_code.bedrock_info:
    user: bob
    profile: claude
    region: eu-central-1
    models: [eu.anthropic.claude-sonnet-4-6]
    fail_on_unavailable: false
  become: true
  register: bedrock

- name: Show what is missing
  ansible.builtin.debug:
    msg: "{{ bedrock.unavailable }}"
  when: bedrock.unavailable | length > 0
'''

RETURN = r'''
profile:
  description: The profile resolved.
  returned: always
  type: str
  sample: claude
region:
  description: The region used.
  returned: always
  type: str
  sample: us-west-2
credential_source:
  description: How botocore found the credentials (C(shared-credentials-file), C(assume-role), C(sso), C(custom-process), ...).
  returned: always
  type: str
  sample: sso
identity:
  description: STS caller identity of the credentials.
  returned: always
  type: dict
  contains:
    account:
      description: AWS account id.
      type: str
      sample: "111122223333"
    arn:
      description: ARN of the identity.
      type: str
      sample: arn:aws:sts::111122223333:assumed-role/ClaudeDeveloper/alice
    user_id:
      description: Unique id of the identity.
      type: str
      sample: AROAEXAMPLE:alice
models:
  description: One entry per O(models) item, in order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The id as given.
      type: str
    kind:
      description: V(foundation-model), V(inference-profile), V(application-inference-profile) or V(unknown).
      type: str
    available:
      description: Whether Claude Code can invoke it with these credentials in this region.
      type: bool
    status:
      description: Lifecycle status of the model, or status of the inference profile.
      type: str
    reason:
      description: Why it is not available.
      type: str
    arn:
      description: ARN of the model or inference profile.
      type: str
    models:
      description: Model ARNs an inference profile routes to.
      type: list
      elements: str
    inference_profiles:
      description: For a model that needs one, the system inference profiles that serve it.
      type: list
      elements: str
  sample:
    - {"id": "us.anthropic.claude-sonnet-4-6", "kind": "inference-profile", "available": true, "status": "ACTIVE"}
unavailable:
  description: The ids of O(models) that are not available, with the reason.
  returned: always
  type: list
  elements: str
  sample: ["model us.anthropic.claude-opus-9 is not enabled in us-west-2 for account 111122223333 (no such model or inference profile)"]
'''

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.devfleet.claude_code.plugins.module_utils._bedrock import check_profile, preload
from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import lookup_user
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import looks_secret, redact_strings
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import run_as

try:
    import boto3  # noqa: F401, pylint: disable=unused-import
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()


def secret_values(params):
    """Endpoint URLs with a password in them."""
    return set(value for value in params.values() if isinstance(value, str) and looks_secret(value))


def display_params(params):
    return dict((name, redact_strings(value)) for name, value in params.items())


def main():
    module = SecretAwareModule(
        argument_spec=dict(
            user=dict(type='str'),
            profile=dict(type='str'),
            region=dict(type='str'),
            config_file=dict(type='path'),
            credentials_file=dict(type='path'),
            models=dict(type='list', elements='str', default=[]),
            fail_on_unavailable=dict(type='bool', default=True),
            sts_endpoint_url=dict(type='str'),
            bedrock_endpoint_url=dict(type='str'),
            timeout=dict(type='int', default=60),
        ),
        supports_check_mode=True,
        secret_values=secret_values,
        display_params=display_params,
    )
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    params = module.params
    env = {}
    if params['config_file']:
        env['AWS_CONFIG_FILE'] = params['config_file']
    if params['credentials_file']:
        env['AWS_SHARED_CREDENTIALS_FILE'] = params['credentials_file']
    # the SDK's own STS calls (assume-role through source_profile, web identity) go to the same endpoint
    if params['sts_endpoint_url']:
        env['AWS_ENDPOINT_URL_STS'] = params['sts_endpoint_url']
    if params['bedrock_endpoint_url']:
        env['AWS_ENDPOINT_URL_BEDROCK'] = params['bedrock_endpoint_url']

    def check():
        return check_profile(profile=params['profile'], region=params['region'], models=params['models'],
                             sts_endpoint_url=params['sts_endpoint_url'],
                             bedrock_endpoint_url=params['bedrock_endpoint_url'],
                             timeout=max(5, params['timeout'] // 2))

    with failing_on_errors(module, 'AWS file'):
        user = lookup_user(params['user']) if params['user'] is not None else None
        preload()
        answer = run_as(user, check, timeout=params['timeout'], env=env)
    if 'error' in answer:
        who = ' as %s' % user.name if user is not None else ''
        module.fail_json(msg='%s%s' % (answer['error'], who))
    answer['unavailable'] = [model.get('reason') or model['id'] for model in answer['models'] if not model['available']]
    if answer['unavailable'] and params['fail_on_unavailable']:
        module.fail_json(msg='; '.join(answer['unavailable']), **answer)
    module.exit_json(changed=False, **answer)


if __name__ == '__main__':
    main()
