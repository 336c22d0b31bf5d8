#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: claude_settings
short_description: Manage keys in one Claude Code settings file, keeping the rest
version_added: 0.1.0
description:
  - Sets or removes environment variables (the C(env) block) and top-level keys such as C(apiKeyHelper), C(model)
    or C(awsAuthRefresh) in ONE Claude Code settings file, and leaves every other key of the file as it was.
    Claude Code writes these files itself (C(/config), C(/model)), so the module merges, it never templates over.
  - Claude Code reads its provider setup (Anthropic API, Amazon Bedrock, Google Vertex AI, an LLM gateway such as
    LiteLLM) from C(env) in these files. Per user that is C(~/.claude/settings.json); for the whole machine it is
    the managed settings file, which wins over everything else.
  - The file is only written when its content must change; its modification time is untouched otherwise. It is
    written atomically and re-read just before the rename, so keys that Claude Code writes meanwhile are kept.
  - Values of secret variables never appear in results, diffs, C(-vvv) output or the host's syslog, and are
    refused in files every user can read.
  - To configure a whole fleet from inventory, use the P(devfleet.claude_code.claude_code#role) role, which calls
    this module.
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.ACTION_GROUP_SETTINGS
  - devfleet.claude_code.attributes.FILES
  - devfleet.claude_code.settings
  - devfleet.claude_code.settings.SECRETS
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the whole file as JSON, with secret values replaced by V(<secret>), or V(<secret, changed>)
        when the value changes.
  idempotent:
    support: full
options:
  env:
    description:
      - Environment variables to set in the C(env) block. Claude Code applies them to every session, and they
        override variables exported in the shell.
      - Values become strings, as Claude Code requires. Booleans become V("1") and V("0"); numbers their
        decimal text. A null value (V(null), C(~)) removes the variable.
      - A variable that any value switches on, such as C(DISABLE_TELEMETRY) or
        C(CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC), cannot be given V(false); remove it with V(null) instead.
      - Unknown C(CLAUDE_*) and C(ANTHROPIC_*) names (likely typos) and deprecated ones such as
        C(ANTHROPIC_SMALL_FAST_MODEL) draw a warning.
    type: dict
    default: {}
  exclusive_env:
    description:
      - When V(true), the C(env) block holds exactly the variables of O(env) with a non-null value afterwards;
        every other variable in it is removed.
    type: bool
    default: false
  settings:
    description:
      - Top-level settings keys to set, such as C(apiKeyHelper), C(model), C(modelOverrides), C(availableModels),
        C(awsAuthRefresh), C(awsCredentialExport), C(gcpAuthRefresh), C(forceLoginMethod) or C(permissions).
      - Each key given replaces the key in the file as a whole (objects are not merged); a null value removes it.
      - Use O(env) for C(env).
    type: dict
    default: {}
notes:
  - Supports Linux and macOS hosts. Windows hosts are not supported.
  - SELinux contexts are not copied to the new file; it gets the default context of its directory.
  - Claude Code itself reads these files at start; running sessions do not see a change until they restart.
seealso:
  - module: devfleet.claude_code.claude_settings_info
    description: Audit which settings files Claude Code reads for a user and where each variable comes from.
  - name: Claude Code settings
    description: Scopes, precedence and keys of the settings files.
    link: https://code.claude.com/docs/en/settings
  - name: Claude Code environment variables
    description: Every variable Claude Code reads.
    link: https://code.claude.com/docs/en/env-vars
'''

EXAMPLES = r'''
- name: Point alice's Claude Code at the company LiteLLM gateway
  devfleet.claude_code.claude_settings:
    scope: user
    user: alice
    env:
      ANTHROPIC_BASE_URL: https://llm-gateway.example.com
      ANTHROPIC_AUTH_TOKEN: "{{ vault_gateway_token }}"
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: 1
  become: true

- name: Use Amazon Bedrock with an SSO profile, for bob
  devfleet.claude_code.claude_settings:
    scope: user
    user: bob
    env:
      CLAUDE_CODE_USE_BEDROCK: 1
      AWS_REGION: us-west-2
      AWS_PROFILE: claude
      ANTHROPIC_MODEL: us.anthropic.claude-sonnet-4-6
      ANTHROPIC_DEFAULT_HAIKU_MODEL: us.anthropic.claude-haiku-4-5-20251001-v1:0
    settings:
      awsAuthRefresh: aws sso login --profile claude
  become: true

- name: Machine-wide Vertex AI settings in a managed drop-in, without secrets because every user reads it
  devfleet.claude_code.claude_settings:
    scope: managed
    dropin: 50-vertex
    env:
      CLAUDE_CODE_USE_VERTEX: 1
      CLOUD_ML_REGION: us-east5
      ANTHROPIC_VERTEX_PROJECT_ID: my-gcp-project
  become: true

- name: Move a user off Bedrock (remove its variables, keep everything else)
  devfleet.claude_code.claude_settings:
    scope: user
    user: bob
    env:
      CLAUDE_CODE_USE_BEDROCK: null
      AWS_PROFILE: null
      AWS_REGION: null
    settings:
      awsAuthRefresh: null
  become: true

- name: Shared project settings, committed with the repository
  devfleet.claude_code.claude_settings:
    scope: project
    project_dir: /srv/src/payments
    settings:
      model: sonnet
      permissions:
        deny:
          - Read(./.env)

- name: Own the whole env block of a CI runner's settings, with a backup
  devfleet.claude_code.claude_settings:
    path: /etc/ci/claude-settings.json
    exclusive_env: true
    backup: true
    env:
      ANTHROPIC_BASE_URL: http://127.0.0.1:4000
      DISABLE_TELEMETRY: 1
'''

RETURN = r'''
path:
  description: The settings file, after resolving links that were safe to follow.
  returned: always
  type: str
  sample: /home/alice/.claude/settings.json
scope:
  description: The scope of the file, or V(path) when O(path) named it.
  returned: always
  type: str
  sample: user
env:
  description: The C(env) block of the file after the task (in check mode, as it would be), secret values replaced by V(<secret>).
  returned: always
  type: dict
  sample: {"ANTHROPIC_BASE_URL": "https://llm-gateway.example.com", "ANTHROPIC_AUTH_TOKEN": "<secret>"}
env_changed:
  description: Names of the variables that were (or would be) added, changed or removed.
  returned: always
  type: list
  elements: str
  sample: [ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL]
settings_changed:
  description: Top-level keys other than C(env) that were (or would be) added, changed or removed.
  returned: always
  type: list
  elements: str
  sample: [apiKeyHelper]
backup_file:
  description: The copy of the file as it was, when O(backup=true) and the file changed.
  returned: changed and O(backup=true)
  type: str
  sample: /home/alice/.claude/settings.json.4242.2026-11-25@12:00:00~
'''

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    TARGET_MUTUALLY_EXCLUSIVE,
    TARGET_REQUIRED_IF,
    TARGET_REQUIRED_ONE_OF,
    SettingsChange,
    apply_settings_change,
    policy_from_params,
    secrets_argument_spec,
    target_argument_spec,
    target_from_params,
    validate_env,
    validate_settings,
)


def secret_values(params):
    return policy_from_params(params).secret_values(params.get('env'), params.get('settings'))


def display_params(params):
    return policy_from_params(params).redact_params(params)


def main():
    argument_spec = target_argument_spec()
    argument_spec.update(secrets_argument_spec())
    argument_spec.update(
        env=dict(type='dict', default={}),
        exclusive_env=dict(type='bool', default=False),
        settings=dict(type='dict', default={}),
    )
    module = SecretAwareModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=TARGET_MUTUALLY_EXCLUSIVE,
        required_one_of=TARGET_REQUIRED_ONE_OF,
        required_if=TARGET_REQUIRED_IF,
        secret_values=secret_values,
        display_params=display_params,
    )
    with failing_on_errors(module, 'settings file'):
        target = target_from_params(module.params)
        change = SettingsChange(
            env=validate_env(module.params['env'], module.warn),
            settings=validate_settings(module.params['settings']),
            exclusive_env=module.params['exclusive_env'],
        )
        result = apply_settings_change(target, change, policy_from_params(module.params),
                                       check_mode=module.check_mode, diff=module._diff,
                                       backup=module.params['backup'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
