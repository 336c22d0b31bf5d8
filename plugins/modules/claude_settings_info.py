#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: claude_settings_info
short_description: Show which Claude Code settings a user gets, and where each value comes from
version_added: 0.1.0
description:
  - Lists every settings file Claude Code reads for a user (managed drop-ins and managed file, project local,
    project shared, user), in Claude Code's order of precedence, with their content (secrets redacted).
  - Returns the effective C(env) (what Claude Code will put in its environment), each variable with the scope and
    file it comes from, and the effective top-level settings.
  - Reports C(env) left in C(~/.claude.json) by the removed C(claude config set --global env) command, which Claude
    Code no longer reads (since 2.0.8).
  - This is what a platform team runs across a fleet to audit which provider each machine and user really uses.
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.ACTION_GROUP_SETTINGS
  - devfleet.claude_code.attributes.INFO_MODULE
  - devfleet.claude_code.settings.SECRETS
options:
  user:
    description:
      - The user whose settings to read, by name or uid. Defaults to the user the module runs as.
      - Reading another user's files needs root (C(become=true)). Links a user could have planted are not followed;
        such a file is reported with an RV(files[].error).
    type: str
  config_dir:
    description:
      - The user's C(CLAUDE_CONFIG_DIR), if Claude Code runs with one; absolute, or relative to the home directory.
    type: str
  project_dir:
    description:
      - A project (repository) whose C(.claude/settings.json) and C(.claude/settings.local.json) to include.
    type: path
  managed:
    description:
      - Whether to include the managed (machine-wide) settings.
    type: bool
    default: true
  pull_status_file:
    description:
      - The status file of the P(devfleet.claude_code.pull_agent#role) role's pull agent, reported as RV(pull_status).
    type: path
    default: /var/lib/devfleet-pull/status.json
    version_added: 0.1.0
notes:
  - Settings given on the command line (C(claude --settings FILE)) and server-managed settings are not visible on the
    host and not included.
  - For object and array keys such as C(permissions), Claude Code combines the scopes; RV(effective_settings) shows
    the value of the highest scope that sets the key.
seealso:
  - module: devfleet.claude_code.claude_settings
'''

EXAMPLES = r'''
- name: Audit Claude Code's provider settings for every developer
  devfleet.claude_code.claude_settings_info:
    user: "{{ item }}"
  loop: "{{ developers }}"
  register: claude_audit
  become: true

- name: Fail where a developer is not on Bedrock
  ansible.builtin.assert:
    that:
      - item.effective_env.CLAUDE_CODE_USE_BEDROCK.value | default('') == '1'
    fail_msg: "{{ item.user }} is not on Bedrock"
  loop: "{{ claude_audit.results }}"
  loop_control:
    label: "{{ item.user }}"

- name: Include a project's settings
  devfleet.claude_code.claude_settings_info:
    user: alice
    project_dir: /home/alice/src/payments
  become: true
'''

RETURN = r'''
user:
  description: The user whose settings were read.
  returned: always
  type: str
  sample: alice
files:
  description: Every settings file Claude Code reads for the user, highest precedence first.
  returned: always
  type: list
  elements: dict
  contains:
    scope:
      description: V(managed), V(local), V(project) or V(user).
      type: str
      sample: user
    path:
      description: Path of the file.
      type: str
      sample: /home/alice/.claude/settings.json
    exists:
      description: Whether the file exists.
      type: bool
      sample: true
    content:
      description: The parsed file with secret values replaced by V(<secret>); null when missing or unreadable.
      type: dict
      sample: {"env": {"ANTHROPIC_BASE_URL": "https://llm-gateway.example.com", "ANTHROPIC_AUTH_TOKEN": "<secret>"}}
    error:
      description: Why the file could not be used (invalid JSON, a refused symlink); null when fine.
      type: str
      sample: null
effective_env:
  description: The variables Claude Code will set, each with its value (secrets redacted) and the file it comes from.
  returned: always
  type: dict
  sample:
    ANTHROPIC_BASE_URL:
      value: https://llm-gateway.example.com
      scope: managed
      path: /etc/claude-code/managed-settings.d/50-gateway.json
effective_settings:
  description: Top-level keys other than C(env), each with its value and the file it comes from.
  returned: always
  type: dict
  sample:
    apiKeyHelper:
      value: /home/alice/.claude/bin/api-key-helper
      scope: user
      path: /home/alice/.claude/settings.json
pull_status:
  description:
    - What the last run of the pull agent (the P(devfleet.claude_code.pull_agent#role) role) left in O(pull_status_file);
      null when the machine is not in pull mode or the file cannot be read. See C(docs/pull_mode.md) for every key.
  returned: always
  type: dict
  version_added: 0.1.0
  sample:
    result: ok
    finished: "2026-12-03T10:42:17Z"
    commit: 4f1c2a0d9e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a
    applied_commit: 4f1c2a0d9e8b7c6a5f4e3d2c1b0a9f8e7d6c5b4a
    cli_version: 2.1.332 (Claude Code)
    consecutive_failures: 0
    duration_seconds: 41.2
legacy_env:
  description:
    - C(env) found in the user's C(~/.claude.json), written by the removed C(claude config set --global env) command.
      Claude Code ignores it since 2.0.8; move it to a settings file. Secrets redacted.
  returned: always
  type: dict
  sample: {"CLAUDE_CODE_USE_BEDROCK": "true"}
'''

import os

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import lookup_user
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._pull_agent import read_status
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    effective_settings,
    load_settings_file,
    policy_from_params,
    secrets_argument_spec,
    settings_files,
    state_file,
)


def _without_env(data):
    return dict((key, value) for key, value in data.items() if key != 'env')


def main():
    argument_spec = secrets_argument_spec()
    argument_spec.update(
        user=dict(type='str'),
        config_dir=dict(type='str'),
        project_dir=dict(type='path'),
        managed=dict(type='bool', default=True),
        pull_status_file=dict(type='path', default='/var/lib/devfleet-pull/status.json'),
    )
    module = SecretAwareModule(argument_spec=argument_spec, supports_check_mode=True,
                               secret_values=lambda params: ())
    policy = policy_from_params(module.params)
    with failing_on_errors(module, 'settings file'):
        info = lookup_user(module.params['user'] if module.params['user'] is not None else os.geteuid())
        paths = settings_files(info, module.params['config_dir'], module.params['project_dir'],
                               module.params['managed'])

    files, loaded = [], []
    for scope, path in paths:
        exists, data, error = load_settings_file(path)
        if error:
            module.warn('%s settings not usable: %s' % (scope, error))
        # mask what is secret in this file wherever else the value might surface
        if isinstance(data, dict):
            module.no_log_values.update(policy.secret_values(data.get('env'), _without_env(data)))
        files.append(dict(scope=scope, path=path, exists=exists, error=error,
                          content=policy.redact(data) if data is not None else None))
        loaded.append((scope, path, data))

    env, settings = effective_settings(loaded)
    for name, entry in env.items():
        entry['value'] = policy.redact_env({name: entry['value']})[name]
    for key, entry in settings.items():
        entry['value'] = policy.redact({key: entry['value']})[key]

    legacy = {}
    exists, data, error = load_settings_file(state_file(info, module.params['config_dir']))
    if isinstance(data, dict) and isinstance(data.get('env'), dict) and data['env']:
        module.no_log_values.update(policy.secret_values(data['env']))
        legacy = policy.redact_env(data['env'])
        module.warn('%s has "env" (from the removed `claude config set --global env`), which Claude Code ignores '
                    'since 2.0.8: %s. Move it to a settings file.' % (state_file(info, module.params['config_dir']),
                                                                      ', '.join(sorted(legacy))))

    module.exit_json(changed=False, user=info.name, files=files, effective_env=env,
                     effective_settings=settings, legacy_env=legacy,
                     pull_status=read_status(module.params['pull_status_file']))


if __name__ == '__main__':
    main()
