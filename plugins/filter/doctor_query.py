# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: doctor_query
short_description: Select from a fleet doctor report with a JMESPath expression
version_added: 0.1.0
description:
  - Like the AWS CLI's C(--query), evaluates a JMESPath expression on a report from
    P(devfleet.claude_code.doctor_report#filter) (or any data). The C(devfleet.claude_code.doctor) playbook
    uses it for what it prints and for what fails the run.
  - Needs the C(jmespath) Python library on the controller (boto3 brings it).
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description: The data to query.
    type: raw
    required: true
  expression:
    description: The JMESPath expression.
    type: str
    required: true
requirements:
  - jmespath
'''

EXAMPLES = r'''
- name: Hosts with an error
  ansible.builtin.debug:
    msg: >-
      {{ doctor_report | devfleet.claude_code.doctor_query("hosts[?findings[?severity=='error']].name") }}

- name: Users still on the deprecated small/fast model variable
  ansible.builtin.debug:
    msg: >-
      {{ doctor_report | devfleet.claude_code.doctor_query("hosts[].findings[?code=='DFCC121'][].user") }}
'''

RETURN = r'''
_value:
  description: What the expression selects.
  type: raw
'''

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.doctor_report import _plain
from ansible_collections.devfleet.claude_code.plugins.plugin_utils._doctor_report import ReportError, query


def doctor_query(data, expression):
    if not isinstance(expression, str) or not expression.strip():
        raise AnsibleFilterError('doctor_query needs a JMESPath expression (a non-empty string)')
    try:
        return query(_plain(data), str(expression))
    except ReportError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {'doctor_query': doctor_query}
