# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.devfleet.claude_code.plugins.modules import gcloud_adc

pytest.importorskip('google.auth')
serialization = pytest.importorskip('cryptography.hazmat.primitives.serialization')
rsa = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.rsa')

CLIENT_SECRET = 'unit-client-secret-5e1'
REFRESH_TOKEN = '1//unit-refresh-token-77a'


@pytest.fixture(scope='module')
def pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def service_account(pem):
    return {'type': 'service_account', 'project_id': 'unit-proj', 'private_key_id': 'abc123', 'private_key': pem,
            'client_email': 'sa@unit-proj.iam.gserviceaccount.com', 'client_id': '1001',
            'token_uri': 'https://oauth2.googleapis.com/token'}


def assert_no_key(raw, host_log, pem):
    body = pem.splitlines()[1]
    assert 'PRIVATE KEY' not in raw and body not in raw
    assert all(body not in repr(entry) and 'PRIVATE KEY' not in repr(entry) for entry in host_log)


def test_write_check_mode_idempotence(tmp_path, run, host_log, service_account, pem):
    path = tmp_path / 'adc.json'
    args = dict(path=str(path), credentials=service_account)
    raw, result = run(gcloud_adc, args, check=True, diff=True)
    assert result['changed'] and not path.exists()
    assert json.loads(result['diff']['after'])['private_key'] == '<secret>'
    raw, result = run(gcloud_adc, args, diff=True)
    assert result['changed']
    assert_no_key(raw, host_log, pem)
    # public fields are shown, not masked as the rest of a no_log option would be
    assert result['principal'] == 'sa@unit-proj.iam.gserviceaccount.com'
    assert result['type'] == 'service_account' and result['project_id'] == 'unit-proj'
    assert result['default_path'] is False and result['verified'] is False
    # -vvv shows the invocation: the key is masked, the identifiers are not
    shown = result['invocation']['module_args']['credentials']
    assert shown['private_key'] == 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
    assert shown['client_email'] == 'sa@unit-proj.iam.gserviceaccount.com'
    assert json.loads(path.read_text()) == service_account
    assert oct(os.stat(path).st_mode & 0o777) == '0o600'
    mtime = os.stat(path).st_mtime_ns
    raw, result = run(gcloud_adc, dict(args, credentials=json.dumps(service_account)))
    assert not result['changed'] and result['fields_changed'] == []
    assert os.stat(path).st_mtime_ns == mtime
    assert_no_key(raw, host_log, pem)


def test_secrets_of_a_json_string_are_masked_field_by_field(tmp_path, run, host_log):
    path = tmp_path / 'adc.json'
    info = {'type': 'authorized_user', 'client_id': 'unit.apps', 'client_secret': CLIENT_SECRET,
            'refresh_token': REFRESH_TOKEN, 'quota_project_id': 'unit-quota'}
    raw, result = run(gcloud_adc, dict(path=str(path), credentials=json.dumps(info)), diff=True)
    assert result['changed'] and result['quota_project_id'] == 'unit-quota'
    assert CLIENT_SECRET not in raw and REFRESH_TOKEN not in raw
    assert all(CLIENT_SECRET not in repr(entry) and REFRESH_TOKEN not in repr(entry) for entry in host_log)
    after = json.loads(result['diff']['after'])
    assert after['client_secret'] == '<secret>' and after['client_id'] == 'unit.apps'
    # rotating the refresh token shows that it changed, not what it is
    info['refresh_token'] = '1//unit-rotated-token'
    raw, result = run(gcloud_adc, dict(path=str(path), credentials=info), diff=True, check=True)
    assert result['fields_changed'] == ['refresh_token']
    assert json.loads(result['diff']['after'])['refresh_token'] == '<secret, changed>'
    assert json.loads(result['diff']['before'])['refresh_token'] == '<secret>'
    assert '1//unit-rotated-token' not in raw and REFRESH_TOKEN not in raw


