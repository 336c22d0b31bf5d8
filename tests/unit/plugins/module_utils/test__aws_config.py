# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import configparser

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils._ini import IniError, IniFile
from ansible_collections.devfleet.claude_code.plugins.module_utils._aws_config import (
    ProfileSpec,
    redacted,
)

CONFIG = """\
# Company AWS config - do not remove this line
[default]
region = eu-west-1
# transfer tuning
s3 =
  max_concurrent_requests = 20

  addressing_style = path
output = json

; the work account
[profile  work]
Region=us-east-1
role_arn: arn:aws:iam::111122223333:role/Work

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
"""


def configparser_view(text):
    """What botocore's parser (RawConfigParser) reads from a text: the reference the editor must agree with."""
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    return dict((section, dict(parser.items(section))) for section in parser.sections())


def spec(**params):
    params.setdefault('name', 'claude')
    params.setdefault('extra', {})
    return ProfileSpec(params)


def test_parses_like_configparser():
    ini = IniFile(CONFIG)
    reference = configparser_view(CONFIG)
    assert ini.headers() == list(reference)
    for header in reference:
        for key, value in reference[header].items():
            entry = ini.find(header).entry(key)
            assert entry.text() == value, (header, key)
    assert ini.get('default')['s3'] == {'max_concurrent_requests': '20', 'addressing_style': 'path'}
    assert ini.get('profile  work')['region'] == 'us-east-1'  # keys are case-insensitive


def test_no_change_keeps_bytes():
    ini = IniFile(CONFIG)
    assert ini.set('default', 'region', 'eu-west-1') is False
    assert ini.set('default', 's3', {'max_concurrent_requests': '20', 'addressing_style': 'path'}) is False
    assert ini.text() == CONFIG


def test_edits_only_the_lines_it_must():
    ini = IniFile(CONFIG)
    assert ini.set('profile  work', 'region', 'us-west-2')
    assert ini.set('profile  work', 'output', 'text')
    assert ini.set('profile claude', 'region', 'us-west-2')
    text = ini.text()
    assert text.startswith('# Company AWS config - do not remove this line\n[default]\nregion = eu-west-1\n# transfer tuning\n')
    assert '; the work account\n[profile  work]\nregion = us-west-2\nrole_arn: arn:aws:iam::111122223333:role/Work\noutput = text\n' in text
    assert text.endswith('sso_region = us-east-1\n\n[profile claude]\nregion = us-west-2\n')
    assert configparser_view(text)['profile claude'] == {'region': 'us-west-2'}


def test_nested_value_replaced_whole():
    ini = IniFile(CONFIG)
    assert ini.set('default', 's3', {'max_concurrent_requests': '5'})
    assert ini.get('default')['s3'] == {'max_concurrent_requests': '5'}
    assert '# transfer tuning\ns3 =\n  max_concurrent_requests = 5\noutput = json\n' in ini.text()


def test_remove_key_and_section_keep_other_comments():
    ini = IniFile(CONFIG)
    assert ini.remove('default', 's3')
    assert 's3' not in ini.get('default') and '# transfer tuning' in ini.text()
    assert ini.remove_section('profile  work')
    text = ini.text()
    assert 'profile  work' not in text and 'role_arn' not in text
    assert '; the work account\n' in text  # a comment above a header is kept
    assert configparser_view(text)['sso-session corp']['sso_region'] == 'us-east-1'
    assert ini.remove_section('profile  work') is False


def test_new_file_and_missing_trailing_newline():
    ini = IniFile('[default]\nregion = us-east-1')
    ini.set('default', 'output', 'json')
    assert ini.text() == '[default]\nregion = us-east-1\noutput = json\n'
    empty = IniFile('')
    empty.set('claude', 'aws_access_key_id', 'AKIA')
    assert empty.text() == '[claude]\naws_access_key_id = AKIA\n'


def test_byte_order_mark_is_kept_and_bad_bytes_refused():
    data = b'\xef\xbb\xbf[default]\nregion = us-east-1\n'
    ini = IniFile.from_bytes(data, 'config')
    assert ini.get('default') == {'region': 'us-east-1'} and ini.to_bytes() == data
    with pytest.raises(IniError, match='not UTF-8 text'):
        IniFile.from_bytes(b'[default]\nregion = \xff\n', 'config')


