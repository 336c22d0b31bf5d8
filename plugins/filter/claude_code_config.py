# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: claude_code_config
short_description: Compute what the claude_code role writes on a host, from the role's variables
version_added: 0.1.0
description:
  - The program of the P(devfleet.claude_code.claude_code#role) role, run on the controller. From the role's
    variables and the facts the credential roles published, it computes the C(env) and settings of every user,
    the managed drop-in, the install check and the machine policy, which the role hands to
    M(devfleet.claude_code.claude_code_host) and M(devfleet.claude_code.claude_settings).
  - Holds THE provider table, every env variable and top-level settings key the role writes for a provider. On
    every run the variables of the providers the host does NOT use are written as V(null), which removes them
    (a host moved from Bedrock to Vertex keeps no Bedrock variable).
  - "The layers, lowest first: every owned name as V(null) < what the credential roles published for the
    provider < the role's own non-empty variables < C(env) / C(settings)."
  - With C(scope=managed), public values go to the managed drop-in and secret ones (see
    P(devfleet.claude_code.split_env#filter)) to each listed user's file; what a credential role published for
    one user only goes to that user's file too.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description:
      - The role's variables by name without the C(claude_code_) prefix (see C(roles/claude_code/vars/main.yml)
        and the role's argument spec for each), for example C(provider), C(users), C(scope), C(api_key),
        C(bedrock_region), C(env), C(settings), C(policy_settings), plus the facts of the credential roles.
      - C(aws_facts), C(aws_users_facts), C(aws_deferred_profiles) - what P(devfleet.claude_code.aws_credentials#role)
        published (C(aws_credentials_claude_code), C(aws_credentials_claude_code_users),
        C(aws_credentials_deferred_profiles)), V({}) or V([]) when it did not run.
      - C(google_facts), C(google_users_facts), C(google_deferred_users), C(google_deferred_auth_refresh) - the
        same from P(devfleet.claude_code.gcloud_adc#role).
      - C(deferred_credentials) - the credential roles the claude_code role stands in for
        (O(devfleet.claude_code.claude_code#role:main:claude_code_deferred_credentials)), and
        C(credential_variables), the host's variables whose names start with C(aws_credentials_) or C(gcloud_adc_).
        For each of those roles, its variables (its defaults, the host's values) are validated against its
        argument spec and planned with its plan filter here, as the role would have done, and what it would have
        published replaces the facts above.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: What the role would write for this host
  ansible.builtin.debug:
    msg: "{{ claude_code__inputs | devfleet.claude_code.claude_code_config }}"
'''

RETURN = r'''
_value:
  description: What the role hands to its modules.
  type: dict
  contains:
    env:
      description: The host's env (every owned name, V(null) to remove).
      type: dict
    settings:
      description: The host's top-level settings keys (every owned key, V(null) to remove).
      type: dict
    managed:
      description: Whether C(scope) is V(managed).
      type: bool
    host_users:
      description: The O(devfleet.claude_code.claude_code_host#module:users) option, one entry per user.
      type: list
      elements: dict
    host_managed:
      description: The O(devfleet.claude_code.claude_code_host#module:managed) option.
      type: dict
    helper_active:
      description: An apiKeyHelper is configured and installed (not removed) for the provider.
      type: bool
    install_check:
      description: The O(devfleet.claude_code.claude_code_host#module:install) option.
      type: dict
    binary:
      description: The path of the C(claude) command an install runs to check its version.
      type: str
    install_env:
      description: The environment of the npm install (CA bundle, registry, proxies), empty values dropped.
      type: dict
    policy:
      description: The machine policy settings (keys the role owns are V(null) when their variable is empty).
      type: dict
    policy_wanted:
      description: The policy sets at least one key.
      type: bool
'''

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.aws_credentials_plan import aws_credentials_plan
from ansible_collections.devfleet.claude_code.plugins.filter.gcloud_adc_plan import gcloud_adc_plan
from ansible_collections.devfleet.claude_code.plugins.filter.provider_facts import provider_facts
from ansible_collections.devfleet.claude_code.plugins.filter.split_env import split_env
from ansible_collections.devfleet.claude_code.plugins.plugin_utils._credential_roles import (
    ROLES as CREDENTIAL_ROLES,
    aws_credentials_problem,
    gcloud_adc_problem,
    role_variables,
)

_AWS = ('AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE')
# per-model regions, as Claude Code 2.1.332 knows them (strings in its binary)
_VERTEX_MODEL_REGIONS = (
    'VERTEX_REGION_CLAUDE_3_5_HAIKU', 'VERTEX_REGION_CLAUDE_3_5_SONNET', 'VERTEX_REGION_CLAUDE_3_7_SONNET',
    'VERTEX_REGION_CLAUDE_4_0_OPUS', 'VERTEX_REGION_CLAUDE_4_0_SONNET', 'VERTEX_REGION_CLAUDE_4_1_OPUS',
    'VERTEX_REGION_CLAUDE_4_5_OPUS', 'VERTEX_REGION_CLAUDE_4_5_SONNET', 'VERTEX_REGION_CLAUDE_4_6_OPUS',
    'VERTEX_REGION_CLAUDE_4_6_SONNET', 'VERTEX_REGION_CLAUDE_4_7_OPUS', 'VERTEX_REGION_CLAUDE_4_8_OPUS',
    'VERTEX_REGION_CLAUDE_5_5_OPUS', 'VERTEX_REGION_CLAUDE_5_5_SONNET', 'VERTEX_REGION_CLAUDE_5_OPUS',
    'VERTEX_REGION_CLAUDE_5_SONNET', 'VERTEX_REGION_CLAUDE_HAIKU_4_5', 'VERTEX_REGION_CLAUDE_HAIKU_5_5',
)

# THE provider table: every env variable the role writes for a provider. Names that the credential roles publish
# (aws_credentials_claude_code, gcloud_adc_claude_code) must be listed here too, or a switch would leave them.
PROVIDER_ENV_NAMES = {
    'anthropic': (
        'ANTHROPIC_API_KEY',
        # workload identity federation (checked with 2.1.332: POST <base>/v1/oauth/token, then Bearer)
        'ANTHROPIC_IDENTITY_TOKEN', 'ANTHROPIC_IDENTITY_TOKEN_FILE', 'ANTHROPIC_FEDERATION_RULE_ID',
        'ANTHROPIC_ORGANIZATION_ID', 'ANTHROPIC_SERVICE_ACCOUNT_ID', 'ANTHROPIC_WORKSPACE_ID'),
    'gateway': ('ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_USE_GATEWAY'),
    'foundry': (
        'CLAUDE_CODE_USE_FOUNDRY', 'ANTHROPIC_FOUNDRY_RESOURCE', 'ANTHROPIC_FOUNDRY_BASE_URL',
        'ANTHROPIC_FOUNDRY_API_KEY', 'ANTHROPIC_FOUNDRY_AUTH_TOKEN', 'CLAUDE_CODE_SKIP_FOUNDRY_AUTH',
        'ANTHROPIC_AUTH_TOKEN'),
    'mantle': (
        ('CLAUDE_CODE_USE_MANTLE', 'ANTHROPIC_BEDROCK_MANTLE_BASE_URL', 'CLAUDE_CODE_SKIP_MANTLE_AUTH') + _AWS
        + ('AWS_BEARER_TOKEN_BEDROCK', 'ANTHROPIC_AUTH_TOKEN')),
    'anthropic_aws': (
        ('CLAUDE_CODE_USE_ANTHROPIC_AWS', 'ANTHROPIC_AWS_BASE_URL', 'ANTHROPIC_AWS_API_KEY',
         'ANTHROPIC_AWS_WORKSPACE_ID', 'CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH') + _AWS + ('ANTHROPIC_AUTH_TOKEN',)),
    'anthropic_google_cloud': (
        'CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD', 'ANTHROPIC_GOOGLE_CLOUD_BASE_URL', 'ANTHROPIC_GOOGLE_CLOUD_PROJECT',
        'ANTHROPIC_GOOGLE_CLOUD_LOCATION', 'ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID',
        'CLAUDE_CODE_SKIP_ANTHROPIC_GOOGLE_CLOUD_AUTH', 'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG',
        'ANTHROPIC_AUTH_TOKEN'),
    'bedrock': (
        ('CLAUDE_CODE_USE_BEDROCK',) + _AWS
        + ('AWS_BEARER_TOKEN_BEDROCK', 'ANTHROPIC_BEDROCK_BASE_URL', 'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
           'ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION')),
    'vertex': (
        ('CLAUDE_CODE_USE_VERTEX', 'CLOUD_ML_REGION', 'ANTHROPIC_VERTEX_PROJECT_ID', 'ANTHROPIC_VERTEX_BASE_URL',
         'CLAUDE_CODE_SKIP_VERTEX_AUTH', 'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG')
        + _VERTEX_MODEL_REGIONS),
}
# ... and every top-level settings key.
PROVIDER_SETTINGS_KEYS = {
    'anthropic': (),
    'gateway': (),
    'bedrock': ('awsAuthRefresh', 'awsCredentialExport'),
    'vertex': ('gcpAuthRefresh',),
    'foundry': (),
    'mantle': ('awsAuthRefresh', 'awsCredentialExport'),
    'anthropic_aws': ('awsAuthRefresh', 'awsCredentialExport'),
    'anthropic_google_cloud': ('gcpAuthRefresh',),
}
# Variables the role owns whatever the provider: an empty role variable removes them.
COMMON_ENV_NAMES = (
    'ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL',
    'ANTHROPIC_DEFAULT_OPUS_MODEL',
    'ANTHROPIC_SMALL_FAST_MODEL',  # deprecated name the seed documents: always removed, replaced by the HAIKU one
    'ANTHROPIC_CUSTOM_HEADERS', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS',
    'CLAUDE_CODE_CLIENT_CERT', 'CLAUDE_CODE_CLIENT_KEY', 'CLAUDE_CODE_CLIENT_KEY_PASSPHRASE', 'DISABLE_TELEMETRY',
    'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC', 'DISABLE_AUTOUPDATER', 'CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS')

# The credential roles' facts serve every provider that signs the same way: the AWS facts the AWS ones, the ADC
# facts the Google ones; provider_facts keeps only the names the provider owns.
AWS_PROVIDERS = ('bedrock', 'mantle', 'anthropic_aws')
GOOGLE_PROVIDERS = ('vertex', 'anthropic_google_cloud')
# The apiKeyHelper is installed for these providers and removed (state absent) for the others.
HELPER_PROVIDERS = ('anthropic', 'gateway')


def _unique(names):
    seen = []
    for name in names:
        if name not in seen:
            seen.append(name)
    return seen


OWNED_ENV_NAMES = tuple(_unique([n for names in PROVIDER_ENV_NAMES.values() for n in names] + list(COMMON_ENV_NAMES)))
OWNED_SETTINGS_KEYS = tuple(_unique([k for keys in PROVIDER_SETTINGS_KEYS.values() for k in keys]))


def _flag(value):
    return '1' if value else ''


def _behind_gateway(skip_auth, base_url, auth_token):
    # The skip-auth switch is on when the role variable says so, or (unset) when both a base URL and the
    # gateway's token are given (a base URL alone may be the cloud's own endpoint).
    return skip_auth if skip_auth is not None else (len(base_url) > 0 and len(auth_token) > 0)


def _provider_env(v):
    """Where the role's explicit variables go for the provider (empty values are dropped by the caller).

    Behind a gateway (a base URL), Claude Code 2.1.332 sends ANTHROPIC_AUTH_TOKEN as a Bearer token with Bedrock,
    Vertex, Foundry, Mantle and the Claude Platforms too, so auth_token is the gateway credential for all of them.
    """
    provider, token = v['provider'], v['auth_token']
    if provider == 'anthropic':
        return {
            'ANTHROPIC_API_KEY': v['api_key'],
            'ANTHROPIC_IDENTITY_TOKEN': v['identity_token'],
            'ANTHROPIC_IDENTITY_TOKEN_FILE': v['identity_token_file'],
            'ANTHROPIC_FEDERATION_RULE_ID': v['federation_rule_id'],
            'ANTHROPIC_ORGANIZATION_ID': v['organization_id'],
            'ANTHROPIC_SERVICE_ACCOUNT_ID': v['service_account_id'],
            'ANTHROPIC_WORKSPACE_ID': v['workspace_id'],
            # the token exchange goes to the base URL (api.anthropic.com unless set)
            'ANTHROPIC_BASE_URL': v['gateway_url'],
        }
    if provider == 'gateway':
        return {
            'ANTHROPIC_BASE_URL': v['gateway_url'],
            'ANTHROPIC_AUTH_TOKEN': token,
            'CLAUDE_CODE_USE_GATEWAY': _flag(v['gateway_mode']),
        }
    if provider == 'foundry':
        behind = _behind_gateway(v['foundry_skip_auth'], v['foundry_base_url'], token)
        return {
            'CLAUDE_CODE_USE_FOUNDRY': '1',
            'ANTHROPIC_FOUNDRY_RESOURCE': v['foundry_resource'],
            'ANTHROPIC_FOUNDRY_BASE_URL': v['foundry_base_url'],
            'ANTHROPIC_FOUNDRY_API_KEY': v['foundry_api_key'],
            'ANTHROPIC_FOUNDRY_AUTH_TOKEN': v['foundry_auth_token'],
            'CLAUDE_CODE_SKIP_FOUNDRY_AUTH': _flag(behind),
            'ANTHROPIC_AUTH_TOKEN': token if behind else '',
        }
    if provider == 'mantle':
        behind = _behind_gateway(v['mantle_skip_auth'], v['mantle_base_url'], token)
        return {
            'CLAUDE_CODE_USE_MANTLE': '1',
            'ANTHROPIC_BEDROCK_MANTLE_BASE_URL': v['mantle_base_url'],
            'AWS_REGION': v['bedrock_region'],
            'AWS_PROFILE': v['bedrock_profile'],
            'AWS_BEARER_TOKEN_BEDROCK': v['bedrock_api_key'],
            'CLAUDE_CODE_SKIP_MANTLE_AUTH': _flag(behind),
            'ANTHROPIC_AUTH_TOKEN': token if behind else '',
        }
    if provider == 'anthropic_aws':
        behind = _behind_gateway(v['anthropic_aws_skip_auth'], v['anthropic_aws_base_url'], token)
        return {
            'CLAUDE_CODE_USE_ANTHROPIC_AWS': '1',
            'ANTHROPIC_AWS_BASE_URL': v['anthropic_aws_base_url'],
            'ANTHROPIC_AWS_API_KEY': v['anthropic_aws_api_key'],
            'ANTHROPIC_AWS_WORKSPACE_ID': v['anthropic_aws_workspace_id'],
            'AWS_REGION': v['bedrock_region'],
            'AWS_PROFILE': v['bedrock_profile'],
            'CLAUDE_CODE_SKIP_ANTHROPIC_AWS_AUTH': _flag(behind),
            'ANTHROPIC_AUTH_TOKEN': token if behind else '',
        }
    if provider == 'anthropic_google_cloud':
        behind = _behind_gateway(v['anthropic_google_cloud_skip_auth'], v['anthropic_google_cloud_base_url'], token)
        return {
            'CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD': '1',
            'ANTHROPIC_GOOGLE_CLOUD_BASE_URL': v['anthropic_google_cloud_base_url'],
            'ANTHROPIC_GOOGLE_CLOUD_PROJECT': v['anthropic_google_cloud_project'],
            'ANTHROPIC_GOOGLE_CLOUD_LOCATION': v['anthropic_google_cloud_location'],
            'ANTHROPIC_GOOGLE_CLOUD_WORKSPACE_ID': v['anthropic_google_cloud_workspace_id'],
            'CLAUDE_CODE_SKIP_ANTHROPIC_GOOGLE_CLOUD_AUTH': _flag(behind),
            'ANTHROPIC_AUTH_TOKEN': token if behind else '',
        }
    if provider == 'bedrock':
        base_url = v['bedrock_base_url']
        skip = v['bedrock_skip_auth']
        return {
            'CLAUDE_CODE_USE_BEDROCK': '1',
            'AWS_REGION': v['bedrock_region'],
            'AWS_PROFILE': v['bedrock_profile'],
            'AWS_BEARER_TOKEN_BEDROCK': v['bedrock_api_key'],
            'ANTHROPIC_BEDROCK_BASE_URL': base_url,
            'CLAUDE_CODE_SKIP_BEDROCK_AUTH': _flag(skip if skip is not None else len(base_url) > 0),
            'ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION': v['bedrock_small_model_region'],
            'ANTHROPIC_AUTH_TOKEN': token if len(base_url) > 0 else '',
        }
    if provider == 'vertex':
        base_url = v['vertex_base_url']
        skip = v['vertex_skip_auth']
        env = {
            'CLAUDE_CODE_USE_VERTEX': '1',
            'CLOUD_ML_REGION': v['vertex_region'],
            'ANTHROPIC_VERTEX_PROJECT_ID': v['vertex_project'],
            'ANTHROPIC_VERTEX_BASE_URL': base_url,
            'CLAUDE_CODE_SKIP_VERTEX_AUTH': _flag(skip if skip is not None else len(base_url) > 0),
            'ANTHROPIC_AUTH_TOKEN': token if len(base_url) > 0 else '',
        }
        # vertex_model_regions accepts CLAUDE_4_5_SONNET or VERTEX_REGION_CLAUDE_4_5_SONNET as keys
        for model, region in v['vertex_model_regions'].items():
            env[re.sub('^(VERTEX_REGION_)?', 'VERTEX_REGION_', str(model), count=1)] = region
        return env
    raise AnsibleFilterError('claude_code_config: unknown provider %r (one of %s)'
                             % (provider, ', '.join(sorted(PROVIDER_ENV_NAMES))))


def _provider_settings(v):
    provider = v['provider']
    aws = {'awsAuthRefresh': v['bedrock_auth_refresh'], 'awsCredentialExport': v['bedrock_credential_export']}
    google = {'gcpAuthRefresh': v['vertex_auth_refresh']}
    return dict(aws) if provider in AWS_PROVIDERS else dict(google) if provider in GOOGLE_PROVIDERS else {}


def _no_proxy(value):
    return value if isinstance(value, str) else ','.join(str(item) for item in value)


def _common_env(v):
    headers = v['custom_headers']
    return {
        'ANTHROPIC_MODEL': v['model'],
        'ANTHROPIC_DEFAULT_HAIKU_MODEL': v['small_model'],
        'ANTHROPIC_DEFAULT_SONNET_MODEL': v['sonnet_model'],
        'ANTHROPIC_DEFAULT_OPUS_MODEL': v['opus_model'],
        # "Name: Value" lines
        'ANTHROPIC_CUSTOM_HEADERS': '\n'.join('%s: %s' % (name, value) for name, value in headers.items()),
        'HTTPS_PROXY': v['https_proxy'],
        'HTTP_PROXY': v['http_proxy'],
        'NO_PROXY': _no_proxy(v['no_proxy']),
        'NODE_EXTRA_CA_CERTS': v['ca_bundle'],
        'CLAUDE_CODE_CLIENT_CERT': v['client_cert'],
        'CLAUDE_CODE_CLIENT_KEY': v['client_key'],
        'CLAUDE_CODE_CLIENT_KEY_PASSPHRASE': v['client_key_passphrase'],
        'DISABLE_TELEMETRY': _flag(v['disable_telemetry']),
        'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC': _flag(v['disable_nonessential_traffic']),
        'DISABLE_AUTOUPDATER': _flag(v['disable_autoupdater']),
        'CLAUDE_CODE_DISABLE_EXPERIMENTAL_BETAS': _flag(v['disable_experimental_betas']),
    }


def _non_empty(values):
    return dict((name, value) for name, value in values.items() if value is not None and value != '')


def _merge(*layers):
    out = {}
    for layer in layers:
        out.update(layer)
    return out


def _nulls(names):
    return dict.fromkeys(names)


def _policy(v):
    """Machine policy: keys the role owns are null when their variable is empty, so that a policy removed from
    inventory is removed from the drop-in; policy_settings lays over them."""
    def when_set(value):
        return value if len(value) > 0 else None

    permissions = None
    if len(v['permissions']) > 0 or v['disable_bypass_permissions']:
        permissions = _merge(v['permissions'], {'disableBypassPermissionsMode': 'disable'}
                             if v['disable_bypass_permissions'] else {})
    return _merge({
        'availableModels': when_set(v['available_models']),
        'forceLoginMethod': when_set(v['force_login_method']),
        'forceLoginOrgUUID': when_set(v['force_login_org_uuid']),
        'permissions': permissions,
        'requiredMinimumVersion': when_set(v['required_min_version']),
        'requiredMaximumVersion': when_set(v['required_max_version']),
    }, v['policy_settings'])


def _tls(v):
    """claude_code_host's users[].tls: the PEM texts the role writes into each user's ~/.claude/tls."""
    tls = {}
    for option in ('ca_bundle', 'client_cert', 'client_key'):
        pem = v[option + '_pem']
        if len(pem) > 0 and len(v[option]) > 0:
            raise AnsibleFilterError('claude_code_%s and claude_code_%s_pem exclude each other: give the path of a file '
                                     'on the hosts or its PEM text for the role to write' % (option, option))
        if len(pem) > 0:
            tls[option] = pem
    if len(v['users']) == 0 and tls:
        raise AnsibleFilterError('claude_code_ca_bundle_pem, claude_code_client_cert_pem and claude_code_client_key_pem '
                                 'are written into the users\' ~/.claude/tls: list the users in claude_code_users')
    return tls


def _helper(v):
    """The apiKeyHelper options as claude_code_host takes them (those of the api_key_helper module)."""
    wanted = v['api_key_helper']
    state = ('present' if v['provider'] in HELPER_PROVIDERS and wanted.get('state', 'present') == 'present'
             else 'absent')
    args = _merge(wanted if state == 'present' else {}, {'state': state},
                  {'helper_path': wanted['helper_path']} if 'helper_path' in wanted else {})
    return len(wanted) > 0, state, args


REQUIRED = (
    'provider', 'users', 'scope', 'config_dir', 'managed_dropin', 'env', 'settings', 'secret_env', 'public_env',
    'api_key', 'api_key_helper', 'identity_token', 'identity_token_file', 'federation_rule_id', 'organization_id',
    'service_account_id', 'workspace_id', 'gateway_url', 'auth_token', 'gateway_mode',
    'bedrock_region', 'bedrock_profile', 'bedrock_base_url', 'bedrock_skip_auth', 'bedrock_api_key',
    'bedrock_auth_refresh', 'bedrock_credential_export', 'bedrock_small_model_region',
    'vertex_region', 'vertex_project', 'vertex_base_url', 'vertex_skip_auth', 'vertex_model_regions',
    'vertex_auth_refresh', 'foundry_resource', 'foundry_base_url', 'foundry_api_key', 'foundry_auth_token',
    'foundry_skip_auth', 'mantle_base_url', 'mantle_skip_auth', 'anthropic_aws_base_url', 'anthropic_aws_api_key',
    'anthropic_aws_workspace_id', 'anthropic_aws_skip_auth', 'anthropic_google_cloud_base_url',
    'anthropic_google_cloud_project', 'anthropic_google_cloud_location', 'anthropic_google_cloud_workspace_id',
    'anthropic_google_cloud_skip_auth', 'model', 'small_model', 'sonnet_model', 'opus_model', 'https_proxy',
    'http_proxy', 'no_proxy', 'ca_bundle', 'client_cert', 'client_key', 'client_key_passphrase', 'custom_headers',
    'ca_bundle_pem', 'client_cert_pem', 'client_key_pem',
    'disable_telemetry', 'disable_nonessential_traffic', 'disable_autoupdater', 'disable_experimental_betas',
    'install_method', 'version', 'npm_prefix', 'npm_package', 'npm_registry', 'install_dir', 'bin_dir',
    'available_models', 'force_login_method', 'force_login_org_uuid', 'permissions', 'disable_bypass_permissions',
    'required_min_version', 'required_max_version', 'policy_settings',
    'aws_facts', 'aws_users_facts', 'aws_deferred_profiles', 'google_facts', 'google_users_facts',
    'google_deferred_users', 'google_deferred_auth_refresh', 'deferred_credentials', 'credential_variables')


def _deferred_credentials(v):
    """The inputs v with what the credential roles listed in deferred_credentials would have published (deferred:
    their files are written by claude_code_host), computed here: those roles run no task."""
    roles = v['deferred_credentials']
    if not roles:
        return v
    if not isinstance(roles, (list, tuple)) or any(role not in CREDENTIAL_ROLES for role in roles):
        raise AnsibleFilterError('claude_code_deferred_credentials must list roles among %s, got %r'
                                 % (', '.join(CREDENTIAL_ROLES), roles))
    v = dict(v)
    defined = v['credential_variables'] or {}
    if 'aws_credentials' in roles:
        variables = dict(role_variables('aws_credentials', defined), deferred=True)
        plan = aws_credentials_plan(variables)
        problem = aws_credentials_problem(plan, variables)
        if problem:
            raise AnsibleFilterError(problem)
        # what the role's tasks/claude_code.yml publishes
        v.update(aws_facts=plan['claude_code'], aws_deferred_profiles=plan['deferred'])
    if 'gcloud_adc' in roles:
        variables = dict(role_variables('gcloud_adc', defined), results=[])
        plan = gcloud_adc_plan(variables)
        problem = gcloud_adc_problem(plan['users'])
        if problem:
            raise AnsibleFilterError(problem)
        # what the role's tasks/deferred.yml publishes
        v.update(google_facts=plan['deferred_claude_code'], google_users_facts={},
                 google_deferred_users=plan['deferred'], google_deferred_auth_refresh=variables['auth_refresh'])
    return v


def claude_code_config(variables):
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError('claude_code_config expects a dict of the role variables, got %s'
                                 % type(variables).__name__)
    missing = [name for name in REQUIRED if name not in variables]
    if missing:
        raise AnsibleFilterError('claude_code_config: missing %s' % ', '.join(missing))
    v = _deferred_credentials(variables)
    provider = v['provider']
    if provider not in PROVIDER_ENV_NAMES:
        raise AnsibleFilterError('claude_code_config: unknown provider %r (one of %s)'
                                 % (provider, ', '.join(sorted(PROVIDER_ENV_NAMES))))
    # What the credential roles published when they ran earlier in the play, for the matching provider only,
    # for the host and per user name (a user's entry replaces the host's for that user).
    names, keys = PROVIDER_ENV_NAMES[provider], PROVIDER_SETTINGS_KEYS[provider]
    kind = 'aws' if provider in AWS_PROVIDERS else 'google' if provider in GOOGLE_PROVIDERS else None
    host_facts = provider_facts(v[kind + '_facts'] if kind else {}, names, keys)
    users_facts = provider_facts(v[kind + '_users_facts'] if kind else {}, names, keys, per_user=True)
    host_env = host_facts.get('env', {})

    null_env, null_settings = _nulls(OWNED_ENV_NAMES), _nulls(OWNED_SETTINGS_KEYS)
    common_env = _common_env(v)
    explicit_env = _non_empty(_merge(_provider_env(v), common_env))
    explicit_settings = _non_empty(_provider_settings(v))
    # nulls < credential role facts < the role's explicit variables < env / settings
    env = _merge(null_env, host_env, explicit_env, v['env'])
    settings = _merge(null_settings, host_facts.get('settings', {}), explicit_settings, v['settings'])
    managed = v['scope'] == 'managed'
    split = split_env(env, secret_env=v['secret_env'], public_env=v['public_env']) if managed else None

    helper_used, helper_state, helper_args = _helper(v)
    # Without users, managed scope gets one machine-wide helper in the drop-in (each user's own credentials).
    helper_in_dropin = helper_used and len(v['users']) == 0

    tls = _tls(v)
    host_users = []
    for user in v['users']:
        facts = users_facts[user] if user in users_facts else host_facts
        facts_env = facts.get('env', {})
        if managed:
            # secret values, and what a credential role published for this user only (differing from the host's)
            mine = list(explicit_env) + list(v['env'])
            own = dict((name, value) for name, value in facts_env.items()
                       if not (name in host_env and host_env[name] == value) and name not in mine)
            user_env = _merge(split['secret'], own)
            user_settings = _nulls(settings)
        else:
            user_env = _merge(null_env, facts_env, explicit_env, v['env'])
            user_settings = _merge(null_settings, facts.get('settings', {}), explicit_settings, v['settings'])
        adc = next((item['args'] for item in v['google_deferred_users'] if item['user'] == user), {})
        vertex_adc = provider == 'vertex' and len(adc) > 0
        host_users.append({
            'name': user,
            'config_dir': v['config_dir'] if len(v['config_dir']) > 0 else None,
            'env': user_env,
            'settings': user_settings,
            'api_key_helper': helper_args if helper_used and not helper_in_dropin else {},
            'aws_profiles': [item['args'] for item in v['aws_deferred_profiles'] if item['user'] == user],
            'adc': adc,
            'vertex_from_adc': vertex_adc,
            'gcp_auth_refresh': v['google_deferred_auth_refresh'] if vertex_adc else '',
        })
        if tls:
            host_users[-1]['tls'] = tls
    if managed:
        # public values only, and one machine-wide helper without users
        host_managed = {'dropin': v['managed_dropin'], 'env': split['public'], 'settings': settings,
                        'api_key_helper': helper_args if helper_in_dropin else {}}
    else:
        host_managed = {'dropin': v['managed_dropin'], 'state': 'absent'}

    method = v['install_method']
    policy = _policy(v)
    return {
        'env': env,
        'settings': settings,
        'managed': managed,
        'host_users': host_users,
        'host_managed': host_managed,
        'helper_active': helper_used and helper_state == 'present',
        # what claude_code_host checks (it reads files, it never runs the binary)
        'install_check': {'method': method, 'version': v['version'], 'npm_prefix': v['npm_prefix'],
                          'npm_package': v['npm_package'], 'install_dir': v['install_dir'],
                          'bin_dir': v['bin_dir']},
        'binary': ('%s/bin/claude' % v['npm_prefix']) if method == 'npm' else ('%s/claude' % v['bin_dir']),
        'install_env': dict((name, value) for name, value in (
            ('NODE_EXTRA_CA_CERTS', v['ca_bundle']), ('npm_config_registry', v['npm_registry']),
            ('npm_config_https_proxy', v['https_proxy']), ('npm_config_proxy', v['http_proxy']),
            ('npm_config_noproxy', common_env['NO_PROXY'])) if value != ''),
        'policy': policy,
        'policy_wanted': any(value is not None for value in policy.values()),
    }


class FilterModule(object):

    def filters(self):
        return {'claude_code_config': claude_code_config}
