# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils import _settings
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import UserInfo
from ansible_collections.devfleet.claude_code.plugins.modules import claude_code_doctor

SECRET = 'sk-ant-api03-DOCTOR-MODULE-CANARY'
EXPECTED_SECRET = 'expected-token-DOCTOR-MODULE-CANARY'


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """Two users, alice (gateway, world-readable key) and bob (healthy), with homes in tmp_path."""
    managed = tmp_path / 'etc'
    managed.mkdir()
    monkeypatch.setitem(_settings.MANAGED_DIRS, 'Linux', str(managed))
    users = {}
    for name in ('alice', 'bob'):
        home = tmp_path / name
        (home / '.claude').mkdir(parents=True)
        users[name] = UserInfo(name, os.getuid(), os.getgid(), str(home))
    monkeypatch.setattr(claude_code_doctor, 'lookup_user', lambda name: users[name])
    alice = tmp_path / 'alice' / '.claude' / 'settings.json'
    alice.write_text(json.dumps({'env': {'ANTHROPIC_BASE_URL': 'http://127.0.0.1:4000', 'ANTHROPIC_AUTH_TOKEN': SECRET}}))
    alice.chmod(0o644)
    return tmp_path


def test_result_shape_and_no_secret(homes, run, host_log):
    args = dict(users=['alice', 'bob'], expected_env={'ANTHROPIC_AUTH_TOKEN': EXPECTED_SECRET},
                cli_paths=[str(homes / 'nosuch')])
    raw, result = run(claude_code_doctor, args, check=True)
    assert result['changed'] is False
    assert SECRET not in raw and EXPECTED_SECRET not in raw
    assert all(SECRET not in repr(entry) and EXPECTED_SECRET not in repr(entry) for entry in host_log)
    alice, bob = result['users']
    assert alice['name'] == 'alice' and alice['provider'] == 'gateway'
    assert alice['env']['ANTHROPIC_AUTH_TOKEN'] == {'value': '<secret>', 'scope': 'user',
                                                    'path': str(homes / 'alice' / '.claude' / 'settings.json')}
    assert sorted(f['code'] for f in alice['findings']) == ['DFCC131', 'DFCC151']
    assert [f['code'] for f in bob['findings']] == ['DFCC151']  # bob has no token at all
    assert result['counts'] == {'error': 1, 'warning': 2, 'info': 0}
    assert [(f['user'], f['code']) for f in result['findings']] == [
        ('alice', 'DFCC131'), ('alice', 'DFCC151'), ('bob', 'DFCC151')]
    assert result['cli'] is None and result['codes']['DFCC131']['name'] == 'secret-world-readable'


def test_bad_option_is_a_clear_error(homes, run):
    raw, result = run(claude_code_doctor, dict(users=['alice'], min_version='newest'))
    assert result['failed'] and 'min_version must be a version such as 2.1.332' in result['msg']
