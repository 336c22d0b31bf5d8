# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: launchd_plist
short_description: Render a launchd job (LaunchDaemon or LaunchAgent) as a property list
version_added: 0.1.0
description:
  - Takes the job as a dict of launchd keys (C(Label), C(ProgramArguments), C(StartInterval) or
    C(StartCalendarInterval), C(StandardOutPath), ...) and returns the XML property list that
    C(/Library/LaunchDaemons/<Label>.plist) holds, written with Python's C(plistlib), so it is always well formed.
  - Checks what launchd needs before it gets there, with a clear error, instead of a job launchd refuses to load.
    C(Label) and C(ProgramArguments) (a non-empty list of strings) are required; C(StartInterval) must be a positive
    integer; C(StartCalendarInterval) a dict or a list of dicts of C(Minute), C(Hour), C(Day), C(Weekday), C(Month)
    integers in range; paths (C(Program), C(StandardOutPath), C(StandardErrorPath), C(WorkingDirectory)) absolute;
    C(EnvironmentVariables) a dict of strings.
  - Integers given as strings (as Jinja2 often produces them) are converted for the keys launchd types as integers;
    booleans for the boolean keys.
  - Used by the P(devfleet.claude_code.pull_agent#role) role for its macOS daemon.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description: The launchd job, key to value.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Install a LaunchDaemon that runs every 30 minutes
  ansible.builtin.copy:
    content: >-
      {{ {'Label': 'com.example.job', 'ProgramArguments': ['/usr/local/bin/job'], 'StartInterval': 1800,
          'StandardOutPath': '/Library/Logs/job.log', 'StandardErrorPath': '/Library/Logs/job.log'}
         | devfleet.claude_code.launchd_plist }}
    dest: /Library/LaunchDaemons/com.example.job.plist
    owner: root
    group: wheel
    mode: "0644"
'''

RETURN = r'''
_value:
  description: The job as an XML property list (UTF-8 text).
  type: str
'''

import plistlib

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

_INT_KEYS = ('StartInterval', 'Nice', 'ExitTimeOut', 'ThrottleInterval', 'TimeOut')
_BOOL_KEYS = ('RunAtLoad', 'KeepAlive', 'LowPriorityIO', 'LowPriorityBackgroundIO', 'AbandonProcessGroup',
              'Disabled', 'StartOnMount', 'InitGroups')
_PATH_KEYS = ('Program', 'StandardOutPath', 'StandardErrorPath', 'StandardInPath', 'WorkingDirectory', 'RootDirectory')
_CALENDAR_RANGES = {'Minute': (0, 59), 'Hour': (0, 23), 'Day': (1, 31), 'Weekday': (0, 7), 'Month': (1, 12)}
_TRUE = ('true', 'yes', 'on', '1')
_FALSE = ('false', 'no', 'off', '0')


def _int(key, value, minimum=None, maximum=None):
    if isinstance(value, bool):
        raise AnsibleFilterError('launchd_plist: %s must be an integer, got a boolean' % key)
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError('launchd_plist: %s must be an integer, got %r' % (key, value))
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise AnsibleFilterError('launchd_plist: %s must be between %s and %s, got %d' % (key, minimum, maximum, number))
    return number


def _bool(key, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, Mapping) and key == 'KeepAlive':
        return dict(value)
    raise AnsibleFilterError('launchd_plist: %s must be a boolean, got %r' % (key, value))


def _calendar(value):
    entries = [value] if isinstance(value, Mapping) else value
    if not isinstance(entries, (list, tuple)) or not entries:
        raise AnsibleFilterError('launchd_plist: StartCalendarInterval must be a dict or a non-empty list of dicts')
    out = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise AnsibleFilterError('launchd_plist: each StartCalendarInterval entry must be a dict, got %r' % (entry,))
        unknown = sorted(set(entry) - set(_CALENDAR_RANGES))
        if unknown:
            raise AnsibleFilterError('launchd_plist: StartCalendarInterval knows %s, not %s'
                                     % (', '.join(_CALENDAR_RANGES), ', '.join(unknown)))
        out.append(dict((k, _int('StartCalendarInterval.' + k, v, *_CALENDAR_RANGES[k])) for k, v in entry.items()))
    return out[0] if isinstance(value, Mapping) else out


def launchd_job(job):
    """The job with launchd's types, checked; raises AnsibleFilterError with a message for the user."""
    if not isinstance(job, Mapping):
        raise AnsibleFilterError('launchd_plist expects a dict of launchd keys, got %s' % type(job).__name__)
    job = dict((str(k), v) for k, v in job.items())
    if not isinstance(job.get('Label'), str) or not job['Label'].strip():
        raise AnsibleFilterError('launchd_plist: Label is required (a reverse-DNS name such as com.example.job)')
    args = job.get('ProgramArguments')
    if not isinstance(args, (list, tuple)) or not args or not all(isinstance(a, str) and a for a in args):
        raise AnsibleFilterError('launchd_plist: ProgramArguments must be a non-empty list of non-empty strings')
    job['ProgramArguments'] = list(args)
    for key in _INT_KEYS:
        if key in job:
            job[key] = _int(key, job[key], 1 if key in ('StartInterval', 'ExitTimeOut', 'TimeOut') else None)
    for key in _BOOL_KEYS:
        if key in job:
            job[key] = _bool(key, job[key])
    for key in _PATH_KEYS:
        if key in job and (not isinstance(job[key], str) or not job[key].startswith('/')):
            raise AnsibleFilterError('launchd_plist: %s must be an absolute path, got %r' % (key, job[key]))
    if 'StartCalendarInterval' in job:
        job['StartCalendarInterval'] = _calendar(job['StartCalendarInterval'])
    if 'EnvironmentVariables' in job:
        env = job['EnvironmentVariables']
        if not isinstance(env, Mapping) or not all(isinstance(v, str) for v in env.values()):
            raise AnsibleFilterError('launchd_plist: EnvironmentVariables must be a dict of strings')
        job['EnvironmentVariables'] = dict((str(k), v) for k, v in env.items())
    for key, value in job.items():
        if value is None:
            raise AnsibleFilterError('launchd_plist: %s has no value (launchd has no null)' % key)
    return job


def launchd_plist(job):
    return plistlib.dumps(launchd_job(job), fmt=plistlib.FMT_XML, sort_keys=True).decode('utf-8')


class FilterModule(object):
    def filters(self):
        return {'launchd_plist': launchd_plist}
