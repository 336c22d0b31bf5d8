# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The claude_code role's program (the claude_code_config filter).

fixtures/claude_code_golden.json is what the role's vars rendered, when they were 230 lines of Jinja, for the
inventories of fixtures/claude_code_cases.yml (every provider direct and behind a gateway, users and managed
scope, credential role facts per host and per user, deferred AWS profiles and ADC files, apiKeyHelper, policy).
The role's vars, now one filter call, must render exactly that, key order included.
"""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.claude_code_config import (
    COMMON_ENV_NAMES, OWNED_ENV_NAMES, PROVIDER_ENV_NAMES, FilterModule, claude_code_config)

from ansible_collections.devfleet.claude_code.plugins.filter.policy_problems import policy_problems
from ansible_collections.devfleet.claude_code.tests.unit.plugins.filter._role_render import load_fixture, render, role_variables

CASES = load_fixture('claude_code_cases.yml')
GOLDEN = load_fixture('claude_code_golden.json')


def test_every_case_has_a_golden_render():
    assert sorted(CASES) == sorted(GOLDEN)
    providers = set((inventory or {}).get('claude_code_provider', 'anthropic') for inventory in CASES.values())
    assert providers == set(PROVIDER_ENV_NAMES)


# the role's vars name for each key the filter returns (vars/main.yml: claude_code__<key>: claude_code__config.<key>)
ALIASES = ('env', 'settings', 'managed', 'host_users', 'host_managed', 'install_check', 'binary', 'install_env',
           'policy', 'policy_wanted')


def _same(got, expected, what):
    assert got == expected, '%s differs' % what
    # same key order as the Jinja (the order in which new keys land in a settings file)
    assert json.dumps(got) == json.dumps(expected), '%s: key order differs' % what


def _inputs(case):
    """The filter's input for CASE, as the role's claude_code__inputs renders it."""
    return render('claude_code', CASES[case] or {}, ['claude_code__inputs'])['claude_code__inputs']


@pytest.mark.parametrize('case', sorted(CASES))
def test_filter_gives_the_golden_output(case):
    """Every case through the role's input mapping and the filter (templating the whole role per case costs
    ansible-core a plugin load per template: the full render is checked for a few cases below)."""
    expected = GOLDEN[case]
    inputs = _inputs(case)
    out = claude_code_config(inputs)
    for key in ALIASES:
        _same(out[key], expected['claude_code__' + key], '%s: %s' % (case, key))
    inventory = dict(role_variables('claude_code', {}), **(CASES[case] or {}))
    problems = policy_problems(
        out['policy'], env=out['env'], helper=out['helper_active'], provider=inputs['provider'],
        version=inputs['version'], mcp_servers=inventory['claude_code_mcp_servers'],
        secret_env=inputs['secret_env'], public_env=inputs['public_env'])
    _same(problems, expected['claude_code__policy_problems'], '%s: policy_problems' % case)


@pytest.mark.parametrize('case', ['bedrock_direct_facts', 'gateway_managed_helper', 'policy_problems'])
def test_role_vars_render_the_golden_output(case):
    expected = GOLDEN[case]
    got = render('claude_code', CASES[case] or {}, list(expected))
    for name in expected:
        _same(got[name], expected[name], '%s: %s' % (case, name))


def test_filter_alone_gives_the_golden_user_entries():
    out = claude_code_config(_inputs('vertex_direct_adc'))
    assert out['host_users'] == GOLDEN['vertex_direct_adc']['claude_code__host_users']
    alice, bob = out['host_users']
    assert alice['vertex_from_adc'] and alice['gcp_auth_refresh'] == 'gcloud auth application-default login'
    assert not bob['vertex_from_adc'] and bob['adc'] == {}
    assert bob['env']['GOOGLE_APPLICATION_CREDENTIALS'] == '/home/bob/adc.json'
    assert alice['env']['GOOGLE_APPLICATION_CREDENTIALS'] is None
    assert alice['env']['AWS_PROFILE'] is None  # the AWS facts are not for Vertex
    assert alice['env']['VERTEX_REGION_CLAUDE_4_5_SONNET'] == 'europe-west1'


def test_a_provider_switch_removes_every_other_name():
    out = claude_code_config(_inputs('bedrock_gateway'))
    assert set(out['env']) == set(OWNED_ENV_NAMES)
    assert set(COMMON_ENV_NAMES) <= set(out['env'])
    assert out['env']['CLAUDE_CODE_USE_BEDROCK'] == '1'
    assert out['env']['CLAUDE_CODE_SKIP_BEDROCK_AUTH'] == '1'
    assert out['env']['ANTHROPIC_AUTH_TOKEN'] == 'sk-gateway-golden'
    assert [name for name, value in out['env'].items() if value is not None and name.startswith('CLAUDE_CODE_USE')] \
        == ['CLAUDE_CODE_USE_BEDROCK']


def test_managed_scope_keeps_secrets_out_of_the_dropin():
    out = claude_code_config(_inputs('gateway_managed_helper'))
    assert out['managed'] is True
    assert out['host_managed']['env']['ANTHROPIC_AUTH_TOKEN'] is None
    assert out['host_managed']['env']['ANTHROPIC_BASE_URL'] == 'https://llm.corp.example.com'
    for user in out['host_users']:
        assert user['env']['ANTHROPIC_AUTH_TOKEN'] == 'sk-gateway-golden'
        assert user['env']['MY_TOKEN'] == 'not-a-secret-looking'  # claude_code_secret_env
        assert user['api_key_helper']['helper_path'] == '/usr/local/libexec/claude-key'
        assert all(value is None for value in user['settings'].values())


def test_helper_is_removed_for_a_cloud_provider():
    inputs = _inputs('gateway_helper_absent')
    assert claude_code_config(inputs)['host_users'][0]['api_key_helper'] == {'state': 'absent'}
    inputs['provider'] = 'bedrock'
    inputs['api_key_helper'] = {'source': 'file', 'key_file': '/k', 'helper_path': '/h'}
    out = claude_code_config(inputs)
    assert out['host_users'][0]['api_key_helper'] == {'state': 'absent', 'helper_path': '/h'}
    assert out['helper_active'] is False


def test_unknown_provider_and_missing_variable_are_clear_errors():
    inputs = _inputs('defaults_only')
    with pytest.raises(AnsibleFilterError, match="unknown provider 'openai'"):
        claude_code_config(dict(inputs, provider='openai'))
    del inputs['vertex_region']
    with pytest.raises(AnsibleFilterError, match='missing vertex_region'):
        claude_code_config(inputs)
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        claude_code_config(['provider'])


def test_filter_is_registered():
    assert FilterModule().filters()['claude_code_config'] is claude_code_config


# --- claude_code_deferred_credentials: the credential roles planned here, with no task of theirs -------------------

AWS_INVENTORY = {
    'aws_credentials_users': ['alice', 'bob'],
    'aws_credentials_sso_sessions': [{'name': 'corp', 'start_url': 'https://corp.awsapps.com/start',
                                      'region': 'us-east-1'}],
    'aws_credentials_profiles': [
        {'name': 'claude', 'sso_session': 'corp', 'sso_account_id': '123456789012',
         'sso_role_name': 'ClaudeDeveloper', 'region': 'us-east-1'},
        {'name': 'ci', 'users': ['bob'], 'access_key_id': 'AKIAEXAMPLEGOLDEN', 'secret_access_key': 'golden/secret'},
    ],
}
ADC_INVENTORY = {
    'gcloud_adc_users': [{'name': 'alice'}, {'name': 'bob', 'path': '/home/bob/adc.json'}],
    'gcloud_adc_credentials': {'type': 'authorized_user', 'client_id': 'id', 'client_secret': 'secret',
                               'refresh_token': 'refresh', 'quota_project_id': 'golden-project'},
    'gcloud_adc_project_id': 'golden-project',
}


def _published(role, inventory):
    """The facts ROLE publishes in deferred mode (its tasks/claude_code.yml or tasks/deferred.yml), rendered from
    the role's own vars: what the claude_code role merged before claude_code_deferred_credentials."""
    if role == 'aws_credentials':
        config = render(role, dict(inventory, aws_credentials_deferred=True), ['aws_credentials__config'])
        config = config['aws_credentials__config']
        return {'aws_credentials_claude_code': config['claude_code'],
                'aws_credentials_deferred_profiles': config['deferred']}
    config = render(role, dict(inventory, gcloud_adc_deferred=True), ['gcloud_adc__config'])['gcloud_adc__config']
    return {'gcloud_adc_claude_code': config['deferred_claude_code'], 'gcloud_adc_claude_code_users': {},
            'gcloud_adc_deferred_users': config['deferred'],
            'gcloud_adc_deferred_auth_refresh': 'gcloud auth application-default login'}


