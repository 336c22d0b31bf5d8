#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: claude_code_host
short_description: Check the Claude Code install and write every user's settings and credentials, in one call
version_added: 0.1.0
description:
  - Everything the P(devfleet.claude_code.claude_code#role) role manages on one developer machine, in ONE remote
    call, so that a daily run that changes nothing costs about as much as a C(ping) - on a fleet that is the
    difference between minutes and hours.
  - Checks the installed Claude Code version without running it (no Node.js, no 200 MB binary started) by reading
    the npm package's C(package.json), or the version directory the C(claude) command links to. It never installs; it returns
    RV(install.required), and the role installs only then.
  - For each user, writes the AWS profiles (as M(devfleet.claude_code.aws_profile) does), the Google Application
    Default Credentials (as M(devfleet.claude_code.gcloud_adc) does), and then the Claude Code settings file, with
    an apiKeyHelper when one is given (as M(devfleet.claude_code.api_key_helper) does, else as
    M(devfleet.claude_code.claude_settings) does). Credentials are written before the settings that point at them.
  - The same code writes the same files as those modules, which stay usable one by one; this module only saves
    the round trips. Every option of every user is checked before the first file is written.
  - Secret values (secret C(env) values, the C(key) of O(users[].api_key_helper), static AWS keys, secret fields of ADC
    credentials) never appear in results, diffs, C(-vvv) output or the host's syslog.
author:
  - devfleet.claude_code contributors (@devfleet)
requirements:
  - google-auth 2.6.0 or newer on the managed host for O(users[].adc) with V(state=present), as for
    M(devfleet.claude_code.gcloud_adc). Nothing else beyond Python.
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.FILES
  - devfleet.claude_code.settings.SECRETS
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - One diff per file that changes, with secret values replaced as the single-purpose modules do.
  idempotent:
    support: full
options:
  install:
    description:
      - Check which Claude Code version is installed. Omit to skip the check.
    type: dict
    suboptions:
      method:
        description:
          - V(npm) reads C(NPM_PREFIX/lib/node_modules/NPM_PACKAGE/package.json) and checks that
            C(NPM_PREFIX/bin/claude) exists.
          - V(copy) reads which C(INSTALL_DIR/versions/VERSION/claude) the command C(BIN_DIR/claude) links to.
        type: str
        choices: [npm, copy]
        required: true
      version:
        description: The version the host must have.
        type: str
        required: true
      npm_prefix:
        description: The npm prefix the package is installed under (C(npm install --global --prefix)).
        type: path
        default: /usr/local
      npm_package:
        description: The npm package name.
        type: str
        default: '@anthropic-ai/claude-code'
      install_dir:
        description: Where O(install.method=copy) puts C(versions/VERSION/claude).
        type: path
        default: /opt/claude-code
      bin_dir:
        description: Where O(install.method=copy) puts the C(claude) command (a link).
        type: path
        default: /usr/local/bin
  users:
    description:
      - The users of the host and what to write for each, in order.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The user, by name, looked up in the passwd database of the host.
        type: str
        required: true
      config_dir:
        description: The user's Claude Code configuration directory, when not C(~/.claude).
        type: str
      env:
        description:
          - The C(env) block entries of the user's C(settings.json), as O(devfleet.claude_code.claude_settings#module:env)
            (a null value removes the variable).
        type: dict
        default: {}
      settings:
        description:
          - Top-level settings keys, as O(devfleet.claude_code.claude_settings#module:settings).
        type: dict
        default: {}
      api_key_helper:
        description:
          - An apiKeyHelper for this user, with the options of M(devfleet.claude_code.api_key_helper) except
            C(scope), C(user), C(config_dir), C(dropin), C(env), C(settings) and C(backup), which come from here.
          - Omit (or leave empty) to write the settings without touching any helper.
        type: dict
        default: {}
      aws_profiles:
        description:
          - AWS profiles to write into the user's C(~/.aws/config) and C(~/.aws/credentials), each with the options
            of M(devfleet.claude_code.aws_profile) except C(user), C(config_file) and C(credentials_file)
            (C(backup) is on when it is on here or in O(backup)).
        type: list
        elements: dict
        default: []
      adc:
        description:
          - The user's Google Application Default Credentials, with the options of M(devfleet.claude_code.gcloud_adc)
            except C(user) (C(backup) is on when it is on here or in O(backup)).
        type: dict
        default: {}
      vertex_from_adc:
        description:
          - Fill in the user's Vertex AI variables from the credentials written in the same call, where O(users[].env)
            leaves them missing or null - C(ANTHROPIC_VERTEX_PROJECT_ID) (the project of the credentials) and
            C(GOOGLE_APPLICATION_CREDENTIALS) (the file, when it is not at the default path).
        type: bool
        default: false
      gcp_auth_refresh:
        description:
          - Set C(gcpAuthRefresh) to this command when the gcloud CLI is installed on the host and O(users[].settings)
            leaves the key missing or null.
        type: str
      tls:
        description:
          - PEM files for the user's TLS connection to a gateway, written into C(tls/) of the user's Claude Code
            configuration directory (C(~/.claude/tls), the directory C(0700), every file owned by the user), before
            the settings. The variable that names each file is set in O(users[].env) where it leaves it missing or null.
          - A value left empty leaves its file alone.
        type: dict
        default: {}
        suboptions:
          ca_bundle:
            description:
              - CA certificates to trust besides the built-in ones (a private CA that signs the gateway's certificate, or
                a TLS-inspecting proxy's), written to C(tls/ca-bundle.pem) (C(0644)) and named by C(NODE_EXTRA_CA_CERTS).
            type: str
          client_cert:
            description:
              - The user's client certificate for mutual TLS, written to C(tls/client-cert.pem) (C(0644)) and named by
                C(CLAUDE_CODE_CLIENT_CERT).
            type: str
          client_key:
            description:
              - The private key of O(users[].tls.client_cert), written to C(tls/client-key.pem) (C(0600)) and named by
                C(CLAUDE_CODE_CLIENT_KEY). Never shown in results or diffs.
            type: str
  managed:
    description:
      - A managed settings drop-in for every user of the machine (public values only; see
        O(devfleet.claude_code.claude_settings#module:dropin)). Omit to leave managed settings alone.
    type: dict
    suboptions:
      dropin:
        description: The drop-in's name under C(managed-settings.d).
        type: str
        required: true
      state:
        description: V(absent) removes the drop-in (the other suboptions are then ignored).
        type: str
        choices: [present, absent]
        default: present
      env:
        description: As O(users[].env).
        type: dict
        default: {}
      settings:
        description: As O(users[].settings).
        type: dict
        default: {}
      api_key_helper:
        description: One machine-wide apiKeyHelper, as O(users[].api_key_helper).
        type: dict
        default: {}
  backup:
    description: Keep a copy of every file the module replaces or removes.
    type: bool
    default: false
notes:
  - Supports Linux and macOS hosts.
  - Needs root (C(become=true)) to write for other users.
seealso:
  - module: devfleet.claude_code.claude_settings
  - module: devfleet.claude_code.api_key_helper
  - module: devfleet.claude_code.aws_profile
  - module: devfleet.claude_code.gcloud_adc
'''

EXAMPLES = r'''
- name: Check the pinned Claude Code and configure two developers on Bedrock, with their AWS profile
  devfleet.claude_code.claude_code_host:
    install:
      method: npm
      version: 2.1.332
    users:
      - name: alice
        env:
          CLAUDE_CODE_USE_BEDROCK: 1
          AWS_REGION: us-east-1
          AWS_PROFILE: claude
        settings:
          awsAuthRefresh: aws sso login --profile claude
        aws_profiles:
          - name: claude
            sso_session: corp
            sso_start_url: https://corp.awsapps.com/start
            sso_region: us-east-1
            sso_account_id: "123456789012"
            sso_role_name: ClaudeDeveloper
            region: us-east-1
      - name: bob
        env:
          CLAUDE_CODE_USE_BEDROCK: 1
          AWS_REGION: us-east-1
          AWS_PROFILE: claude
  become: true
  register: host

- name: Install only when the check says so
  ansible.builtin.debug:
    msg: "{{ host.install.installed_version }} is installed, {{ host.install.version }} is wanted"
  when: host.install.required

- name: A Vertex developer with her ADC file; the project id comes from the credentials
  devfleet.claude_code.claude_code_host:
    users:
      - name: carol
        env:
          CLAUDE_CODE_USE_VERTEX: 1
          CLOUD_ML_REGION: global
          ANTHROPIC_VERTEX_PROJECT_ID: null
        adc:
          credentials: "{{ vault_carol_adc }}"
        vertex_from_adc: true
        gcp_auth_refresh: gcloud auth application-default login
  become: true
'''

RETURN = r'''
install:
  description: The install check.
  returned: when O(install) is given
  type: dict
  contains:
    version:
      description: The version wanted.
      type: str
      sample: 2.1.332
    installed_version:
      description: The version found, or null when Claude Code is not installed the way O(install.method) says.
      type: str
      sample: 2.1.197
    required:
      description: Whether the wanted version must be installed.
      type: bool
      sample: true
users:
  description: What was (or in check mode would be) done for each user, in the order of O(users).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The user.
      type: str
      sample: alice
    changed:
      description: Whether any file of this user changed.
      type: bool
      sample: false
    settings:
      description:
        - The result of the settings write, as M(devfleet.claude_code.claude_settings) returns it (with an apiKeyHelper,
          as M(devfleet.claude_code.api_key_helper) returns it); secret values replaced by V(<secret>).
      type: dict
      sample: {"path": "/home/alice/.claude/settings.json", "env_changed": [], "settings_changed": []}
    aws_profiles:
      description: The result of each profile, as M(devfleet.claude_code.aws_profile) returns it.
      type: list
      elements: dict
      sample: [{"config_file": "/home/alice/.aws/config", "changed_keys": []}]
    adc:
      description: The result of the ADC write, as M(devfleet.claude_code.gcloud_adc) returns it.
      type: dict
      sample: {"path": "/home/carol/.config/gcloud/application_default_credentials.json", "type": "authorized_user"}
    tls:
      description: The TLS files written for the user (O(users[].tls)), each with its C(path) and whether it C(changed).
      type: list
      elements: dict
      sample: [{"path": "/home/alice/.claude/tls/ca-bundle.pem", "changed": false}]
managed_dir:
  description:
    - The directory of the machine's managed settings on this host, where Claude Code reads C(managed-settings.d/)
      and C(managed-mcp.json) (C(/etc/claude-code) on Linux, C(/Library/Application Support/ClaudeCode) on macOS).
  returned: always
  type: str
  sample: /etc/claude-code
managed:
  description: The result of the managed drop-in write.
  returned: when O(managed) is given
  type: dict
  sample: {"path": "/etc/claude-code/managed-settings.d/50-devfleet-claude-code.json", "env_changed": []}
'''

import json
import os

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper import ApiKeyHelper
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_config import helper_argument_spec
from ansible_collections.devfleet.claude_code.plugins.module_utils._aws_config import (
    PROFILE_MUTUALLY_EXCLUSIVE,
    PROFILE_REQUIRED_BY,
    PROFILE_REQUIRED_TOGETHER,
    ProfileSpec,
    profile_argument_spec,
    write_profile,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError, failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import ManagedFile, lookup_user, read_file
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import outcome_diff
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    SettingsChange,
    apply_settings_change,
    managed_dir,
    policy_from_params,
    resolve_target,
    secrets_argument_spec,
    user_settings_dir,
    validate_env,
    validate_settings,
)

# Options of the single-purpose modules that this module fills in itself, per user.
HELPER_OWN = ('scope', 'user', 'config_dir', 'dropin', 'env', 'settings', 'backup')
PROFILE_OWN = ('user', 'config_file', 'credentials_file')
ADC_OWN = ('user',)
AWS_SECRET_OPTIONS = ('access_key_id', 'secret_access_key', 'session_token')
# users[].tls: option, file name in CONFIG_DIR/tls, mode, the variable that names it, what its PEM block must hold
TLS_DIR = 'tls'
TLS_FILES = (
    ('ca_bundle', 'ca-bundle.pem', 0o644, 'NODE_EXTRA_CA_CERTS', 'CERTIFICATE'),
    ('client_cert', 'client-cert.pem', 0o644, 'CLAUDE_CODE_CLIENT_CERT', 'CERTIFICATE'),
    ('client_key', 'client-key.pem', 0o600, 'CLAUDE_CODE_CLIENT_KEY', 'PRIVATE KEY'),
)


class InputError(CollectionError):
    """An option of one user (or of the managed drop-in) that the module cannot use."""


def _spec_without(spec, names):
    for name in names:
        spec.pop(name, None)
    return spec


HELPER_VALIDATOR = ArgumentSpecValidator(_spec_without(helper_argument_spec(), HELPER_OWN),
                                         required_if=[('state', 'present', ['source'])])
PROFILE_VALIDATOR = ArgumentSpecValidator(_spec_without(profile_argument_spec(), PROFILE_OWN),
                                          mutually_exclusive=PROFILE_MUTUALLY_EXCLUSIVE,
                                          required_together=PROFILE_REQUIRED_TOGETHER,
                                          required_by=PROFILE_REQUIRED_BY)
_ADC = {}


def adc():
    """The ADC module_utils, imported only when a user has ADC: it imports google-auth, which costs every host."""
    if not _ADC:
        from ansible_collections.devfleet.claude_code.plugins.module_utils import _gcloud_adc
        _ADC['module'] = _gcloud_adc
        _ADC['validator'] = ArgumentSpecValidator(_spec_without(_gcloud_adc.adc_argument_spec(), ADC_OWN),
                                                  required_if=[('state', 'present', ['credentials'])])
    return _ADC['module']


def _validated(validator, params, where):
    result = validator.validate(dict(params))
    if result.error_messages:
        raise InputError('%s: %s' % (where, '; '.join(result.error_messages)))
    return result.validated_parameters


# --- secrets: masked before AnsibleModule logs its invocation --------------------------------------------

def _credentials_secrets(value):
    if not value:
        return []
    values = [value] if isinstance(value, str) else []  # the JSON string form: the whole string is secret
    try:
        values.extend(adc().secret_values(adc().parse_credentials(value)))
    except adc().AdcError:
        pass  # reported by validation, without the value
    return values


def _helper_secrets(helper):
    key = (helper or {}).get('key')
    return [str(key), str(key).strip()] if key else []


def secret_values(params):
    policy = policy_from_params(params)
    values = []
    entries = list(params.get('users') or [])
    if params.get('managed'):
        entries.append(params['managed'])
    for entry in entries:
        values.extend(policy.secret_values(entry.get('env')))
        values.extend(_helper_secrets(entry.get('api_key_helper')))
        for profile in entry.get('aws_profiles') or []:
            values.extend(str(profile[name]) for name in AWS_SECRET_OPTIONS if isinstance(profile, dict) and profile.get(name))
        values.extend(_credentials_secrets((entry.get('adc') or {}).get('credentials')))
        for option, pem in (entry.get('tls') or {}).items():
            # the key, and a key given by mistake in place of a certificate
            if pem and (option == 'client_key' or 'PRIVATE KEY' in str(pem)):
                values.extend([str(pem), str(pem).strip()])
    return values


# --- the install check ------------------------------------------------------------------------------------

def installed_version(install):
    """The installed version as the files say, without running anything; None when not installed that way."""
    if install['method'] == 'npm':
        prefix = install['npm_prefix']
        if not os.path.exists(os.path.join(prefix, 'bin', 'claude')):
            return None
        state = read_file(os.path.join(prefix, 'lib', 'node_modules', install['npm_package'], 'package.json'))
        if state is None:
            return None
        try:
            version = json.loads(state.data.decode('utf-8')).get('version')
        except (UnicodeDecodeError, ValueError, AttributeError):
            return None
        return version if isinstance(version, str) else None
    versions = os.path.realpath(os.path.join(install['install_dir'], 'versions'))
    binary = os.path.realpath(os.path.join(install['bin_dir'], 'claude'))
    if os.path.dirname(os.path.dirname(binary)) != versions or os.path.basename(binary) != 'claude':
        return None
    if not os.access(binary, os.X_OK):
        return None
    return os.path.basename(os.path.dirname(binary))


def _move_diff(result, diffs):
    """Move a single-purpose writer's diff (one entry or a list of them) out of its result into the module's."""
    diff = result.pop('diff', [])
    diffs.extend(diff if isinstance(diff, list) else [diff])


# --- one user ---------------------------------------------------------------------------------------------

class UserPlan(object):
    """One user's validated input; run() writes credentials first, settings last."""

    def __init__(self, module, entry, where):
        self.module = module
        self.name = entry.get('name')
        self.where = where
        self.config_dir = entry.get('config_dir')
        self.env = dict(entry.get('env') or {})
        self.settings = dict(entry.get('settings') or {})
        self.vertex_from_adc = entry.get('vertex_from_adc')
        self.gcp_auth_refresh = entry.get('gcp_auth_refresh')
        validate_env(self.env, lambda msg: None)  # input errors now, warnings once, when writing
        validate_settings(self.settings)
        self.helper = None
        if entry.get('api_key_helper'):
            self.helper = _validated(HELPER_VALIDATOR, entry['api_key_helper'], where + '.api_key_helper')
        self.profiles = []
        for index, profile in enumerate(entry.get('aws_profiles') or []):
            params = _validated(PROFILE_VALIDATOR, profile, '%s.aws_profiles[%d]' % (where, index))
            ProfileSpec(params)  # raises IniError on values the AWS SDKs would refuse
            self.profiles.append(params)
        self.tls = self._validated_tls(entry.get('tls') or {})
        self.adc = None
        self.adc_info = None
        if entry.get('adc'):
            adc()
            self.adc = _validated(_ADC['validator'], entry['adc'], where + '.adc')
            if self.adc['state'] == 'present':
                if not adc().HAS_GOOGLE_AUTH:
                    raise InputError('%s.adc: %s' % (where, missing_required_lib('google-auth')))
                try:
                    self.adc_info = adc().parse_credentials(self.adc['credentials'])
                    adc().check_structure(self.adc_info, self.adc['quota_project_id'])
                except adc().AdcError as exc:
                    raise InputError('%s.adc: %s' % (where, exc))

    def _validated_tls(self, tls):
        for option, dummy, dummy, dummy, block in TLS_FILES:
            pem = tls.get(option)
            if pem and not ('-----BEGIN ' in pem and block + '-----' in pem):
                raise InputError('%s.tls.%s: not PEM text with a %s block ("-----BEGIN ... %s-----")'
                                 % (self.where, option, block, block))
        return dict((option, tls[option]) for option in tls if tls[option])

    def _write_tls(self, backup, diffs, result):
        """The PEM files of users[].tls, then the variables naming them where env leaves them missing or null."""
        info = lookup_user(self.name)
        base = os.path.join(user_settings_dir(info, self.config_dir), TLS_DIR)
        for option, name, mode, variable, block in TLS_FILES:
            if option not in self.tls:
                continue
            data = (self.tls[option].strip() + '\n').encode('utf-8')
            target = ManagedFile(os.path.join(base, name), mode, info.uid, info.gid, dir_mode=0o700)
            outcome = target.update(lambda current, data=data: None if current == data else data,
                                    check_mode=self.module.check_mode, backup=backup)
            if self.module._diff and outcome['changed']:
                secret = block == 'PRIVATE KEY'
                diffs.append(outcome_diff(outcome, lambda raw, secret=secret: (
                    '<private key: %d bytes, not shown>\n' % len(raw) if secret
                    else raw.decode('utf-8', 'replace'))))
            result['changed'] |= outcome['changed']
            result.setdefault('tls', []).append(dict(path=outcome['path'], changed=outcome['changed']))
            if self.env.get(variable) is None:
                self.env[variable] = os.path.join(base, name)

    def run(self, policy, backup, diffs):
        module = self.module
        result = dict(name=self.name, changed=False)
        if self.tls:
            self._write_tls(backup, diffs, result)
        for params in self.profiles:
            params = dict(params, user=self.name, backup=params['backup'] or backup)
            outcome = write_profile(params, check_mode=module.check_mode, diff=module._diff)
            _move_diff(outcome, diffs)
            result['changed'] |= outcome['changed']
            result.setdefault('aws_profiles', []).append(outcome)
        if self.adc is not None:
            params = dict(self.adc, user=self.name, backup=self.adc['backup'] or backup)
            target = adc().AdcFile(module, params)
            try:
                if params['state'] == 'present':
                    target.present(self.adc_info)
                else:
                    target.absent()
            except adc().AdcError as exc:
                raise InputError('%s.adc: %s' % (self.where, exc))
            outcome = target.result
            _move_diff(outcome, diffs)
            result['changed'] |= outcome['changed']
            result['adc'] = outcome
            self._from_adc(outcome)
        settings = self._write_settings(policy, backup)
        _move_diff(settings, diffs)
        result['changed'] |= settings.pop('changed')
        result['settings'] = settings
        return result

    def _from_adc(self, outcome):
        if self.vertex_from_adc and outcome.get('type'):
            derived = dict(ANTHROPIC_VERTEX_PROJECT_ID=outcome.get('project_id') or outcome.get('quota_project_id'))
            if not outcome['default_path']:
                derived['GOOGLE_APPLICATION_CREDENTIALS'] = outcome['path']
            for name, value in derived.items():
                if value and self.env.get(name) is None:
                    self.env[name] = value
        if self.gcp_auth_refresh and outcome.get('gcloud_path') and self.settings.get('gcpAuthRefresh') is None:
            self.settings['gcpAuthRefresh'] = self.gcp_auth_refresh

    def _write_settings(self, policy, backup):
        module = self.module
        if self.helper is not None:
            params = dict(self.helper, scope='user', user=self.name, config_dir=self.config_dir, dropin=None,
                          env=self.env, settings=self.settings, backup=backup)
            helper = ApiKeyHelper(params, module.warn, module.no_log_values.add, check_mode=module.check_mode,
                                  diff=module._diff)
            return helper.run(policy, backup=backup)
        target = resolve_target(scope='user', user=self.name, config_dir=self.config_dir)
        change = SettingsChange(env=validate_env(self.env, module.warn), settings=validate_settings(self.settings))
        return apply_settings_change(target, change, policy, check_mode=module.check_mode, diff=module._diff,
                                     backup=backup)


def write_managed(module, managed, policy, backup, diffs):
    env, settings = managed['env'], managed['settings']
    if managed['state'] == 'absent':
        target = resolve_target(scope='managed', dropin=managed['dropin'])
        outcome = target.managed_file().remove(check_mode=module.check_mode, backup=backup)
        if module._diff and outcome['changed']:
            diffs.append(outcome_diff(outcome, lambda data: '<%d bytes, removed>\n' % len(data)))
        result = dict(changed=outcome['changed'], path=outcome['path'], state='absent')
        if outcome['backup_file']:
            result['backup_file'] = outcome['backup_file']
        return result
    if managed['api_key_helper']:
        params = dict(_validated(HELPER_VALIDATOR, managed['api_key_helper'], 'managed.api_key_helper'),
                      scope='managed', user=None, config_dir=None, dropin=managed['dropin'], env=env,
                      settings=settings, backup=backup)
        result = ApiKeyHelper(params, module.warn, module.no_log_values.add, check_mode=module.check_mode,
                              diff=module._diff).run(policy, backup=backup)
    else:
        target = resolve_target(scope='managed', dropin=managed['dropin'])
        change = SettingsChange(env=validate_env(env, module.warn), settings=validate_settings(settings))
        result = apply_settings_change(target, change, policy, check_mode=module.check_mode, diff=module._diff,
                                       backup=backup)
    _move_diff(result, diffs)
    return result


def main():
    argument_spec = secrets_argument_spec()
    argument_spec.update(
        install=dict(type='dict', options=dict(
            method=dict(type='str', choices=['npm', 'copy'], required=True),
            version=dict(type='str', required=True),
            npm_prefix=dict(type='path', default='/usr/local'),
            npm_package=dict(type='str', default='@anthropic-ai/claude-code'),
            install_dir=dict(type='path', default='/opt/claude-code'),
            bin_dir=dict(type='path', default='/usr/local/bin'),
        )),
        users=dict(type='list', elements='dict', default=[], options=dict(
            name=dict(type='str', required=True),
            config_dir=dict(type='str'),
            env=dict(type='dict', default={}),
            settings=dict(type='dict', default={}),
            # no_log=False: the key in it is masked value by value (secret_values), not the whole option
            api_key_helper=dict(type='dict', default={}, no_log=False),
            aws_profiles=dict(type='list', elements='dict', default=[]),
            adc=dict(type='dict', default={}),
            vertex_from_adc=dict(type='bool', default=False),
            gcp_auth_refresh=dict(type='str'),
            tls=dict(type='dict', default={}, options=dict(
                ca_bundle=dict(type='str'),
                client_cert=dict(type='str'),
                client_key=dict(type='str', no_log=True),
            )),
        )),
        managed=dict(type='dict', options=dict(
            dropin=dict(type='str', required=True),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            env=dict(type='dict', default={}),
            settings=dict(type='dict', default={}),
            api_key_helper=dict(type='dict', default={}, no_log=False),
        )),
        backup=dict(type='bool', default=False),
    )
    module = SecretAwareModule(argument_spec=argument_spec, supports_check_mode=True, secret_values=secret_values)
    params = module.params
    policy = policy_from_params(params)
    result = dict(changed=False, users=[])
    diffs = []
    with failing_on_errors(module, 'claude_code_host', result):
        result['managed_dir'] = managed_dir()
        if params['install'] is not None:
            install = params['install']
            found = installed_version(install)
            result['install'] = dict(version=install['version'], installed_version=found,
                                     required=found != install['version'])
        names = [entry['name'] for entry in params['users']]
        if len(names) != len(set(names)):
            raise InputError('users: each user may be listed once (%s)' % ', '.join(names))
        plans = [UserPlan(module, entry, 'users[%d] (%s)' % (index, entry['name']))
                 for index, entry in enumerate(params['users'])]
        for plan in plans:
            outcome = plan.run(policy, params['backup'], diffs)
            result['changed'] |= outcome['changed']
            result['users'].append(outcome)
        if params['managed'] is not None:
            result['managed'] = write_managed(module, params['managed'], policy, params['backup'], diffs)
            result['changed'] |= result['managed'].pop('changed')
    if module._diff:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
