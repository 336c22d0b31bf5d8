# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The list of variable names Claude Code reads must come from the Claude Code the collection pins.

When the pinned version moves (roles/claude_code/defaults/main.yml), re-run
scripts/refresh_claude_env_names.py on that version's binary; this test fails until then.
"""

from __future__ import annotations

import os
import re

from ansible_collections.devfleet.claude_code.plugins.module_utils import _claude_env_names

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))


def _pinned(path, key):
    with open(os.path.join(ROOT, path)) as handle:
        text = handle.read()
    match = re.search(r'^\s*%s:\s*"?([0-9][0-9.]*)"?\s*$' % key, text, re.M)
    assert match, '%s: no %s' % (path, key)
    return match.group(1)


def test_generated_names_match_the_pinned_claude_code():
    pinned = _pinned('roles/claude_code/defaults/main.yml', 'claude_code_version')
    assert _claude_env_names.CLAUDE_CODE_VERSION == pinned, (
        'plugins/module_utils/_claude_env_names.py was generated from Claude Code %s but the role pins %s: run '
        'scripts/refresh_claude_env_names.py %s <binary>' % (_claude_env_names.CLAUDE_CODE_VERSION, pinned, pinned))


def test_the_tests_run_the_pinned_claude_code():
    pinned = _pinned('roles/claude_code/defaults/main.yml', 'claude_code_version')
    assert _pinned('tests/integration/targets/setup_claude_cli/defaults/main.yml', 'setup_claude_cli_version') == pinned


def test_every_provider_switch_the_role_writes_is_a_name_claude_code_reads():
    # the role's provider table lives in its filter (the role's vars only pass variables to it)
    text = ''
    for path in ('plugins/filter/claude_code_config.py', 'roles/claude_code/vars/main.yml'):
        with open(os.path.join(ROOT, path)) as handle:
            text += handle.read()
    names = set(re.findall(r'\b(CLAUDE_CODE_(?:USE|SKIP)_[A-Z_]+|ANTHROPIC_[A-Z_]+)\b', text))
    assert names, 'no names found in the role'
    unknown = sorted(name for name in names if name not in _claude_env_names.KNOWN_NAMES)
    assert unknown == [], 'the role writes names the pinned Claude Code does not read: %s' % unknown
