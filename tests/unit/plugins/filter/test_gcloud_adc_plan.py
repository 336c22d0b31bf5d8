# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The gcloud_adc role's program (the gcloud_adc_plan filter).

fixtures/gcloud_adc_golden.json is what the role rendered, when its vars and set_fact tasks were Jinja, for the
inventories (and module results) of fixtures/gcloud_adc_cases.yml: its vars, and the facts tasks/publish.yml and
tasks/deferred.yml publish. The role, now one filter call, must give exactly that.
"""

from __future__ import annotations

import json

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.gcloud_adc_plan import FilterModule, gcloud_adc_plan
from ansible_collections.devfleet.claude_code.tests.unit.plugins.filter._role_render import (
    load_fixture, published_facts, render)

CASES = load_fixture('gcloud_adc_cases.yml')
GOLDEN = load_fixture('gcloud_adc_golden.json')
TASK_FILES = ('publish.yml', 'deferred.yml')


def _same(got, expected, what):
    assert got == expected, '%s differs' % what
    assert json.dumps(got) == json.dumps(expected), '%s: key order differs' % what


def test_every_case_has_a_golden_render():
    assert sorted(CASES) == sorted(GOLDEN)


@pytest.mark.parametrize('case', sorted(CASES))
def test_role_renders_the_golden_output(case):
    expected = GOLDEN[case]
    inventory = CASES[case] or {}
    names = [name for name in expected if name not in TASK_FILES]
    got = render('gcloud_adc', inventory, names)
    for name in names:
        _same(got[name], expected[name], '%s: %s' % (case, name))
    for tasks in TASK_FILES:
        _same(published_facts('gcloud_adc', tasks, inventory), expected[tasks], '%s: facts of %s' % (case, tasks))


def _inputs(case):
    return render('gcloud_adc', CASES[case] or {}, ['gcloud_adc__inputs'])['gcloud_adc__inputs']


def test_credentials_only_in_the_deferred_args_of_present_users():
    out = gcloud_adc_plan(_inputs('own_credentials_absent_user'))
    args = dict((entry['user'], entry['args']) for entry in out['deferred'])
    assert 'credentials' not in args['bob'] and args['bob']['state'] == 'absent'
    assert args['alice']['credentials']['private_key'] == 'golden-key'
    assert args['carol']['path'] == '~/adc.json' and args['carol']['quota_project_id'] == 'q2'


def test_two_projects_publish_none_and_default_paths_no_shared_file():
    out = gcloud_adc_plan(_inputs('written_two_projects_default_path'))
    assert out['claude_code'] == {'env': {}, 'settings': {}}
    assert out['claude_code_users']['bob']['env'] == {'GOOGLE_APPLICATION_CREDENTIALS': '/home/bob/adc.json'}
    assert 'carol' not in out['claude_code_users'] and out['status']['carol']['state'] == 'absent'


def test_bad_input_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match='missing results'):
        gcloud_adc_plan(dict((k, v) for k, v in _inputs('nothing').items() if k != 'results'))
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        gcloud_adc_plan('users')


def test_filter_is_registered():
    assert FilterModule().filters()['gcloud_adc_plan'] is gcloud_adc_plan