def test_crlf_files_stay_crlf():
    ini = IniFile('[default]\r\nregion = us-east-1\r\n')
    ini.set('default', 'output', 'json')
    assert ini.text() == '[default]\r\nregion = us-east-1\r\noutput = json\r\n'


@pytest.mark.parametrize('text, message', [
    ('[a]\nx = 1\n[a]\n', 'line 3: section [a] appears again (first on line 1)'),
    ('[a]\nx = 1\nX = 2\n', 'line 3: key x appears twice in [a] (first on line 2)'),
    ('x = 1\n[a]\n', 'line 1: a key before the first [section]'),
    ('[a]\njust words\n', 'line 2: neither a [section]'),
])
def test_refuses_files_the_sdks_refuse(text, message):
    with pytest.raises(IniError, match=message.replace('[', r'\[').replace(']', r'\]').replace('(', r'\(').replace(')', r'\)')):
        IniFile(text, '~/.aws/config')
    with pytest.raises(configparser.Error):
        configparser_view(text)


@pytest.mark.parametrize('value', ['a\nb', 'a\rb', ' padded', 'padded ', ''])
def test_refuses_values_that_would_not_read_back(value):
    with pytest.raises(IniError):
        IniFile('').set('default', 'region', value)


def test_refuses_bad_keys():
    with pytest.raises(IniError):
        IniFile('').set('default', 'bad key', 'x')
    with pytest.raises(IniError):
        IniFile('').set('default', 's3', {'a=b': 'x'})


def test_redacts_secrets_of_every_section():
    before = IniFile('[old]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old-secret\n')
    after = IniFile(before.text())
    after.set('new', 'aws_access_key_id', 'AKIANEW')
    after.set('new', 'aws_secret_access_key', 'new-secret')
    after.set('old', 'aws_secret_access_key', 'rotated')
    shown = redacted(after, before)
    assert 'secret' not in shown.replace('<secret', '').replace('aws_secret_access_key', '')
    assert 'AKIA' not in shown
    assert '[old]\naws_access_key_id = <secret>\naws_secret_access_key = <secret, changed>\n' in shown
    assert '[new]\naws_access_key_id = <secret, changed>\naws_secret_access_key = <secret, changed>\n' in shown


# -- ProfileSpec --------------------------------------------------------------------------------------

def test_sso_profile_and_session_sections():
    ini = IniFile(CONFIG)
    changed = spec(region='us-west-2', sso_session='corp2', sso_start_url='https://corp2.awsapps.com/start',
                   sso_region='us-east-1', sso_registration_scopes=['sso:account:access'],
                   sso_account_id='011122223333', sso_role_name='Dev').apply_config(ini)
    view = configparser_view(ini.text())
    assert view['sso-session corp2'] == {'sso_start_url': 'https://corp2.awsapps.com/start', 'sso_region': 'us-east-1',
                                         'sso_registration_scopes': 'sso:account:access'}
    assert view['profile claude'] == {'region': 'us-west-2', 'sso_session': 'corp2', 'sso_account_id': '011122223333',
                                      'sso_role_name': 'Dev'}
    assert '[profile claude] sso_session' in changed and '[sso-session corp2] sso_start_url' in changed


def test_sso_session_must_exist_or_be_described():
    with pytest.raises(IniError, match='no sso_start_url'):
        spec(sso_session='nowhere', sso_account_id='111122223333', sso_role_name='Dev').apply_config(IniFile(CONFIG))
    ini = IniFile(CONFIG)  # corp exists in the file: it can be used by name
    spec(sso_session='corp', sso_account_id='111122223333', sso_role_name='Dev').apply_config(ini)
    assert ini.get('profile claude')['sso_session'] == 'corp'


def test_existing_spelling_of_a_profile_is_reused():
    ini = IniFile(CONFIG)
    spec(name='work', region='us-west-2').apply_config(ini)
    assert ini.headers().count('profile  work') == 1 and 'profile work' not in ini.headers()
    assert ini.get('profile  work')['region'] == 'us-west-2'


def test_ambiguous_profile_is_refused():
    ini = IniFile('[profile a]\nregion = us-east-1\n[profile  a]\nregion = us-west-2\n')
    with pytest.raises(IniError, match='profile a in 2 sections'):
        spec(name='a', region='eu-west-1').apply_config(ini)


