# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: doctor_junit
short_description: Render a fleet doctor report as JUnit XML
version_added: 0.1.0
description:
  - One test case per host and user (class name = host, name = user), so CI systems and AWX show each broken
    developer machine. A user with an error finding is a failure (the finding codes are its message, the findings
    and fixes its text); warnings go to C(system-out). An unreachable or failed host is an error test case named
    C((host)).
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description: A report from P(devfleet.claude_code.doctor_report#filter).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Write the JUnit file
  ansible.builtin.copy:
    content: "{{ doctor_report | devfleet.claude_code.doctor_junit }}"
    dest: doctor/junit.xml
    mode: "0644"
  delegate_to: localhost
'''

RETURN = r'''
_value:
  description: The XML document.
  type: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.plugin_utils._doctor_report import junit


def doctor_junit(report):
    if not isinstance(report, Mapping):
        raise AnsibleFilterError('doctor_junit expects a doctor report (dict), got %s' % type(report).__name__)
    return junit(report)


class FilterModule(object):
    def filters(self):
        return {'doctor_junit': doctor_junit}
