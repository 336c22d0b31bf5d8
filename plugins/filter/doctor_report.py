# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: doctor_report
short_description: Build the fleet doctor's report from the hosts' claude_code_doctor results
version_added: 0.1.0
description:
  - Turns the registered results of M(devfleet.claude_code.claude_code_doctor) on many hosts into one report
    (the JSON file of the C(devfleet.claude_code.doctor) playbook) with a V(summary) of counts per provider,
    CLI version and finding code, one entry per host under V(hosts) (with every finding flattened into
    V(hosts[].findings)) and, with O(previous), what V(changes) since that report.
  - Hosts that were unreachable or failed are in the report with V(ok=false) and their V(error).
  - The shape is documented in the collection's C(docs/doctor.md); query it with P(devfleet.claude_code.doctor_query#filter).
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description:
      - With O(var), C(hostvars); otherwise a dict of host name to registered result.
    type: dict
    required: true
  hosts:
    description: The hosts to include, in this order (e.g. C(ansible_play_hosts_all)). Default is every key of the input, sorted.
    type: list
    elements: str
  var:
    description: The name of the registered variable holding each host's result, when the input is C(hostvars).
    type: str
  previous:
    description: An earlier report (parsed JSON) to compare with; V(null) for none.
    type: dict
'''

EXAMPLES = r'''
- name: Build the report
  ansible.builtin.set_fact:
    doctor_report: >-
      {{ hostvars | devfleet.claude_code.doctor_report(hosts=ansible_play_hosts_all, var='doctor_result') }}
  run_once: true
'''

RETURN = r'''
_value:
  description: The report.
  type: dict
  contains:
    format:
      description: Version of the report's shape (1).
      type: int
    generated:
      description: When the report was built (UTC, ISO 8601).
      type: str
    summary:
      description: Counts over the fleet.
      type: dict
    hosts:
      description: One entry per host, with V(name), V(ok), V(error), V(cli), V(users), V(findings), V(counts).
      type: list
      elements: dict
    codes:
      description: Every finding code with its name, severity and fix.
      type: dict
    changes:
      description: What changed since O(previous); null without one.
      type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.plugin_utils._doctor_report import ReportError, build_report


def _plain(value):
    """Plain Python data (no lazy or tagged containers), for the report."""
    if isinstance(value, Mapping):
        return dict((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def doctor_report(data, hosts=None, var=None, previous=None):
    if not isinstance(data, Mapping):
        raise AnsibleFilterError('doctor_report expects hostvars or a dict of host to result, got %s' % type(data).__name__)
    names = list(hosts) if hosts is not None else sorted(data)
    results = []
    for name in names:
        entry = data.get(name) if name in data else None
        if var is not None:
            entry = entry.get(var) if isinstance(entry, Mapping) and var in entry else None
        results.append((str(name), _plain(entry) if entry is not None else None))
    try:
        return build_report(results, previous=_plain(previous) if previous else None)
    except ReportError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {'doctor_report': doctor_report}
