# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The macOS LaunchDaemon of the pull agent, validated with plistlib (launchd itself cannot run here)."""

from __future__ import annotations

import plistlib

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.launchd_plist import FilterModule, launchd_plist
from ansible_collections.devfleet.claude_code.tests.unit.plugins.filter._role_render import role_variables


def render_role_job():
    """The role's pull_agent__launchd with the role's defaults, templated by ansible-core."""
    from ansible.template import Templar

    variables = role_variables('pull_agent', {'inventory_hostname': 'mac-17', 'group_names': ['developers'],
                                              'ansible_facts': {'system': 'Darwin'}})
    return Templar(loader=None, variables=variables).template(variables['pull_agent__launchd'])


def test_role_daemon_is_a_valid_launchd_job():
    job = render_role_job()
    text = launchd_plist(job)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"' in text
    plist = plistlib.loads(text.encode('utf-8'))
    assert plist['Label'] == 'com.devfleet.claude-code.pull'
    assert plist['ProgramArguments'] == ['/opt/devfleet-pull/venv/bin/python', '/opt/devfleet-pull/lib/devfleet_pull.py',
                                         '/etc/devfleet-pull/agent.json']
    assert plist['StartInterval'] == 1800 and isinstance(plist['StartInterval'], int)
    assert plist['RunAtLoad'] is True
    assert plist['StandardOutPath'] == plist['StandardErrorPath'] == '/Library/Logs/devfleet-pull/pull.log'
    assert plist['ProcessType'] == 'Background'
    assert plist['LowPriorityIO'] is True
    assert plist['Nice'] == 10
    assert 'PATH' in plist['EnvironmentVariables']
    # the plist is world-readable: it names the root-only agent configuration, never a secret or the repository
    assert 'vault' not in text and 'https://' not in text


def test_calendar_interval_and_string_integers():
    job = {'Label': 'com.example.job', 'ProgramArguments': ['/usr/local/bin/job', '--now'],
           'StartCalendarInterval': [{'Hour': '9', 'Minute': 0}, {'Hour': 13, 'Minute': 30, 'Weekday': 5}],
           'RunAtLoad': 'yes', 'Nice': '5'}
    plist = plistlib.loads(FilterModule().filters()['launchd_plist'](job).encode('utf-8'))
    assert plist['StartCalendarInterval'] == [{'Hour': 9, 'Minute': 0}, {'Hour': 13, 'Minute': 30, 'Weekday': 5}]
    assert plist['RunAtLoad'] is True and plist['Nice'] == 5


def test_single_calendar_dict_stays_a_dict():
    plist = plistlib.loads(launchd_plist({'Label': 'a.b', 'ProgramArguments': ['/bin/true'],
                                          'StartCalendarInterval': {'Minute': 15}}).encode('utf-8'))
    assert plist['StartCalendarInterval'] == {'Minute': 15}


def test_keys_are_sorted_so_the_file_is_stable():
    one = launchd_plist({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartInterval': 60, 'RunAtLoad': True})
    two = launchd_plist({'RunAtLoad': True, 'StartInterval': 60, 'ProgramArguments': ['/bin/true'], 'Label': 'a.b'})
    assert one == two


@pytest.mark.parametrize('job, message', [
    ('nope', 'expects a dict'),
    ({'ProgramArguments': ['/bin/true']}, 'Label is required'),
    ({'Label': 'a.b'}, 'ProgramArguments must be'),
    ({'Label': 'a.b', 'ProgramArguments': []}, 'ProgramArguments must be'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true', 3]}, 'ProgramArguments must be'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartInterval': 0}, 'StartInterval must be between'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartInterval': 'often'}, 'StartInterval must be an integer'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartInterval': True}, 'got a boolean'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartCalendarInterval': {'Hour': 24}}, 'between 0 and 23'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartCalendarInterval': {'Second': 1}}, 'not Second'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StartCalendarInterval': []}, 'non-empty list'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'StandardOutPath': 'logs/out.log'}, 'absolute path'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'RunAtLoad': 'sometimes'}, 'must be a boolean'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'EnvironmentVariables': {'A': 1}}, 'dict of strings'),
    ({'Label': 'a.b', 'ProgramArguments': ['/bin/true'], 'UserName': None}, 'no value'),
])
def test_bad_jobs_fail_clearly(job, message):
    with pytest.raises(AnsibleFilterError, match=message):
        launchd_plist(job)