def test_errors_leave_the_file_untouched(tmp_path, run, host_log, service_account, pem):
    path = tmp_path / 'adc.json'
    path.write_text('{"keep": true}\n')
    broken = dict(service_account, private_key=pem.replace('M', 'A', 40))
    for credentials, message in ((broken, 'rejects the service_account credentials'),
                                 (dict(service_account, type='oops'), '"type" must be one of'),
                                 ('{"type": ', 'is not valid JSON')):
        raw, result = run(gcloud_adc, dict(path=str(path), credentials=credentials))
        assert result['failed'] and message in result['msg'] and 'nothing was written' in result['msg']
        assert_no_key(raw, host_log, pem)
        assert path.read_text() == '{"keep": true}\n'


def test_unparseable_file_is_replaced_without_showing_it(tmp_path, run, service_account):
    path = tmp_path / 'adc.json'
    path.write_text('half a secret {')
    raw, result = run(gcloud_adc, dict(path=str(path), credentials=service_account), diff=True)
    assert result['changed']
    assert result['diff']['before'] == '<not a JSON object: 15 bytes, not shown>\n'
    assert 'half a secret' not in raw


def test_absent(tmp_path, run, host_log, service_account, pem):
    path = tmp_path / 'adc.json'
    run(gcloud_adc, dict(path=str(path), credentials=service_account))
    raw, result = run(gcloud_adc, dict(path=str(path), state='absent'), check=True, diff=True)
    assert result['changed'] and path.exists()
    raw, result = run(gcloud_adc, dict(path=str(path), state='absent'), diff=True)
    assert result['changed'] and not path.exists()
    assert json.loads(result['diff']['before'])['private_key'] == '<secret>'
    assert_no_key(raw, host_log, pem)
    raw, result = run(gcloud_adc, dict(path=str(path), state='absent'))
    assert not result['changed']


def test_credentials_required_when_present(tmp_path, run):
    raw, result = run(gcloud_adc, dict(path=str(tmp_path / 'adc.json')))
    assert result['failed'] and 'credentials' in result['msg']


def test_missing_google_auth_says_what_to_install(tmp_path, run, monkeypatch, service_account):
    monkeypatch.setattr(gcloud_adc.adc, 'HAS_GOOGLE_AUTH', False)
    raw, result = run(gcloud_adc, dict(path=str(tmp_path / 'adc.json'), credentials=service_account))
    assert result['failed'] and 'google-auth' in result['msg']
    assert not (tmp_path / 'adc.json').exists()
    # removing needs no library
    raw, result = run(gcloud_adc, dict(path=str(tmp_path / 'adc.json'), state='absent'))
    assert not result.get('failed') and not result['changed']


@pytest.mark.parametrize('swapped_in', [
    b'{"a": ' + b'[' * 100000 + b']' * 100000 + b'}',
    b'{"a": NaN, "b": 1e400}',
    b'{"note": "\\ud800"}',
], ids=['deep', 'nan', 'surrogate'])
def test_file_swapped_while_written_gives_a_result_not_a_traceback(tmp_path, run, service_account, monkeypatch,
                                                                   swapped_in):
    """Another program replaces the file between our read and our write: the result is built from what we wrote."""
    path = tmp_path / 'adc.json'
    path.write_text('{"old": true}\n')
    real = gcloud_adc.adc.parse_existing
    calls = []

    def parse_existing(data):
        calls.append(data)
        if len(calls) == 1:
            tmp = tmp_path / 'other-program.json'
            tmp.write_bytes(swapped_in)
            os.replace(str(tmp), str(path))
        return real(data)
    monkeypatch.setattr(gcloud_adc.adc, 'parse_existing', parse_existing)
    raw, result = run(gcloud_adc, dict(path=str(path), credentials=service_account), diff=True)
    assert result['changed'] and not result.get('failed'), result.get('msg')
    assert result['path'] == str(path) and result['principal'] == service_account['client_email']
    assert json.loads(path.read_text()) == service_account
    assert sorted(os.listdir(str(tmp_path))) == ['adc.json', 'remote-tmp'] or \
        [name for name in os.listdir(str(tmp_path)) if name.endswith('.tmp')] == []
