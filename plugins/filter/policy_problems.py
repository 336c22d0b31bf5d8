# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: policy_problems
short_description: Find machine policies that would lock developers out of Claude Code
version_added: 0.1.0
description:
  - Checks a managed-settings policy against the provider configuration that the same
    P(devfleet.claude_code.claude_code#role) role writes for the developers, before anything is written, and
    returns one message per problem (an empty list when the policy is safe).
  - A C(forceLoginMethod) (V(claudeai), V(console), or V(gateway), which means a Claude apps gateway sign-in), or a
    C(forceLoginOrgUUID), with credentials that are not such a sign-in (a gateway token, an API key, an
    apiKeyHelper, a cloud provider); Claude Code refuses to start (checked with Claude Code 2.1.332, see
    docs/providers.md).
  - C(availableModels) that leaves out a model the role configures (C(ANTHROPIC_MODEL) or one of the
    C(ANTHROPIC_DEFAULT_*_MODEL) variables); developers would be refused their default model.
  - C(requiredMinimumVersion) above, or C(requiredMaximumVersion) below, the pinned Claude Code version.
  - Secret values in the C(env) or C(headers) of the company MCP servers, since C(managed-mcp.json) is readable by
    every user. Secret is decided as the settings modules decide it (see
    P(devfleet.claude_code.split_env#filter)); header values such as C(Authorization) are secret unless they
    only reference variables (C(${VAR})), which Claude Code expands from each user's environment.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description: The managed policy (top-level settings keys; V(null) values are ignored).
    type: dict
    required: true
  env:
    description: The env variables the role writes for the users (V(null) values are ignored).
    type: dict
    default: {}
  helper:
    description: Whether the role installs an apiKeyHelper.
    type: bool
    default: false
  provider:
    description: The role's provider.
    type: str
    default: anthropic
  version:
    description: The pinned Claude Code version.
    type: str
    default: ''
  mcp_servers:
    description: The company MCP servers for C(managed-mcp.json).
    type: dict
    default: {}
  secret_env:
    description: Names of further variables that are secret.
    type: list
    elements: str
    default: []
  public_env:
    description: Names of variables that look secret but are not.
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Fail before writing anything when the policy would lock developers out
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
  vars:
    problems: "{{ {'forceLoginMethod': 'claudeai'} | devfleet.claude_code.policy_problems(env={'ANTHROPIC_AUTH_TOKEN': token}) }}"
'''

RETURN = r'''
_value:
  description: One message per problem, naming the policy key and what to change; empty when the policy is safe.
  type: list
  elements: str
'''

import re

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import SecretPolicy

# Credentials that are not a claude.ai / Console login: with any of them a forced login method blocks start-up.
THIRD_PARTY_SWITCHES = ('CLAUDE_CODE_USE_BEDROCK', 'CLAUDE_CODE_USE_VERTEX', 'CLAUDE_CODE_USE_FOUNDRY',
                        'CLAUDE_CODE_USE_MANTLE', 'CLAUDE_CODE_USE_ANTHROPIC_AWS',
                        'CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD', 'CLAUDE_CODE_USE_GATEWAY')
CREDENTIAL_VARS = ('ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY', 'ANTHROPIC_IDENTITY_TOKEN',
                   'ANTHROPIC_IDENTITY_TOKEN_FILE')
MODEL_VARS = ('ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL',
              'ANTHROPIC_DEFAULT_HAIKU_MODEL')
MODEL_ALIASES = ('opus', 'sonnet', 'haiku')
SECRET_HEADERS = frozenset(('authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'cookie'))
ANY_REFERENCE = re.compile(r'\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}')


def _version(text):
    parts = re.findall(r'\d+', str(text or ''))
    return tuple(int(part) for part in parts[:3]) if parts else None


def _model_allowed(model, allowed):
    if model in allowed:
        return True
    lowered = model.lower()
    return any(alias in allowed and alias in lowered for alias in MODEL_ALIASES)


def _lockouts(policy, env, helper, provider):
    """Claude Code 2.1.332 refuses to start when a forced login meets a token it cannot check (recorded in
    docs/providers.md): every forceLoginMethod, gateway included (a Claude apps gateway sign-in, not an LLM
    gateway's token), and forceLoginOrgUUID."""
    method = policy.get('forceLoginMethod')
    org = policy.get('forceLoginOrgUUID')
    credentials = [name for name in THIRD_PARTY_SWITCHES + CREDENTIAL_VARS if env.get(name)]
    if helper:
        credentials.append('apiKeyHelper')
    if not credentials or not (method or org):
        return []
    if method:
        what = {'claudeai': 'a claude.ai sign-in', 'console': 'a Console sign-in',
                'gateway': 'a Claude apps gateway sign-in'}.get(method, 'a %s sign-in' % method)
        return ['forceLoginMethod %s requires %s, but the role configures %s for provider %s: Claude Code would '
                'refuse to start for every developer. Drop claude_code_force_login_method, or configure no '
                'credentials.' % (method, what, ', '.join(credentials), provider)]
    return ['forceLoginOrgUUID requires a sign-in to that organization, but the role configures %s for provider %s: '
            'Claude Code would refuse to start. Drop claude_code_force_login_org_uuid.'
            % (', '.join(credentials), provider)]


def _model_problems(policy, env):
    allowed = policy.get('availableModels')
    if allowed is None:
        return []
    if not isinstance(allowed, list):
        return ['availableModels must be a list of model names or aliases.']
    missing = ['%s=%s' % (name, env[name]) for name in MODEL_VARS
               if isinstance(env.get(name), str) and env[name] and not _model_allowed(env[name], allowed)]
    if not missing:
        return []
    return ['availableModels %s leaves out the model%s the role configures (%s): developers would be refused it. '
            'Add %s to claude_code_available_models.'
            % (', '.join(allowed), 's' if len(missing) > 1 else '', ', '.join(missing),
               'them' if len(missing) > 1 else 'it')]


def _version_problems(policy, version):
    pinned = _version(version)
    if pinned is None:
        return []
    problems = []
    low, high = _version(policy.get('requiredMinimumVersion')), _version(policy.get('requiredMaximumVersion'))
    if low is not None and pinned < low:
        problems.append('requiredMinimumVersion %s is above the pinned Claude Code %s: every developer would be '
                        'refused. Raise claude_code_version first.' % (policy['requiredMinimumVersion'], version))
    if high is not None and pinned > high:
        problems.append('requiredMaximumVersion %s is below the pinned Claude Code %s: every developer would be '
                        'refused.' % (policy['requiredMaximumVersion'], version))
    if low is not None and high is not None and low > high:
        problems.append('requiredMinimumVersion %s is above requiredMaximumVersion %s.'
                        % (policy['requiredMinimumVersion'], policy['requiredMaximumVersion']))
    return problems


def _mcp_problems(servers, secrets):
    found = []
    for server, config in sorted((servers or {}).items()):
        if not isinstance(config, Mapping):
            raise AnsibleFilterError('policy_problems: MCP server %s must be a dict' % server)
        for name, value in sorted((config.get('env') or {}).items()):
            text = str(value)
            literal = ANY_REFERENCE.sub('', text)
            if text and literal and secrets.is_secret(str(name), literal):
                found.append('%s env %s' % (server, name))
        for name, value in sorted((config.get('headers') or {}).items()):
            text = str(value)
            literal = ANY_REFERENCE.sub('', text)
            secret_header = str(name).lower() in SECRET_HEADERS and not ANY_REFERENCE.search(text)
            if secret_header or (literal and secrets.is_secret(str(name), literal)):
                found.append('%s header %s' % (server, name))
        url = str(config.get('url') or '')
        if url and secrets.is_secret('url', url):
            found.append('%s url' % server)
    if not found:
        return []
    return ['claude_code_mcp_servers: %s hold secret values, and managed-mcp.json is readable by every user. '
            'Give the whole value as a variable of the user\'s environment instead (for example Authorization: '
            '"${COMPANY_MCP_AUTHORIZATION}", the variable holding "Bearer ..."), which Claude Code expands at run '
            'time.' % ', '.join(found)]


def policy_problems(policy, env=None, helper=False, provider='anthropic', version='', mcp_servers=None,
                    secret_env=None, public_env=None):
    if not isinstance(policy, Mapping):
        raise AnsibleFilterError('policy_problems expects a dict of settings, got %s' % type(policy).__name__)
    policy = dict((key, value) for key, value in policy.items() if value is not None)
    env = dict((name, value) for name, value in (env or {}).items() if value not in (None, ''))
    return (_lockouts(policy, env, bool(helper), provider) + _model_problems(policy, env)
            + _version_problems(policy, version)
            + _mcp_problems(mcp_servers, SecretPolicy(secret_env, public_env)))


class FilterModule(object):
    def filters(self):
        return {'policy_problems': policy_problems}
