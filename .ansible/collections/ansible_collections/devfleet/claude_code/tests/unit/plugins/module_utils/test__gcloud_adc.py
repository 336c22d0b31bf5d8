# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils import _gcloud_adc as adc

google_auth = pytest.importorskip('google.auth')
serialization = pytest.importorskip('cryptography.hazmat.primitives.serialization')
rsa = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.rsa')

IMPERSONATION_URL = ('https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/'
                     'claude@proj.iam.gserviceaccount.com:generateAccessToken')


@pytest.fixture(scope='module')
def pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def service_account(pem):
    return {'type': 'service_account', 'project_id': 'proj', 'private_key_id': 'abc123', 'private_key': pem,
            'client_email': 'sa@proj.iam.gserviceaccount.com', 'client_id': '1001',
            'token_uri': 'https://oauth2.googleapis.com/token'}


AUTHORIZED_USER = {'type': 'authorized_user', 'client_id': 'id.apps.googleusercontent.com',
                   'client_secret': 'unit-client-secret', 'refresh_token': '1//unit-refresh-token'}
EXTERNAL = {'type': 'external_account',
            'audience': '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x',
            'subject_token_type': 'urn:ietf:params:oauth:token-type:jwt', 'token_url': 'https://sts.googleapis.com/v1/token',
            'credential_source': {'url': 'http://169.254.169.254/token', 'headers': {'Authorization': 'Bearer unit-header'}}}


def test_parse_credentials_accepts_dict_and_json_string():
    assert adc.parse_credentials(AUTHORIZED_USER) == AUTHORIZED_USER
    assert adc.parse_credentials(json.dumps(AUTHORIZED_USER)) == AUTHORIZED_USER
    assert adc.parse_credentials(json.dumps(AUTHORIZED_USER).encode()) == AUTHORIZED_USER


@pytest.mark.parametrize('value, message', [
    ('{"type": "authorized_user", "refresh_token": "unit-half', 'is not valid JSON (line 1 column'),
    ('[1, 2]', 'must be a JSON object'),
    ('  ', 'credentials is empty'),
    (42, 'must be a dict or a JSON string'),
])
def test_parse_credentials_errors_hold_no_content(value, message):
    with pytest.raises(adc.AdcError) as caught:
        adc.parse_credentials(value)
    assert message in str(caught.value)
    assert 'unit-half' not in str(caught.value)


@pytest.mark.parametrize('info, message', [
    ({'type': 'service-account'}, '"type" must be one of authorized_user, service_account'),
    ({'client_id': 'x'}, 'got nothing'),
    (dict(AUTHORIZED_USER, refresh_token=''), 'need "refresh_token", a non-empty string; it is empty'),
    ({'type': 'authorized_user', 'client_id': 'x', 'client_secret': 'y'}, 'need "refresh_token"'),
    (dict(EXTERNAL, credential_source='file'), '"credential_source", an object; it is a str'),
    (dict(EXTERNAL, credential_source={'format': {'type': 'text'}}), 'must name where the subject token comes from'),
    ({'type': 'impersonated_service_account', 'service_account_impersonation_url': 'https://x/y',
      'source_credentials': AUTHORIZED_USER}, 'must end with /serviceAccounts/SERVICE_ACCOUNT_EMAIL:generateAccessToken'),
    ({'type': 'impersonated_service_account', 'service_account_impersonation_url': IMPERSONATION_URL,
      'source_credentials': EXTERNAL}, 'credentials.source_credentials: "type" must be one of authorized_user, service_account'),
    ({'type': 'impersonated_service_account', 'service_account_impersonation_url': IMPERSONATION_URL,
      'source_credentials': AUTHORIZED_USER, 'delegates': 'a@b'}, '"delegates" must be a list'),
    (dict(AUTHORIZED_USER, quota_project_id=7), '"quota_project_id" must be a string'),
])
def test_check_structure_names_what_is_wrong(info, message):
    with pytest.raises(adc.AdcError) as caught:
        adc.check_structure(info)
    assert message in str(caught.value)
    assert 'unit-client-secret' not in str(caught.value)


def test_check_structure_private_key_must_be_pem(service_account):
    with pytest.raises(adc.AdcError, match='is not a PEM private key'):
        adc.check_structure(dict(service_account, private_key='not-a-key'))


def test_quota_project_id_option_replaces_or_removes():
    dummy, info = adc.check_structure(dict(AUTHORIZED_USER, quota_project_id='old'), 'new')
    assert info['quota_project_id'] == 'new'
    dummy, info = adc.check_structure(dict(AUTHORIZED_USER, quota_project_id='old'), '')
    assert 'quota_project_id' not in info
    dummy, info = adc.check_structure(dict(AUTHORIZED_USER, quota_project_id='old'), None)
    assert info['quota_project_id'] == 'old'