def test_default_profile_naming_in_both_files():
    config, credentials = IniFile(''), IniFile('')
    profile = spec(name='default', region='us-east-1', access_key_id='AKIA1', secret_access_key='s1')
    profile.apply_config(config)
    profile.apply_credentials(credentials)
    assert config.headers() == ['default'] and credentials.headers() == ['default']
    named = spec(name='claude', region='us-east-1', access_key_id='AKIA1', secret_access_key='s1')
    config, credentials = IniFile(''), IniFile('')
    named.apply_config(config)
    named.apply_credentials(credentials)
    assert config.headers() == ['profile claude'] and credentials.headers() == ['claude']


def test_static_keys_never_in_config():
    config = IniFile('')
    spec(access_key_id='AKIA1', secret_access_key='s1', region='us-east-1').apply_config(config)
    assert 'AKIA1' not in config.text() and 's1' not in config.text()


def test_exclusive_owns_the_profile():
    config = IniFile('[profile claude]\nregion = us-east-1\ncredential_process = /bin/old\n')
    credentials = IniFile('[claude]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n[other]\nx = 1\n')
    profile = spec(exclusive=True, region='us-west-2', sso_session='corp', sso_start_url='https://c.awsapps.com/start',
                   sso_region='us-east-1', sso_account_id='111122223333', sso_role_name='Dev')
    profile.apply_config(config)
    profile.apply_credentials(credentials)
    assert 'credential_process' not in config.get('profile claude')
    assert credentials.get('claude') is None and credentials.get('other') == {'x': '1'}


def test_merge_keeps_unnamed_keys_and_empty_string_removes():
    config = IniFile('[profile claude]\nregion = us-east-1\ncli_pager =\n')
    spec(output='json', region='').apply_config(config)
    assert config.get('profile claude') == {'cli_pager': '', 'output': 'json'}


def test_absent_removes_both_sections_and_keeps_sso_session():
    config = IniFile(CONFIG + '\n[profile claude]\nsso_session = corp\n')
    credentials = IniFile('[claude]\naws_access_key_id = A\naws_secret_access_key = B\n')
    profile = spec(state='absent')
    profile.apply_config(config)
    profile.apply_credentials(credentials)
    assert 'profile claude' not in config.headers() and 'sso-session corp' in config.headers()
    assert credentials.text() == ''


@pytest.mark.parametrize('params, message', [
    (dict(extra={'aws_secret_access_key': 'x'}), 'belongs in the credentials file'),
    (dict(extra={'region': 'x'}), 'use the region option'),
    (dict(extra={'sso_registration_scopes': 'x'}), r'\[sso-session\] section'),
    (dict(region='us-west2'), 'not an AWS region'),
    (dict(role_arn='arn:aws:iam::111122223333:role/R'), 'needs one of source_profile'),
    (dict(source_profile='base'), 'only used with role_arn'),
    (dict(credential_process='/bin/x', access_key_id='A', secret_access_key='B'), 'one source'),
    (dict(sso_session='corp', sso_start_url='https://x', sso_region='us-east-1', sso_account_id='123',
          sso_role_name='R'), '12 digits'),
    (dict(sso_start_url='https://x'), 'legacy SSO profile format'),
    (dict(sso_region='us-east-1'), 'give sso_session'),
    (dict(access_key_id='A'), 'go together'),
    (dict(duration_seconds=60, role_arn='arn:aws:iam::111122223333:role/R', source_profile='b'), '900 and 43200'),
    (dict(name='bad name'), 'profile name'),
    (dict(credential_process='/bin/x\n[profile evil]'), 'single line'),
])
def test_bad_input(params, message):
    with pytest.raises(IniError, match=message):
        spec(**params).apply_config(IniFile(''))


def test_static_keys_with_self_assumed_role():
    profile = spec(access_key_id='A', secret_access_key='B', role_arn='arn:aws:iam::111122223333:role/R',
                   source_profile='claude')
    config, credentials = IniFile(''), IniFile('')
    profile.apply_config(config)
    profile.apply_credentials(credentials)
    assert config.get('profile claude')['source_profile'] == 'claude'
    assert credentials.get('claude') == {'aws_access_key_id': 'A', 'aws_secret_access_key': 'B'}