@pytest.mark.parametrize('provider, role, inventory', [
    ('bedrock', 'aws_credentials', AWS_INVENTORY),
    ('mantle', 'aws_credentials', dict(AWS_INVENTORY, aws_credentials_claude_profile='ci')),
    ('vertex', 'gcloud_adc', ADC_INVENTORY),
    ('anthropic_google_cloud', 'gcloud_adc', dict(ADC_INVENTORY, gcloud_adc_region='')),
])
def test_deferred_credentials_give_what_the_role_would_have_published(provider, role, inventory):
    role_inventory = {'claude_code_provider': provider, 'claude_code_users': ['alice', 'bob']}
    with_facts = render('claude_code', dict(role_inventory, **_published(role, inventory)),
                        ['claude_code__inputs'])['claude_code__inputs']
    planned = render('claude_code', role_inventory, ['claude_code__inputs'])['claude_code__inputs']
    # as vars/main.yml hands them over: the role list and the host's aws_credentials_* / gcloud_adc_* variables
    planned.update(deferred_credentials=[role], credential_variables=dict(
        inventory, aws_credentials_claude_code={'env': {'AWS_PROFILE': 'left-by-an-earlier-play'}}))
    expected = claude_code_config(with_facts)
    got = claude_code_config(planned)
    assert got == expected
    users = dict((user['name'], user) for user in got['host_users'])
    if role == 'aws_credentials':
        assert [args['name'] for args in users['alice']['aws_profiles']] == ['claude']
        assert [args['name'] for args in users['bob']['aws_profiles']] == ['claude', 'ci']
    else:
        assert users['alice']['adc']['credentials']['refresh_token'] == 'refresh'
        assert users['bob']['adc']['path'] == '/home/bob/adc.json'