def test_secret_and_public_values(service_account):
    secrets = adc.secret_values(service_account)
    assert secrets == {service_account['private_key']}
    public = adc.public_values(service_account)
    assert {'service_account', 'proj', 'sa@proj.iam.gserviceaccount.com', 'abc123'} <= public
    assert not public & secrets
    assert adc.secret_values(EXTERNAL) == {'Bearer unit-header'}
    nested = {'type': 'impersonated_service_account', 'service_account_impersonation_url': IMPERSONATION_URL,
              'source_credentials': AUTHORIZED_USER}
    assert adc.secret_values(nested) == {'unit-client-secret', '1//unit-refresh-token'}
    # a public value inside a secret would unmask part of it: it stays masked
    assert 'unit' not in adc.public_values({'type': 'unit', 'client_secret': 'unit-secret'})


def test_redact_marks_changed_secrets_only(service_account):
    rotated = dict(service_account, private_key='-----BEGIN PRIVATE KEY-----\nother', private_key_id='def456')
    shown = adc.redact(rotated, service_account)
    assert shown['private_key'] == adc.REDACTED_CHANGED
    assert shown['private_key_id'] == 'def456'
    assert adc.redact(service_account, service_account)['private_key'] == adc.REDACTED
    assert adc.redact(service_account)['private_key'] == adc.REDACTED
    assert adc.redact(EXTERNAL)['credential_source'] == {'url': 'http://169.254.169.254/token',
                                                         'headers': {'Authorization': adc.REDACTED}}
    with_password = dict(EXTERNAL, credential_source={'url': 'https://agent:unit-pass@idp.example/token'})
    assert adc.redact(with_password)['credential_source']['url'] == adc.REDACTED
    assert adc.secret_values(with_password) == {'https://agent:unit-pass@idp.example/token'}
    nested = adc.redact({'source_credentials': AUTHORIZED_USER})
    assert nested['source_credentials']['refresh_token'] == adc.REDACTED
    assert nested['source_credentials']['client_id'] == AUTHORIZED_USER['client_id']


def test_changed_fields_are_names_only(service_account):
    assert adc.changed_fields(None, service_account) == sorted(service_account)
    assert adc.changed_fields(service_account, dict(service_account, private_key='x')) == ['private_key']
    before = {'source_credentials': AUTHORIZED_USER}
    after = {'source_credentials': dict(AUTHORIZED_USER, refresh_token='other')}
    assert adc.changed_fields(before, after) == ['source_credentials.refresh_token']
    assert adc.changed_fields(EXTERNAL, dict(EXTERNAL, credential_source=dict(
        EXTERNAL['credential_source'], headers={'Authorization': 'x'}))) == ['credential_source.headers']


def test_principal_of(service_account):
    assert adc.principal_of(service_account) == 'sa@proj.iam.gserviceaccount.com'
    assert adc.principal_of(AUTHORIZED_USER) is None
    assert adc.principal_of(dict(AUTHORIZED_USER, account='dev@example.com')) == 'dev@example.com'
    assert adc.principal_of(EXTERNAL) == EXTERNAL['audience']
    assert adc.principal_of(dict(EXTERNAL, service_account_impersonation_url=IMPERSONATION_URL)) == 'claude@proj.iam.gserviceaccount.com'


def test_render_and_parse_existing_round_trip(service_account):
    data = adc.render(service_account)
    assert data.endswith(b'}\n') and b'\n  "type": "service_account",' in data
    assert adc.parse_existing(data) == service_account
    assert adc.parse_existing(b'not json') is None
    assert adc.parse_existing(b'[1]') is None
    assert adc.parse_existing(None) is None


@pytest.mark.parametrize('path, expected', [
    (None, '/home/u/.config/gcloud/application_default_credentials.json'),
    ('', '/home/u/.config/gcloud/application_default_credentials.json'),
    ('.config/claude/adc.json', '/home/u/.config/claude/adc.json'),
    ('~/adc.json', '/home/u/adc.json'),
    ('/etc/x/../adc.json', '/etc/adc.json'),
])
def test_resolve_path(path, expected):
    assert adc.resolve_path(path, '/home/u') == expected


def test_resolve_path_errors():
    with pytest.raises(adc.AdcError, match='~otheruser'):
        adc.resolve_path('~root/adc.json', '/home/u')
    with pytest.raises(adc.AdcError, match='is relative'):
        adc.resolve_path('adc.json', None)


def test_email_from_id_token():
    claims = base64.urlsafe_b64encode(json.dumps({'email': 'dev@example.com'}).encode()).rstrip(b'=').decode()
    assert adc._email_from_id_token('e30.%s.' % claims) == 'dev@example.com'
    assert adc._email_from_id_token('not-a-jwt') is None
    assert adc._email_from_id_token(None) is None


