# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.devfleet.claude_code.plugins.modules import aws_profile

KEY_ID = 'AKIAUNITTESTKEY00001'
SECRET = 'unit/test+SECRET/never-shown-000000000000'
TOKEN = 'unit-test-SESSION-token-never-shown'


@pytest.fixture
def files(tmp_path):
    return dict(config_file=str(tmp_path / 'aws' / 'config'), credentials_file=str(tmp_path / 'aws' / 'credentials'))


def read(path):
    with open(path) as handle:
        return handle.read()


def test_static_keys_only_in_credentials_and_never_shown(files, run, host_log):
    args = dict(files, name='claude', region='us-west-2', access_key_id=KEY_ID, secret_access_key=SECRET,
                session_token=TOKEN)
    raw, result = run(aws_profile, args, diff=True)
    assert result['changed'] is True
    for secret in (KEY_ID, SECRET, TOKEN):
        assert secret not in raw
        assert all(secret not in repr(entry) for entry in host_log)
        assert secret not in read(files['config_file'])
    assert read(files['config_file']) == '[profile claude]\nregion = us-west-2\n'
    assert read(files['credentials_file']) == (
        '[claude]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n' % (KEY_ID, SECRET, TOKEN))
    assert stat.S_IMODE(os.stat(files['credentials_file']).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(files['credentials_file'])).st_mode) == 0o700
    assert result['credentials'] == ['aws_access_key_id', 'aws_secret_access_key', 'aws_session_token']
    assert result['diff'][1]['after'] == ('[claude]\naws_access_key_id = <secret, changed>\n'
                                          'aws_secret_access_key = <secret, changed>\naws_session_token = <secret, changed>\n')


def test_rotating_a_secret_shows_that_it_changed_not_its_value(files, run):
    base = dict(files, name='claude', access_key_id=KEY_ID, secret_access_key=SECRET)
    run(aws_profile, base)
    raw, result = run(aws_profile, dict(base, secret_access_key='rotated-' + SECRET), diff=True)
    assert result['changed'] and result['changed_keys'] == ['[claude] aws_secret_access_key']
    assert SECRET not in raw and KEY_ID not in raw
    assert 'aws_access_key_id = <secret>\naws_secret_access_key = <secret, changed>' in result['diff'][1]['after']


def test_check_mode_idempotence_and_untouched_mtime(files, run):
    args = dict(files, name='claude', region='us-west-2', credential_process='/usr/local/bin/broker --profile claude')
    dummy, result = run(aws_profile, args, check=True)
    assert result['changed'] and not os.path.exists(files['config_file'])
    dummy, result = run(aws_profile, args)
    assert result['changed'] and result['profile'] == {'region': 'us-west-2',
                                                       'credential_process': '<secret>'}
    assert not os.path.exists(files['credentials_file'])  # no static keys: no credentials file
    before = os.stat(files['config_file'])
    dummy, result = run(aws_profile, args, check=True)
    assert not result['changed']
    dummy, result = run(aws_profile, args)
    assert not result['changed'] and result['changed_keys'] == []
    after = os.stat(files['config_file'])
    assert (before.st_mtime_ns, before.st_ino) == (after.st_mtime_ns, after.st_ino)


def test_keeps_comments_and_other_profiles(files, run):
    os.makedirs(os.path.dirname(files['config_file']))
    original = '# hand-written\n[default]\nregion = eu-west-1 \n\n[profile other] ; note\noutput=text\n'
    with open(files['config_file'], 'w') as handle:
        handle.write(original)
    run(aws_profile, dict(files, name='claude', region='us-west-2'))
    assert read(files['config_file']) == original + '\n[profile claude]\nregion = us-west-2\n'
    run(aws_profile, dict(files, name='claude', state='absent'))
    assert read(files['config_file']) == original


def test_bad_file_is_left_untouched(files, run):
    os.makedirs(os.path.dirname(files['config_file']))
    broken = '[default]\nregion = us-east-1\n[default]\n'
    with open(files['config_file'], 'w') as handle:
        handle.write(broken)
    dummy, result = run(aws_profile, dict(files, name='claude', region='us-west-2', access_key_id=KEY_ID,
                                          secret_access_key=SECRET))
    assert result['failed'] and 'line 3: section [default] appears again' in result['msg']
    assert read(files['config_file']) == broken
    assert not os.path.exists(files['credentials_file'])  # nothing written before the error was found


def test_errors_name_the_problem_without_secrets(files, run, host_log):
    args = dict(files, name='claude', access_key_id=KEY_ID, secret_access_key=SECRET,
                extra={'aws_session_token': TOKEN})
    raw, result = run(aws_profile, args)
    assert result['failed'] and 'belongs in the credentials file' in result['msg']
    assert TOKEN not in result['msg']
    assert KEY_ID not in raw and SECRET not in raw


def test_module_level_relationships(files, run):
    dummy, result = run(aws_profile, dict(files, name='claude', access_key_id=KEY_ID))
    assert result['failed'] and 'access_key_id' in result['msg'] and 'secret_access_key' in result['msg']
    dummy, result = run(aws_profile, dict(name='claude', region='us-east-1'))
    assert result['failed'] and 'user' in result['msg'] and 'config_file' in result['msg']


def test_backup(files, run):
    args = dict(files, name='claude', region='us-west-2', backup=True)
    run(aws_profile, args)
    dummy, result = run(aws_profile, dict(args, region='us-east-1'))
    assert len(result['backup_files']) == 1 and read(result['backup_files'][0]) == '[profile claude]\nregion = us-west-2\n'
