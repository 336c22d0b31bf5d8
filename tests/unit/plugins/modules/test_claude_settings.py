# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

from ansible_collections.devfleet.claude_code.plugins.modules import claude_settings, claude_settings_info

SECRET = 'sk-ant-api03-UNIT-TEST-SECRET'


def test_secret_never_in_output_or_host_log(tmp_path, run, host_log):
    path = str(tmp_path / 'settings.json')
    args = dict(path=path, env=dict(ANTHROPIC_AUTH_TOKEN=SECRET, ANTHROPIC_BASE_URL='http://127.0.0.1:4000'))
    raw, result = run(claude_settings, args, diff=True)
    assert result['changed'] is True
    assert SECRET not in raw
    assert result['env'] == {'ANTHROPIC_AUTH_TOKEN': '<secret>', 'ANTHROPIC_BASE_URL': 'http://127.0.0.1:4000'}
    assert result['invocation']['module_args']['env']['ANTHROPIC_BASE_URL'] == 'http://127.0.0.1:4000'
    assert '<secret>' in result['diff']['after']
    assert host_log, 'the module should log its invocation on the host'
    assert all(SECRET not in repr(entry) for entry in host_log)
    assert 'http://127.0.0.1:4000' in repr(host_log)  # public values stay visible
    with open(path) as handle:
        assert json.load(handle)['env']['ANTHROPIC_AUTH_TOKEN'] == SECRET


def test_errors_do_not_leak_secrets(tmp_path, run, host_log):
    args = dict(scope='managed', dropin='unit-test-never-written', env=dict(ANTHROPIC_AUTH_TOKEN=SECRET))
    raw, result = run(claude_settings, args)
    assert result['failed'] is True
    assert 'readable by every user' in result['msg']
    assert SECRET not in raw and all(SECRET not in repr(entry) for entry in host_log)


def test_bad_input_fails_before_writing(tmp_path, run):
    path = tmp_path / 'settings.json'
    path.write_text('{"keep": true}\n')
    raw, result = run(claude_settings, dict(path=str(path), env={'OK': '1', 'BAD NAME': 'x'}))
    assert result['failed'] and "'BAD NAME' is not a valid environment variable name" in result['msg']
    assert path.read_text() == '{"keep": true}\n'


def test_check_mode_and_idempotence(tmp_path, run):
    path = tmp_path / 'settings.json'
    args = dict(path=str(path), env=dict(AWS_REGION='eu-west-1'), settings=dict(awsAuthRefresh='aws sso login'))
    dummy, result = run(claude_settings, args, check=True)
    assert result['changed'] and not path.exists()
    dummy, result = run(claude_settings, args)
    assert result['changed'] and result['settings_changed'] == ['awsAuthRefresh']
    dummy, result = run(claude_settings, args)
    assert not result['changed']


def test_scope_and_path_are_exclusive(run):
    dummy, result = run(claude_settings, dict(scope='managed', path='/x'))
    assert result['failed'] and 'mutually exclusive' in result['msg']


def test_info_reports_sources_and_redacts(tmp_path, run):
    cfg = tmp_path / 'cfg'
    cfg.mkdir()
    (cfg / 'settings.json').write_text(json.dumps({'env': {'ANTHROPIC_AUTH_TOKEN': SECRET, 'AWS_REGION': 'x'}}))
    (cfg / '.claude.json').write_text(json.dumps({'env': {'CLAUDE_CODE_USE_BEDROCK': 'true'}, 'numStartups': 3}))
    raw, result = run(claude_settings_info, dict(config_dir=str(cfg), managed=False))
    assert SECRET not in raw
    assert result['effective_env']['ANTHROPIC_AUTH_TOKEN'] == {
        'value': '<secret>', 'scope': 'user', 'path': str(cfg / 'settings.json')}
    assert result['legacy_env'] == {'CLAUDE_CODE_USE_BEDROCK': 'true'}
    assert any('ignores since 2.0.8' in json.dumps(warning) for warning in result['warnings'])
    assert [f['scope'] for f in result['files']] == ['user']
