# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11, class 3: secrets that reached syslog, results or -vvv through paths the masking did not cover.

Each test runs a module as Ansible does (-vvv: the invocation is returned; --diff) and checks the module's
JSON output and what it logged on the host (syslog/journald) for the secret.
"""

from __future__ import annotations

import functools
import json

import pytest

from ansible_collections.devfleet.claude_code.plugins.modules import (
    api_key_helper,
    aws_profile,
    claude_settings,
    claude_settings_info,
)

CANARY = 'sk-ant-api03-CANARY-UNIT-0001'
PLAIN = 'plain-canary-without-a-key-shape-0002'


@pytest.fixture
def run(run):
    """The harness's run, with --diff on: every test here runs as `ansible-playbook --diff -vvv` does."""
    return functools.partial(run, diff=True)


def assert_hidden(raw, host_log, *secrets):
    for secret in secrets:
        assert secret not in raw
        assert all(secret not in repr(entry) for entry in host_log)


@pytest.mark.parametrize('check', [True, False])
def test_a_command_setting_carrying_a_key_is_hidden(tmp_path, run, host_log, check):
    path = str(tmp_path / 'settings.json')
    args = dict(path=path, settings=dict(otelHeadersHelper='echo %s' % CANARY, model='sonnet'))
    raw, result = run(claude_settings, args, check=check)
    assert result['changed'] and result['settings_changed'] == ['model', 'otelHeadersHelper']
    assert_hidden(raw, host_log, CANARY)
    assert result['invocation']['module_args']['settings'] == {'otelHeadersHelper': '<secret>', 'model': 'sonnet'}
    assert '"otelHeadersHelper": "<secret>"' in result['diff']['after']


def test_a_command_setting_without_a_key_shape_is_shown_by_name_only(tmp_path, run, host_log):
    args = dict(path=str(tmp_path / 'settings.json'), settings=dict(awsAuthRefresh='vault-login %s' % PLAIN))
    raw, result = run(claude_settings, args)
    assert_hidden(raw, host_log, PLAIN)
    assert result['settings_changed'] == ['awsAuthRefresh']


@pytest.mark.parametrize('value', [[PLAIN, 'x'], {'nested': PLAIN}])
def test_an_env_value_given_as_a_list_or_dict_is_never_logged(tmp_path, run, host_log, value):
    args = dict(path=str(tmp_path / 'settings.json'), env=dict(MY_SETTING=value, AWS_REGION='eu-west-1'))
    raw, result = run(claude_settings, args)
    assert result['failed'] and 'MY_SETTING must be a scalar' in result['msg']
    assert_hidden(raw, host_log, PLAIN)
    assert result['invocation']['module_args']['env'] == {'MY_SETTING': '<secret>', 'AWS_REGION': 'eu-west-1'}


def test_secret_env_of_an_earlier_task_is_not_forgotten(tmp_path, run, host_log):
    path = str(tmp_path / 'settings.json')
    raw, result = run(claude_settings, dict(path=path, env=dict(CORP_SSO_COOKIE=PLAIN), secret_env=['CORP_SSO_COOKIE']))
    assert_hidden(raw, host_log, PLAIN)
    # the next task on the same file does not repeat secret_env: the value must stay hidden
    raw, result = run(claude_settings, dict(path=path, env=dict(AWS_REGION='us-east-1')))
    assert result['changed']
    assert_hidden(raw, host_log, PLAIN)
    assert result['env'] == {'CORP_SSO_COOKIE': '<secret>', 'AWS_REGION': 'us-east-1'}
    raw, result = run(claude_settings_info, dict(config_dir=str(tmp_path), managed=False))
    assert_hidden(raw, host_log, PLAIN)


def test_info_hides_command_settings_of_the_file(tmp_path, run, host_log):
    (tmp_path / 'settings.json').write_text(json.dumps({'otelHeadersHelper': 'echo %s' % PLAIN, 'model': 'opus'}))
    raw, result = run(claude_settings_info, dict(config_dir=str(tmp_path), managed=False))
    assert_hidden(raw, host_log, PLAIN)
    assert result['effective_settings']['model']['value'] == 'opus'
    assert result['effective_settings']['otelHeadersHelper']['value'] == '<secret>'


def test_a_key_in_a_setting_of_a_world_readable_file_is_refused(tmp_path, run, host_log):
    path = tmp_path / 'managed-settings.json'  # a file every user reads, as managed settings are
    args = dict(path=str(path), mode='0644', settings=dict(otelHeadersHelper='echo ' + CANARY))
    raw, result = run(claude_settings, args)
    assert not path.exists()
    assert result['failed'] and 'readable by every user' in result['msg'] and 'otelHeadersHelper' in result['msg']
    assert_hidden(raw, host_log, CANARY)


@pytest.mark.parametrize('check', [True, False])
def test_aws_profile_hides_an_existing_secret_of_the_profile(tmp_path, run, host_log, check):
    config = tmp_path / 'config'
    config.write_text('[profile claude]\nregion = us-east-1\naws_secret_access_key = %s\n' % PLAIN)
    args = dict(config_file=str(config), name='claude', region='us-west-2')
    raw, result = run(aws_profile, args, check=check)
    assert result['changed']
    assert_hidden(raw, host_log, PLAIN)
    assert result['profile'] == {'region': 'us-west-2', 'aws_secret_access_key': '<secret>'}


def test_aws_profile_extra_secret_keys_are_hidden(tmp_path, run, host_log):
    args = dict(config_file=str(tmp_path / 'config'), name='claude', region='us-west-2',
                extra=dict(vault_secret=PLAIN, broker_token=PLAIN + '-t', cli_pager='less', mystery_option=PLAIN + '-m'))
    raw, result = run(aws_profile, args)
    assert result['changed']
    assert_hidden(raw, host_log, PLAIN)
    assert result['profile'] == {'region': 'us-west-2', 'vault_secret': '<secret>', 'broker_token': '<secret>',
                                 'cli_pager': 'less', 'mystery_option': '<secret>'}
    assert result['invocation']['module_args']['extra']['cli_pager'] == 'less'
    assert PLAIN in (tmp_path / 'config').read_text()


def test_api_key_helper_command_is_hidden_in_invocation_and_script_diff(tmp_path, run, host_log):
    home = tmp_path / 'claude'
    home.mkdir()
    args = dict(user='root', config_dir=str(home), helper_path=str(tmp_path / 'helper.sh'), source='command',
                command="printf '%%s\\n' %s" % CANARY, verify=False)
    raw, result = run(api_key_helper, args, check=True)
    assert result['changed']
    assert_hidden(raw, host_log, CANARY)
    assert result['invocation']['module_args']['command'] == '<secret>'
    script_diff = [d for d in result['diff'] if d['after_header'] == str(tmp_path / 'helper.sh')][0]
    assert '<secret>' in script_diff['after']


def test_api_key_helper_hides_the_command_of_the_helper_it_replaces(tmp_path, run, host_log):
    home = tmp_path / 'claude'
    home.mkdir()
    base = dict(user='root', config_dir=str(home), helper_path=str(tmp_path / 'helper.sh'), verify=False)
    raw, result = run(api_key_helper, dict(base, source='command', command="printf '%%s\\n' %s" % PLAIN))
    assert result['changed'] and PLAIN in (tmp_path / 'helper.sh').read_text()
    # a later task switches the source: the old script (with the old command) is the diff's "before"
    raw, result = run(api_key_helper, dict(base, source='env', env_var='CORP_KEY'), check=True)
    assert result['changed']
    assert_hidden(raw, host_log, PLAIN)
