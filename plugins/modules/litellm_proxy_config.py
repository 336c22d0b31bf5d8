#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: litellm_proxy_config
short_description: Validate and install a LiteLLM proxy configuration, its secrets and helper files as one set
version_added: 0.1.0
description:
  - Writes the files a LiteLLM proxy reads at start, in one directory, as one set - C(config.yaml) (no secrets, every
    secret written as C(os.environ/NAME)), C(litellm.env) (the secrets, a systemd C(EnvironmentFile) owned by root
    with mode C(0600)), an optional TLS certificate and key, and helper files such as a C(custom_auth) hook.
  - B(A bad change never replaces a good configuration.) When any file must change, the new set is first written
    to a private candidate directory and loaded by LiteLLM itself, from the virtualenv O(venv), as O(validate_user)
    and with the new environment only - what C(litellm --validate_config) does, plus checks it lacks - every
    C(os.environ/NAME) reference must be set, every C(model_list) entry must be accepted (LiteLLM drops entries
    with an unknown provider silently), the TLS pair must load, and the LiteLLM release must not be a compromised
    one (1.82.7, 1.82.8). Only then are the live files replaced, each atomically; on failure the module fails and
    leaves every live file byte-identical.
  - The files as they were before the last change are kept in C(.previous/) (root only); O(state=rollback) puts
    them back, for a proxy that passed the check but still failed to start.
  - The module does not restart the proxy; the P(devfleet.claude_code.litellm_proxy#role) role does, and waits
    for C(/health/liveliness), and rolls back with this module when the new configuration does not come up.
  - Code from the virtualenv never runs as root - the check runs as O(validate_user).
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.FILES
attributes:
  check_mode:
    support: full
    details:
      - The new configuration is still checked with LiteLLM in check mode (that writes only a temporary candidate
        directory), so C(--check) tells whether a change would be rejected.
  diff_mode:
    support: full
    details:
      - C(config.yaml) and helper files are shown as text; C(litellm.env) as variable names with V(<secret>), or
        V(<secret, changed>) for a value that changes; the TLS private key never.
  idempotent:
    support: full
options:
  path:
    description:
      - The directory that holds the configuration. It is created (owner root, group O(group), mode C(0750)) when
        missing.
    type: path
    default: /etc/litellm
  state:
    description:
      - V(present) validates and installs the files given.
      - V(rollback) restores the files as they were before the last change the module made, if any, and forgets
        that copy. Only O(path) is used then.
    type: str
    choices: [present, rollback]
    default: present
  config:
    description:
      - The content of C(config.yaml) (YAML text). Reference secrets as C(os.environ/NAME) and put their values in
        O(environment); a value of O(environment) found verbatim in this text is refused.
      - Required with O(state=present).
    type: str
  environment:
    description:
      - Variables for C(litellm.env), the proxy's C(EnvironmentFile) (owner root, mode C(0600); systemd reads it
        before it drops privileges). Keys, passwords, database URLs go here.
      - Values are strings without line breaks (give JSON in compact form). They are never shown.
    type: dict
    default: {}
  files:
    description:
      - Other files to install next to C(config.yaml) (name to content), owner root, group O(group), mode
        C(0640), such as the C(custom_auth) hook LiteLLM imports from the configuration's directory.
      - Files are added or updated, never removed.
    type: dict
    default: {}
  tls_certificate:
    description:
      - PEM certificate chain for HTTPS, written as C(tls.crt) (mode C(0640), group O(group)).
    type: str
  tls_private_key:
    description:
      - PEM private key for O(tls_certificate), written as C(tls.key) (mode C(0640), group O(group)); the check
        loads both as a pair.
    type: str
  group:
    description:
      - The group that may read C(config.yaml), the helper files and the TLS files (the proxy service's group).
    type: str
  validate:
    description:
      - Check the new set with LiteLLM before it replaces the live files. Turn it off only to stage files for a
        virtualenv that does not exist yet.
    type: bool
    default: true
  venv:
    description:
      - The virtualenv where LiteLLM is installed; its C(bin/python) runs the check. Required when O(validate=true).
    type: path
  validate_user:
    description:
      - The user the check runs as, normally the proxy's service user (who owns the virtualenv). Required when
        O(validate=true).
    type: str
  validate_environment:
    description:
      - Variables the service gets from its unit (C(Environment=)) rather than from C(litellm.env), such as
        C(LITELLM_LOCAL_MODEL_COST_MAP), so that the check sees what the service will see. Not secret.
    type: dict
    default: {}
  validate_timeout:
    description:
      - Seconds the check may take (LiteLLM takes 5 to 20 seconds to import and load a configuration).
    type: int
    default: 300
notes:
  - Supports Linux hosts with systemd. The module must run as root (C(become=true)) to write files owned by root
    and run the check as another user.
seealso:
  - name: LiteLLM proxy configuration
    description: The C(config.yaml) settings.
    link: https://docs.litellm.ai/docs/proxy/configs
  - name: The devfleet.claude_code LiteLLM proxy role
    description: Installs LiteLLM, renders this configuration from inventory and runs the proxy under systemd.
    link: https://github.com/devfleet/claude_code/blob/main/docs/litellm_proxy.md
'''

EXAMPLES = r'''
- name: Install a checked LiteLLM configuration
  devfleet.claude_code.litellm_proxy_config:
    path: /etc/litellm
    group: litellm
    venv: /opt/litellm/venv-1.108.7
    validate_user: litellm
    validate_environment:
      LITELLM_LOCAL_MODEL_COST_MAP: "True"
    config: |
      model_list:
        - model_name: "claude-*"
          litellm_params:
            model: "anthropic/claude-*"
            api_key: os.environ/ANTHROPIC_UPSTREAM_KEY
      general_settings:
        master_key: os.environ/LITELLM_MASTER_KEY
    environment:
      LITELLM_MASTER_KEY: "{{ vault_litellm_master_key }}"
      ANTHROPIC_UPSTREAM_KEY: "{{ vault_anthropic_api_key }}"
  become: true
  register: proxy_config
  notify: Restart litellm

- name: Put the previous configuration back
  devfleet.claude_code.litellm_proxy_config:
    path: /etc/litellm
    state: rollback
  become: true
'''

RETURN = r'''
path:
  description: The configuration directory.
  returned: always
  type: str
  sample: /etc/litellm
changed_files:
  description: Names of the files that were (or would be) written, or restored by O(state=rollback).
  returned: always
  type: list
  elements: str
  sample: [config.yaml, litellm.env]
validated:
  description: Whether LiteLLM checked the new set (only when something had to change and O(validate=true)).
  returned: state is present
  type: bool
  sample: true
models:
  description: Number of C(model_list) entries LiteLLM accepted in the check.
  returned: when validated
  type: int
  sample: 3
litellm_version:
  description: The LiteLLM release in O(venv) that checked the configuration.
  returned: when validated
  type: str
  sample: 1.108.7
'''

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._litellm import (
    ENV_NAME,
    ProxyConfigError,
    ProxyFiles,
    env_diff,
    private_key_diff,
    text_diff,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import SecretPolicy

ENV_HEADER = ('# Managed by devfleet.claude_code.litellm_proxy_config: secrets of the LiteLLM proxy, read by systemd\n'
              '# (EnvironmentFile) before it starts the service. Referenced from config.yaml as os.environ/NAME.\n')
TLS_CERT = 'tls.crt'
TLS_KEY = 'tls.key'


def build(params):
    environment = {}
    for name, value in (params['environment'] or {}).items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            raise ProxyConfigError('environment: %s must be a string, a number or a boolean, got a %s; give JSON '
                                   'in compact form (to_json)' % (name, type(value).__name__))
        environment[name] = value if isinstance(value, str) else (
            ('true' if value else 'false') if isinstance(value, bool) else str(value))
    files = dict(params['files'] or {})
    for name in files:
        if name in (TLS_CERT, TLS_KEY):
            raise ProxyConfigError('%s is reserved for tls_certificate / tls_private_key' % name)
    if params['tls_certificate']:
        files[TLS_CERT] = params['tls_certificate']
        files[TLS_KEY] = params['tls_private_key']
    proxy = ProxyFiles(params['path'], config=params['config'], environment=environment, files=files,
                       group=params['group'], env_header=ENV_HEADER)
    return proxy, environment


def secret_values(params):
    """validate_environment is documented as not secret; still, what is not provably public is masked."""
    return SecretPolicy().secret_values(params.get('validate_environment'))


def display_params(params):
    shown = dict(params)
    shown['validate_environment'] = SecretPolicy().redact_env(params.get('validate_environment'))
    return shown


def main():
    module = SecretAwareModule(
        argument_spec=dict(
            path=dict(type='path', default='/etc/litellm'),
            state=dict(type='str', choices=['present', 'rollback'], default='present'),
            config=dict(type='str'),
            environment=dict(type='dict', default={}, no_log=True),
            files=dict(type='dict', default={}),
            tls_certificate=dict(type='str'),
            tls_private_key=dict(type='str', no_log=True),
            group=dict(type='str'),
            validate=dict(type='bool', default=True),
            venv=dict(type='path'),
            validate_user=dict(type='str'),
            validate_environment=dict(type='dict', default={}),
            validate_timeout=dict(type='int', default=300),
        ),
        required_if=[('state', 'present', ['config'])],
        required_together=[('tls_certificate', 'tls_private_key')],
        supports_check_mode=True,
        secret_values=secret_values,
        display_params=display_params,
    )
    params = module.params
    result = dict(changed=False, path=params['path'], changed_files=[])
    with failing_on_errors(module, params['path'], result):
        if params['state'] == 'rollback':
            proxy = ProxyFiles(params['path'])
            result['changed_files'] = proxy.rollback(module.check_mode)
            result['changed'] = bool(result['changed_files'])
            module.exit_json(**result)

        if params['validate'] and not (params['venv'] and params['validate_user']):
            module.fail_json(msg='validate=true needs venv (where LiteLLM is installed) and validate_user (who runs '
                                 'the check, normally the service user)', **result)
        proxy, environment = build(params)
        leaked = proxy.secrets_in_public_files()
        if leaked:
            module.fail_json(msg='the value of %s appears in config.yaml or a helper file, which the service group '
                                 'can read; reference it as os.environ/NAME instead' % ', '.join(leaked), **result)
        current = proxy.current()
        changed = proxy.differences(current)
        result.update(changed=bool(changed), changed_files=changed, validated=False)
        if not changed:
            module.exit_json(**result)

        if params['validate']:
            check_env = dict((k, str(v)) for k, v in (params['validate_environment'] or {}).items())
            check_env.update(environment)
            tls = [TLS_CERT, TLS_KEY] if params['tls_certificate'] else None
            check = proxy.validate(params['venv'], params['validate_user'], check_env, params['validate_timeout'],
                                   tls_names=tls)
            result.update(validated=True, models=check.get('models'), litellm_version=check.get('version'))
            if not check.get('ok'):
                module.fail_json(msg='the new LiteLLM configuration was rejected, nothing was changed: %s'
                                     % '; '.join(check.get('errors') or ['unknown error']), **result)

        if module._diff:
            diffs = []
            for name in changed:
                before = current.get(name)
                before_data = before.data if before else None
                if name == ENV_NAME:
                    diffs.append(env_diff(before_data, environment))
                elif name == TLS_KEY:
                    diffs.append(private_key_diff(name, before_data, proxy.desired[name][0]))
                else:
                    diffs.append(text_diff(name, before_data, proxy.desired[name][0]))
            result['diff'] = diffs

        if not module.check_mode:
            proxy.apply(current, changed)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
