# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.policy_problems import FilterModule, policy_problems

GATEWAY_ENV = {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': 'tok-1', 'AWS_PROFILE': None}


def test_safe_policy_has_no_problem():
    policy = {'availableModels': ['sonnet', 'claude-haiku-4-5'], 'forceLoginMethod': None,
              'requiredMinimumVersion': '2.1.300', 'permissions': {'deny': ['Bash(curl:*)']}}
    env = dict(GATEWAY_ENV, ANTHROPIC_MODEL='claude-sonnet-4-6', ANTHROPIC_DEFAULT_HAIKU_MODEL='claude-haiku-4-5')
    assert policy_problems(policy, env=env, version='2.1.332') == []


@pytest.mark.parametrize('method', ['claudeai', 'console', 'gateway'])
@pytest.mark.parametrize('env, helper, named', [
    (GATEWAY_ENV, False, 'ANTHROPIC_AUTH_TOKEN'),
    ({'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_REGION': 'us-east-1'}, False, 'CLAUDE_CODE_USE_BEDROCK'),
    ({'ANTHROPIC_BASE_URL': 'https://gw.example.com'}, True, 'apiKeyHelper'),
    ({'ANTHROPIC_API_KEY': 'sk-ant-x'}, False, 'ANTHROPIC_API_KEY'),
])
def test_forced_login_with_other_credentials_is_a_lockout(method, env, helper, named):
    problems = policy_problems({'forceLoginMethod': method, 'forceLoginOrgUUID': 'org'}, env=env, helper=helper,
                               provider='gateway')
    assert len(problems) == 1
    assert 'forceLoginMethod %s requires' % method in problems[0] and named in problems[0]


def test_forced_login_without_credentials_is_fine():
    assert policy_problems({'forceLoginMethod': 'claudeai', 'forceLoginOrgUUID': 'org'},
                           env={'DISABLE_TELEMETRY': '1', 'ANTHROPIC_AUTH_TOKEN': ''}) == []


def test_org_uuid_with_gateway_token_is_a_lockout():
    problems = policy_problems({'forceLoginOrgUUID': '1234'}, env=GATEWAY_ENV)
    assert len(problems) == 1 and 'forceLoginOrgUUID' in problems[0]


def test_available_models_must_include_the_configured_ones():
    env = {'ANTHROPIC_MODEL': 'claude-opus-4-7', 'ANTHROPIC_DEFAULT_HAIKU_MODEL': 'claude-haiku-4-5'}
    problems = policy_problems({'availableModels': ['sonnet', 'claude-haiku-4-5']}, env=env)
    assert len(problems) == 1
    assert 'ANTHROPIC_MODEL=claude-opus-4-7' in problems[0] and 'HAIKU' not in problems[0]
    # an alias admits the whole family
    assert policy_problems({'availableModels': ['opus', 'haiku']}, env=env) == []
    assert policy_problems({'availableModels': 'opus'}, env=env) == ['availableModels must be a list of model names or aliases.']


@pytest.mark.parametrize('policy, fragment', [
    ({'requiredMinimumVersion': '2.2.0'}, 'requiredMinimumVersion 2.2.0 is above the pinned'),
    ({'requiredMaximumVersion': '2.1.9'}, 'requiredMaximumVersion 2.1.9 is below the pinned'),
    ({'requiredMinimumVersion': '2.1.1', 'requiredMaximumVersion': '2.1.0'}, 'is below the pinned'),
])
def test_version_bounds_must_admit_the_pinned_version(policy, fragment):
    problems = policy_problems(policy, version='2.1.332')
    assert any(fragment in problem for problem in problems)


def test_version_bounds_ok_and_numeric_comparison():
    assert policy_problems({'requiredMinimumVersion': '2.1.40', 'requiredMaximumVersion': '2.1.332'},
                           version='2.1.332') == []


@pytest.mark.parametrize('server', [
    {'type': 'http', 'url': 'https://mcp.example.com', 'headers': {'Authorization': 'Bearer abc123'}},
    {'type': 'http', 'url': 'https://mcp.example.com', 'headers': {'X-Api-Key': 'abc'}},
    {'type': 'stdio', 'command': 'npx', 'env': {'GITHUB_TOKEN': 'ghp_literal'}},
    {'type': 'stdio', 'command': 'npx', 'env': {'ANY': 'sk-ant-api03-xyz'}},
    {'type': 'http', 'url': 'https://user:pw@mcp.example.com'},
])
def test_secrets_in_managed_mcp_are_refused(server):
    problems = policy_problems({}, mcp_servers={'company': server})
    assert len(problems) == 1 and 'managed-mcp.json is readable by every user' in problems[0]
    assert 'abc123' not in problems[0] and 'ghp_literal' not in problems[0]


def test_references_to_the_users_environment_are_fine():
    servers = {'docs': {'type': 'http', 'url': 'https://mcp.example.com',
                        'headers': {'Authorization': '${COMPANY_MCP_AUTHORIZATION}', 'X-Team': 'blue'}},
               'gh': {'type': 'stdio', 'command': 'npx',
                      'env': {'GITHUB_TOKEN': '${GITHUB_TOKEN}', 'LOG_LEVEL': 'info'}}}
    assert policy_problems({}, mcp_servers=servers) == []


def test_public_env_marks_a_name_public():
    servers = {'x': {'command': 'tool', 'env': {'TOKEN_ENDPOINT': 'https://idp.example.com/token'}}}
    assert policy_problems({}, mcp_servers=servers) != []
    assert policy_problems({}, mcp_servers=servers, public_env=['TOKEN_ENDPOINT']) == []


def test_bad_input():
    with pytest.raises(AnsibleFilterError):
        policy_problems(['not', 'a', 'dict'])
    with pytest.raises(AnsibleFilterError):
        policy_problems({}, mcp_servers={'x': 'not a dict'})
    assert 'policy_problems' in FilterModule().filters()
