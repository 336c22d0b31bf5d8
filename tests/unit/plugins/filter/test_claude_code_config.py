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