def test_deferred_credentials_are_checked_as_the_roles_check_them():
    inputs = render('claude_code', {'claude_code_provider': 'bedrock'}, ['claude_code__inputs'])['claude_code__inputs']

    def error(roles, variables):
        with pytest.raises(AnsibleFilterError) as caught:
            claude_code_config(dict(inputs, deferred_credentials=roles, credential_variables=variables))
        return str(caught.value)

    # the role's argument spec
    message = error(['aws_credentials'], dict(AWS_INVENTORY, aws_credentials_users={'alice': True}))
    assert 'aws_credentials' in message and "arg spec 'main'" in message and 'aws_credentials_users' in message
    message = error(['gcloud_adc'], {'gcloud_adc_users': [{'name': 'alice', 'state': 'gone'}]})
    assert 'gcloud_adc_users' in message and 'state' in message
    # the roles' own checks (tasks/plan.yml, tasks/validate.yml), with their messages
    assert error(['aws_credentials'], dict(AWS_INVENTORY, aws_credentials_claude_profile='nope')) == (
        'aws_credentials_claude_profile is nope, which is not in aws_credentials_profiles.')
    message = error(['gcloud_adc'], {'gcloud_adc_users': [{'name': 'alice'}, {'name': 'alice'}]})
    assert message.startswith('gcloud_adc_users must list each user once (alice, alice)')
    assert message.endswith('(missing for: alice, alice).')
    # the secrets of the variables are in no message
    message = error(['aws_credentials'], dict(AWS_INVENTORY, aws_credentials_backup='maybe'))
    assert 'golden/secret' not in message and 'aws_credentials_backup' in message
    assert 'must list roles among' in error(['litellm_proxy'], {})


def test_pem_variables_become_each_users_tls_files():
    inputs = dict(_inputs('gateway_managed_helper'), ca_bundle_pem='CA', client_cert_pem='CERT', client_key_pem='KEY')
    out = claude_code_config(inputs)
    for user in out['host_users']:
        assert user['tls'] == {'ca_bundle': 'CA', 'client_cert': 'CERT', 'client_key': 'KEY'}
        # left null: claude_code_host names the files it writes
        assert user['env'].get('NODE_EXTRA_CA_CERTS') is None
    assert 'tls' not in claude_code_config(_inputs('gateway_managed_helper'))['host_users'][0]
    with pytest.raises(AnsibleFilterError, match='claude_code_client_key and claude_code_client_key_pem exclude'):
        claude_code_config(dict(inputs, client_key='/etc/key.pem'))
    with pytest.raises(AnsibleFilterError, match='list the users in claude_code_users'):
        claude_code_config(dict(inputs, users=[]))
