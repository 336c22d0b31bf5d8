# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess

import pytest

from ansible_collections.devfleet.claude_code.plugins.modules import api_key_helper

KEY = 'sk-ant-api03-UNIT-MODULE-KEY'
ME = pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture
def where(tmp_path):
    config_dir = tmp_path / 'claude'
    return dict(dir=config_dir, helper=config_dir / 'api-key-helper.sh', key=config_dir / 'api-key-helper.key',
                settings=config_dir / 'settings.json', args=dict(user=ME, config_dir=str(config_dir)))


def call_helper(path, **env):
    environ = dict(HOME=os.path.dirname(str(path)), PATH='/usr/bin:/bin', **env)
    proc = subprocess.run(['/bin/sh', '-c', '. %s' % path], env=environ, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_file_source_check_mode_apply_idempotence(where, run):
    args = dict(where['args'], source='file', key=KEY, ttl_ms=60000, env=dict(ANTHROPIC_BASE_URL='http://127.0.0.1:4000'))
    dummy, result = run(api_key_helper, args, check=True)
    assert result['changed'] and not where['dir'].exists()
    dummy, result = run(api_key_helper, args)
    assert result['changed']
    assert result['helper_path'] == str(where['helper']) and result['key_file'] == str(where['key'])
    assert result['settings_changed'] == ['apiKeyHelper']
    assert result['env_changed'] == ['ANTHROPIC_BASE_URL', 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS']
    assert stat.S_IMODE(where['helper'].stat().st_mode) == 0o700
    assert stat.S_IMODE(where['key'].stat().st_mode) == 0o600
    assert where['key'].read_text() == KEY + '\n'
    settings = json.loads(where['settings'].read_text())
    assert settings == {'env': {'ANTHROPIC_BASE_URL': 'http://127.0.0.1:4000', 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS': '60000'},
                        'apiKeyHelper': '. %s' % where['helper']}
    assert call_helper(where['helper']) == (0, KEY + '\n', '')
    before = [os.stat(str(where[name])) for name in ('helper', 'key', 'settings')]
    dummy, result = run(api_key_helper, args, check=True)
    assert not result['changed']
    dummy, result = run(api_key_helper, args)
    assert not result['changed']
    after = [os.stat(str(where[name])) for name in ('helper', 'key', 'settings')]
    assert [(s.st_ino, s.st_mtime_ns) for s in after] == [(s.st_ino, s.st_mtime_ns) for s in before]


def test_key_never_in_output_diff_or_host_log(where, run, host_log):
    raw, result = run(api_key_helper, dict(where['args'], source='file', key=KEY), diff=True)
    assert result['changed'] and KEY not in raw
    raw, result = run(api_key_helper, dict(where['args'], source='file', key=KEY + '-rotated'), diff=True)
    assert result['changed'] and KEY not in raw
    assert result['invocation']['module_args']['key'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    key_diff = [d for d in result['diff'] if d['before_header'] == str(where['key'])]
    assert key_diff == [dict(before_header=str(where['key']), after_header=str(where['key']), before='<secret>\n',
                             after='<secret, changed>\n')]
    assert host_log and all(KEY not in repr(entry) for entry in host_log)
    assert where['key'].read_text() == KEY + '-rotated\n'


def test_secret_env_values_are_masked_like_claude_settings(where, run, host_log):
    raw, result = run(api_key_helper, dict(where['args'], source='env', env_var='MY_KEY',
                                           env=dict(ANTHROPIC_CUSTOM_HEADERS='X-Tenant-Token: %s' % KEY)), diff=True)
    assert KEY not in raw and all(KEY not in repr(entry) for entry in host_log)
    assert result['env']['ANTHROPIC_CUSTOM_HEADERS'] == '<secret>'


def test_key_with_a_trailing_newline_is_the_same_key(where, run):
    dummy, result = run(api_key_helper, dict(where['args'], source='file', key=KEY))
    dummy, result = run(api_key_helper, dict(where['args'], source='file', key=KEY + '\n'))
    assert not result['changed'] and where['key'].read_text() == KEY + '\n'


def test_switching_source_removes_the_key_file(where, run):
    run(api_key_helper, dict(where['args'], source='file', key=KEY))
    dummy, result = run(api_key_helper, dict(where['args'], source='env', env_var='CI_ANTHROPIC_KEY'), diff=True)
    assert result['changed'] and not where['key'].exists()
    assert call_helper(where['helper'], CI_ANTHROPIC_KEY=KEY) == (0, KEY + '\n', '')


def test_verify_failure_changes_nothing(where, run, tmp_path):
    where['dir'].mkdir()
    where['settings'].write_text('{"model": "opus"}\n')
    raw, result = run(api_key_helper, dict(where['args'], source='command', command='echo "vault: sealed" >&2; exit 2'))
    assert result['failed']
    assert result['msg'] == ('the helper failed when run as %s: the key command failed (exit 2): vault: sealed. Nothing '
                             'was changed. Fix the source (or its credentials for %s), or set verify: false to install '
                             'the helper anyway.' % (ME, ME))
    assert sorted(os.listdir(str(where['dir']))) == ['settings.json']
    assert where['settings'].read_text() == '{"model": "opus"}\n'
    dummy, result = run(api_key_helper, dict(where['args'], source='command', command='exit 2', verify=False))
    assert result['changed'] and where['helper'].exists()


def test_verified_key_is_masked(where, run, host_log):
    raw, result = run(api_key_helper, dict(where['args'], source='command', command='echo %s' % KEY.upper()))
    assert result['changed'] and result['cache_ttl'] == 300
    assert KEY.upper() not in raw  # the key the verification printed is masked everywhere


def test_invalid_settings_file_fails_before_any_file_is_written(where, run):
    where['dir'].mkdir()
    where['settings'].write_text('{"env": ')
    raw, result = run(api_key_helper, dict(where['args'], source='file', key=KEY))
    assert result['failed'] and 'is not valid JSON' in result['msg']
    assert sorted(os.listdir(str(where['dir']))) == ['settings.json'] and KEY not in raw


@pytest.mark.parametrize('args, message', [
    (dict(source='file', key=KEY, secret_id='x'), 'secret_id is not used by source file'),
    (dict(source='file', key=KEY + '\nsecond line'), 'one line of printable ASCII'),
    (dict(source='env', env_var='K', settings=dict(apiKeyHelper='x')), 'apiKeyHelper is what this module sets'),
    (dict(source='env', env_var='K', ttl_ms=1, env=dict(CLAUDE_CODE_API_KEY_HELPER_TTL_MS=2)), 'either as ttl_ms'),
    (dict(source='env', env_var='K', helper_path='relative/helper.sh'), 'absolute file path'),
    (dict(source='command', command='echo "unterminated'), 'not valid /bin/sh syntax'),
    (dict(state='absent', ttl_ms=5), 'ttl_ms is only used with state: present'),
])
def test_bad_input(where, run, args, message):
    raw, result = run(api_key_helper, dict(where['args'], **args))
    assert result['failed'] and message in result['msg'], result['msg']
    assert not where['dir'].exists() and KEY not in raw


def test_managed_scope_refuses_a_shared_key_file(run):
    raw, result = run(api_key_helper, dict(scope='managed', dropin='unit-test-never-written', source='file', key=KEY))
    assert result['failed'] and 'source: file cannot be used with scope: managed' in result['msg']
    assert KEY not in raw
    assert not os.path.exists('/etc/claude-code/api-key-helper-unit-test-never-written.sh')


def test_missing_library_is_reported_with_what_to_install(where, run, tmp_path):
    fake = tmp_path / 'python-without-boto3'
    fake.write_text('#!/bin/sh\necho "ModuleNotFoundError: No module named \'boto3\'" >&2\nexit 1\n')
    fake.chmod(0o755)
    raw, result = run(api_key_helper, dict(where['args'], source='aws_ssm', parameter='/claude/key', python=str(fake), verify=False))
    assert result['failed']
    assert result['msg'] == (
        "the helper would run %s as %s, which cannot import boto3 there (ModuleNotFoundError: No module named 'boto3'). "
        'Install boto3 for that interpreter (pip install boto3), or set python to one that has it and that %s can run.'
        % (fake, ME, ME))
    assert not where['dir'].exists()


def test_absent_removes_helper_key_cache_and_only_its_own_setting(where, run):
    run(api_key_helper, dict(where['args'], source='file', key=KEY, ttl_ms=1000, env=dict(ANTHROPIC_MODEL='opus')))
    dummy, result = run(api_key_helper, dict(where['args'], state='absent'), check=True)
    assert result['changed'] and where['helper'].exists()
    dummy, result = run(api_key_helper, dict(where['args'], state='absent'), diff=True)
    assert result['changed'] and result['settings_changed'] == ['apiKeyHelper']
    assert not where['helper'].exists() and not where['key'].exists()
    assert json.loads(where['settings'].read_text()) == {'env': {'ANTHROPIC_MODEL': 'opus'}}
    dummy, result = run(api_key_helper, dict(where['args'], state='absent'))
    assert not result['changed']
    where['settings'].write_text('{"apiKeyHelper": "/usr/local/bin/theirs"}\n')
    dummy, result = run(api_key_helper, dict(where['args'], state='absent'))
    assert not result['changed'] and json.loads(where['settings'].read_text())['apiKeyHelper'] == '/usr/local/bin/theirs'
