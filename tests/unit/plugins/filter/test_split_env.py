# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.split_env import FilterModule, split_env


def test_split_by_name_and_value():
    env = {
        'ANTHROPIC_BASE_URL': 'https://gw.example.com',
        'ANTHROPIC_AUTH_TOKEN': 'tok-123',
        'CLAUDE_CODE_CLIENT_KEY': '/etc/pki/client.key',  # a path, not a secret
        'HTTPS_PROXY': 'http://user:pw@proxy:3128',  # a URL with a password
        'ANTHROPIC_CUSTOM_HEADERS': 'X-Team: a',
        'AWS_PROFILE': None,
        'DISABLE_TELEMETRY': '1',
    }
    out = split_env(env)
    assert out['public'] == {
        'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': None,
        'CLAUDE_CODE_CLIENT_KEY': '/etc/pki/client.key', 'HTTPS_PROXY': None,
        'ANTHROPIC_CUSTOM_HEADERS': None, 'AWS_PROFILE': None, 'DISABLE_TELEMETRY': '1',
    }
    assert out['secret'] == {
        'ANTHROPIC_BASE_URL': None, 'ANTHROPIC_AUTH_TOKEN': 'tok-123', 'CLAUDE_CODE_CLIENT_KEY': None,
        'HTTPS_PROXY': 'http://user:pw@proxy:3128', 'ANTHROPIC_CUSTOM_HEADERS': 'X-Team: a',
        'AWS_PROFILE': None, 'DISABLE_TELEMETRY': None,
    }


def test_lists_override_the_names():
    out = split_env({'MY_KEYBOARD': 'de', 'TEAM_ID': '42'}, secret_env=['TEAM_ID'], public_env=['MY_KEYBOARD'])
    assert out['public'] == {'MY_KEYBOARD': 'de', 'TEAM_ID': None}
    assert out['secret'] == {'MY_KEYBOARD': None, 'TEAM_ID': '42'}


def test_non_string_values_are_judged_by_name():
    out = split_env({'API_TIMEOUT_MS': 600000, 'SOME_TOKEN_COUNT': 3})
    assert out['public'] == {'API_TIMEOUT_MS': 600000, 'SOME_TOKEN_COUNT': None}


def test_rejects_non_dict():
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        split_env(['A'])


def test_registered():
    assert FilterModule().filters()['split_env'] is split_env


def test_list_and_dict_values_never_go_to_the_public_part():
    # issue 11 (3): a key inside a list or dict was judged by name only and put in the machine-wide part
    out = split_env({'CORP_FLAGS': ['sk-ant-api03-in-a-list'], 'CORP_OPTS': {'a': 'b'}, 'AWS_REGION': 'eu-west-1'})
    assert out['public'] == {'CORP_FLAGS': None, 'CORP_OPTS': None, 'AWS_REGION': 'eu-west-1'}
    assert out['secret']['CORP_FLAGS'] == ['sk-ant-api03-in-a-list']