def test_load_with_google_auth_offline(tmp_path, service_account):
    credentials, project_id, notes = adc.load(service_account, str(tmp_path))
    assert project_id == 'proj'
    assert credentials.service_account_email == 'sa@proj.iam.gserviceaccount.com'
    assert list(tmp_path.iterdir()) == []  # the temporary copy is gone
    # external_account loads without a network call (no scopes: no project lookup)
    credentials, project_id, notes = adc.load(EXTERNAL, str(tmp_path))
    assert project_id is None


def test_load_rejects_a_key_that_does_not_parse(tmp_path, service_account):
    broken = dict(service_account, private_key=service_account['private_key'].replace('M', 'A', 40))
    with pytest.raises(adc.AdcError) as caught:
        adc.load(broken, str(tmp_path))
    assert 'rejects the service_account credentials' in str(caught.value)
    assert str(tmp_path) not in str(caught.value)
    assert 'PRIVATE KEY' not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_find_gcloud_looks_in_the_sdk_directories():
    seen = {}

    def get_bin_path(name, opt_dirs=None):
        seen['name'], seen['dirs'] = name, opt_dirs
        return '/usr/lib/google-cloud-sdk/bin/gcloud'

    assert adc.find_gcloud(get_bin_path, '/home/u') == '/usr/lib/google-cloud-sdk/bin/gcloud'
    assert seen['name'] == 'gcloud' and '/home/u/google-cloud-sdk/bin' in seen['dirs']


class FakeResponse(object):
    def __init__(self, status, data):
        self.status = status
        self.headers = {'content-type': 'application/json'}
        self.data = json.dumps(data).encode()


class FakeTransport(object):
    """Stands in for the HTTP transport (the network boundary); the integration tests use a real server."""
    calls = []
    answer = None

    def __init__(self, timeout):
        self.timeout = timeout

    def __call__(self, url, method='GET', body=None, headers=None, **kwargs):
        FakeTransport.calls.append(dict(url=url, method=method, body=body, timeout=self.timeout))
        return FakeResponse(*FakeTransport.answer)


@pytest.fixture
def transport(monkeypatch):
    FakeTransport.calls = []
    monkeypatch.setattr(adc, '_Request', FakeTransport)
    return FakeTransport


def test_verify_authorized_user_returns_expiry_and_email(tmp_path, transport):
    claims = base64.urlsafe_b64encode(json.dumps({'email': 'dev@example.com'}).encode()).rstrip(b'=').decode()
    transport.answer = (200, {'access_token': 'ya29.unit', 'expires_in': 3599, 'id_token': 'e30.%s.' % claims})
    info = dict(AUTHORIZED_USER, token_uri='http://127.0.0.1:9/token')
    credentials, dummy, dummy = adc.load(info, str(tmp_path))
    result = adc.verify(info, credentials, timeout=7)
    assert result['token'] == 'ya29.unit'
    assert result['principal'] == 'dev@example.com'
    assert result['expiry'].endswith('Z') and 'T' in result['expiry']
    # the file's token_uri is used, with a warning that Claude Code ignores it
    assert transport.calls[0]['url'] == 'http://127.0.0.1:9/token' and transport.calls[0]['timeout'] == 7
    assert 'ignore the token_uri' in result['notes'][0]


def test_verify_impersonation_calls_the_url_of_the_file(tmp_path, transport, service_account):
    url = 'http://127.0.0.1:9/v1/projects/-/serviceAccounts/claude@proj.iam.gserviceaccount.com:generateAccessToken'
    info = {'type': 'impersonated_service_account', 'service_account_impersonation_url': url,
            'source_credentials': service_account, 'delegates': []}
    transport.answer = (200, {'access_token': 'ya29.source', 'expires_in': 3599,
                              'accessToken': 'ya29.target', 'expireTime': '2030-01-01T00:00:00Z'})
    credentials, dummy, dummy = adc.load(info, str(tmp_path))
    result = adc.verify(info, credentials)
    assert [call['url'] for call in transport.calls] == ['https://oauth2.googleapis.com/token', url]
    assert json.loads(transport.calls[1]['body'])['scope'] == [adc.CLOUD_PLATFORM_SCOPE]
    assert result['principal'] == 'claude@proj.iam.gserviceaccount.com'
    assert result['expiry'] == '2030-01-01T00:00:00Z' and result['notes'] == []


def test_verify_failure_says_why_without_the_secret(tmp_path, transport):
    transport.answer = (400, {'error': 'invalid_grant', 'error_description': 'Token has been expired or revoked.'})
    credentials, dummy, dummy = adc.load(AUTHORIZED_USER, str(tmp_path))
    with pytest.raises(adc.AdcError) as caught:
        adc.verify(AUTHORIZED_USER, credentials)
    assert 'invalid_grant' in str(caught.value) and 'expired or revoked' in str(caught.value)
    assert AUTHORIZED_USER['refresh_token'] not in str(caught.value)
    assert AUTHORIZED_USER['client_secret'] not in str(caught.value)
