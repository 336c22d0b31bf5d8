# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: doctor_html
short_description: Render a fleet doctor report as one self-contained HTML page
version_added: 0.1.0
description:
  - Counts (hosts, users, errors, warnings), bar charts of users per provider, users per CLI version and findings
    per code (inline SVG), what changed since the previous report, and a table of hosts and users with their
    findings and fixes that sorts by any column and filters by text and severity.
  - Inline CSS and JavaScript only (no external script, style sheet, font or image), so it opens from a file.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description: A report from P(devfleet.claude_code.doctor_report#filter).
    type: dict
    required: true
  title:
    description: The page title.
    type: str
    default: Claude Code fleet doctor
'''

EXAMPLES = r'''
- name: Write the HTML page
  ansible.builtin.copy:
    content: "{{ doctor_report | devfleet.claude_code.doctor_html }}"
    dest: doctor/index.html
    mode: "0644"
  delegate_to: localhost
'''

RETURN = r'''
_value:
  description: The HTML document.
  type: str
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.plugin_utils._doctor_report import html_page


def doctor_html(report, title='Claude Code fleet doctor'):
    if not isinstance(report, Mapping):
        raise AnsibleFilterError('doctor_html expects a doctor report (dict), got %s' % type(report).__name__)
    return html_page(report, title)


class FilterModule(object):
    def filters(self):
        return {'doctor_html': doctor_html}
