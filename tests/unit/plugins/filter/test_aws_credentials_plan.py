# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The aws_credentials role's program (the aws_credentials_plan filter).

fixtures/aws_credentials_golden.json is what the role's vars rendered, when they were Jinja, for the inventories of
fixtures/aws_credentials_cases.yml; the role's vars, now one filter call, must render exactly that.
"""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.aws_credentials_plan import (
    FilterModule, aws_credentials_plan)
from ansible_collections.devfleet.claude_code.tests.unit.plugins.filter._role_render import load_fixture, render

CASES = load_fixture('aws_credentials_cases.yml')
GOLDEN = load_fixture('aws_credentials_golden.json')


def test_every_case_has_a_golden_render():
    assert sorted(CASES) == sorted(GOLDEN)


@pytest.mark.parametrize('case', sorted(CASES))
def test_role_vars_render_the_golden_output(case):
    expected = GOLDEN[case]
    got = render('aws_credentials', CASES[case] or {}, list(expected))
    for name in expected:
        assert got[name] == expected[name], '%s: %s differs' % (case, name)
        assert json.dumps(got[name]) == json.dumps(expected[name]), '%s: %s key order differs' % (case, name)


def _inputs(case, **overrides):
    inputs = render('aws_credentials', CASES[case] or {}, ['aws_credentials__inputs'])['aws_credentials__inputs']
    inputs.update(overrides)
    return inputs


def test_loop_items_hold_no_secret_but_deferred_args_do():
    out = aws_credentials_plan(_inputs('named_profile_static_keys_deferred'))
    assert 'golden-secret' not in json.dumps(out['plan'])
    keys = [entry['args'] for entry in out['deferred'] if entry['args']['name'] == 'keys']
    assert [args['secret_access_key'] for args in keys] == ['golden-secret', 'golden-secret']
    assert all('users' not in entry['args'] for entry in out['deferred'])
    sso = [entry['args'] for entry in out['deferred'] if entry['args']['name'] == 'sso']
    assert sso[0]['sso_start_url'] == 'https://company.awsapps.com/start' and sso[0]['sso_region'] == 'us-east-1'


def test_profile_known():
    assert aws_credentials_plan(_inputs('sso_first_profile'))['profile_known'] is True
    out = aws_credentials_plan(_inputs('sso_first_profile', claude_profile='missing'))
    assert out['profile_known'] is False
    assert out['claude_code'] == {'env': {'AWS_PROFILE': 'missing'}, 'settings': {}}


def test_nothing_deferred_without_deferral():
    assert aws_credentials_plan(_inputs('named_profile_static_keys_deferred', deferred=False))['deferred'] == []


def test_bad_input_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match='missing backup'):
        aws_credentials_plan(dict((k, v) for k, v in _inputs('nothing').items() if k != 'backup'))
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        aws_credentials_plan([])


def test_filter_is_registered():
    assert FilterModule().filters()['aws_credentials_plan'] is aws_credentials_plan
