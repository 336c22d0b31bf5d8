# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One test (or more) per finding rule of the doctor, on homes built in tmp_path."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils import _doctor, _settings
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import UserInfo
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import SecretPolicy, SettingsError

SECRET = 'sk-ant-api03-DOCTOR-UNIT-CANARY'
TOKEN = 'gw-token-DOCTOR-UNIT-CANARY'


@pytest.fixture
def home(tmp_path, monkeypatch):
    managed = tmp_path / 'etc-claude-code'
    managed.mkdir()
    monkeypatch.setitem(_settings.MANAGED_DIRS, 'Linux', str(managed))
    monkeypatch.setitem(_settings.MANAGED_DIRS, 'Darwin', str(managed))
    user_home = tmp_path / 'home'
    (user_home / '.claude').mkdir(parents=True)
    user_home.chmod(0o700)
    return user_home


def user_of(home):
    return UserInfo('alice', os.getuid(), os.getgid(), str(home))


def write(path, data, mode=0o600):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    path.chmod(mode)
    return str(path)


def settings(home, env=None, mode=0o600, **keys):
    data = dict(keys)
    if env is not None:
        data['env'] = env
    return write(home / '.claude' / 'settings.json', data, mode)


def managed(home, data, mode=0o644):
    return write(home.parent / 'etc-claude-code' / 'managed-settings.json', data, mode)


def diagnose(home, cli=None, **options):
    facts = _doctor.collect_user(user_of(home), SecretPolicy(), host_cli_info=cli)
    return facts, _doctor.diagnose(facts, options)


def codes(found):
    return sorted(f['code'] for f in found)


def test_healthy_bedrock_user_has_no_finding(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_REGION': 'eu-central-1', 'AWS_PROFILE': 'dev',
                    'ANTHROPIC_MODEL': 'eu.anthropic.claude-sonnet-4-6',
                    'ANTHROPIC_DEFAULT_HAIKU_MODEL': 'eu.anthropic.claude-haiku-4-5-20251001-v1:0'})
    write(home / '.aws' / 'config', '[profile dev]\nregion = eu-central-1\n')
    facts, found = diagnose(home)
    assert found == []
    assert facts.provider() == 'bedrock'


def test_healthy_unconfigured_user_has_no_finding(home):
    facts, found = diagnose(home)
    assert found == [] and facts.provider() == 'none'


def test_multiple_providers(home):
    path = settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_REGION': 'us-east-1'})
    managed(home, {'env': {'CLAUDE_CODE_USE_VERTEX': 'true', 'CLOUD_ML_REGION': 'global',
                           'ANTHROPIC_VERTEX_PROJECT_ID': 'p', 'CLAUDE_CODE_SKIP_VERTEX_AUTH': '1'}})
    facts, found = diagnose(home)
    assert codes(found) == ['DFCC101']
    assert 'CLAUDE_CODE_USE_BEDROCK (%s)' % path in found[0]['message']
    assert facts.provider() == 'multiple' and facts.providers() == ['bedrock', 'vertex']


def test_provider_switch_off_values_do_not_count(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '0', 'CLAUDE_CODE_USE_VERTEX': 'false'})
    facts, found = diagnose(home)
    assert found == [] and facts.providers() == []


def test_api_key_shadowed_by_token_and_helper(home):
    helper = write(home / '.claude' / 'helper.sh', '#!/bin/sh\necho key\n', 0o700)
    settings(home, {'ANTHROPIC_API_KEY': SECRET, 'ANTHROPIC_AUTH_TOKEN': TOKEN}, apiKeyHelper=helper)
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC102', 'DFCC102']
    assert {f['key'] for f in found} == {'ANTHROPIC_API_KEY', 'apiKeyHelper'}
    assert SECRET not in json.dumps(found) and TOKEN not in json.dumps(found)


def test_managed_force_login_blocks_gateway(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': TOKEN})
    path = managed(home, {'forceLoginMethod': 'claudeai'})
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC103']
    assert found[0]['file'] == path and found[0]['severity'] == 'error'


def test_force_login_gateway_or_user_scope_is_fine(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': TOKEN},
             forceLoginMethod='console')  # only managed settings can force a login
    managed(home, {'forceLoginMethod': 'gateway'})
    dummy, found = diagnose(home)
    assert found == []


def test_bedrock_without_region(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1'})
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC111']


def test_bedrock_region_from_profile(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_PROFILE': 'dev'})
    write(home / '.aws' / 'config', '[profile dev]\nregion = eu-west-1\n')
    dummy, found = diagnose(home)
    assert found == []


def test_bedrock_profile_missing(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_PROFILE': 'nosuch', 'AWS_REGION': 'us-east-1'})
    write(home / '.aws' / 'config', '[profile dev]\nregion = eu-west-1\n')
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC112'] and found[0]['key'] == 'AWS_PROFILE'


def test_bedrock_profile_in_credentials_file_counts(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_PROFILE': 'keys', 'AWS_REGION': 'us-east-1'})
    write(home / '.aws' / 'credentials', '[keys]\naws_access_key_id = AKIA\naws_secret_access_key = x\n')
    dummy, found = diagnose(home)
    assert found == []


def test_vertex_needs_project_region_and_adc(home):
    settings(home, {'CLAUDE_CODE_USE_VERTEX': '1'})
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC113', 'DFCC114', 'DFCC115']


def test_vertex_healthy_with_adc_project(home):
    settings(home, {'CLAUDE_CODE_USE_VERTEX': '1', 'CLOUD_ML_REGION': 'global'})
    write(home / '.config' / 'gcloud' / 'application_default_credentials.json',
          {'type': 'service_account', 'project_id': 'proj', 'private_key': 'x', 'client_email': 'a@b'})
    dummy, found = diagnose(home)
    assert found == []


def test_vertex_adc_unreadable_by_user():
    user = UserInfo('nobody-like', 65534, 65534, '/nonexistent')
    facts = _doctor.UserFacts(user, env={'CLAUDE_CODE_USE_VERTEX': {'value': '1', 'path': 'p', 'scope': 'user'},
                                         'CLOUD_ML_REGION': {'value': 'global', 'path': 'p', 'scope': 'user'},
                                         'ANTHROPIC_VERTEX_PROJECT_ID': {'value': 'x', 'path': 'p', 'scope': 'user'}},
                              adc=dict(path='/root/adc.json', exists=True, readable=False, data=None),
                              policy=SecretPolicy())
    found = _doctor.diagnose(facts, {})
    assert codes(found) == ['DFCC114'] and 'cannot read' in found[0]['message']


def test_user_can_read():
    import pathlib
    import shutil
    import tempfile
    tmp_path = pathlib.Path(tempfile.mkdtemp(dir='/tmp'))  # pytest's own tmp_path is under a 0700 directory
    try:
        _check_user_can_read(tmp_path)
    finally:
        shutil.rmtree(str(tmp_path))


def _check_user_can_read(tmp_path):
    target = tmp_path / 'f'
    target.write_text('x')
    target.chmod(0o600)
    other = UserInfo('other', 65534, 65534, '/nonexistent')
    tmp_path.chmod(0o755)
    assert not _doctor.user_can_read(other, str(target), groups=[65534])
    target.chmod(0o604)
    assert _doctor.user_can_read(other, str(target), groups=[65534])
    tmp_path.chmod(0o700)
    assert not _doctor.user_can_read(other, str(target), groups=[65534])
    tmp_path.chmod(0o755)


def test_gateway_without_token(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://gw.example.com'})
    facts, found = diagnose(home)
    assert codes(found) == ['DFCC116'] and facts.provider() == 'gateway'


def test_model_pair(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': TOKEN,
                    'ANTHROPIC_MODEL': 'claude-sonnet-4-6'})
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC117'] and found[0]['key'] == 'ANTHROPIC_DEFAULT_HAIKU_MODEL'


def test_model_pair_not_checked_for_anthropic_api(home):
    settings(home, {'ANTHROPIC_API_KEY': SECRET, 'ANTHROPIC_MODEL': 'claude-sonnet-4-6'})
    dummy, found = diagnose(home)
    assert found == []


def test_deprecated_and_unknown_names(home):
    settings(home, {'ANTHROPIC_SMALL_FAST_MODEL': 'claude-haiku-4-5', 'CLAUDE_CODE_USE_BEDRCK': '1'})
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC121', 'DFCC122']
    unknown = [f for f in found if f['code'] == 'DFCC122'][0]
    assert 'CLAUDE_CODE_USE_BEDROCK' in unknown['message']  # the "did you mean" hint


def test_legacy_env_in_claude_json(home):
    write(home / '.claude.json', {'env': {'CLAUDE_CODE_USE_BEDROCK': 'true'}, 'numStartups': 3})
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC123'] and found[0]['file'] == str(home / '.claude.json')


def test_invalid_json(home):
    path = write(home / '.claude' / 'settings.json', '{"env": {')
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC124'] and found[0]['file'] == path and 'not valid JSON' in found[0]['message']


def test_planted_symlink_is_not_followed(home, tmp_path):
    target = write(tmp_path / 'elsewhere.json', {'env': {'ANTHROPIC_API_KEY': SECRET}})
    (home / '.claude').chmod(0o777)  # a directory others can write: a link there may be planted
    os.symlink(target, str(home / '.claude' / 'settings.json'))
    try:
        facts, found = diagnose(home)
    finally:
        (home / '.claude').chmod(0o700)
    assert codes(found) == ['DFCC124'] and facts.env == {}


def test_world_readable_secret(home):
    settings(home, {'ANTHROPIC_API_KEY': SECRET}, mode=0o644)
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC131'] and '0644' in found[0]['message']
    assert SECRET not in json.dumps(found)


def test_world_readable_without_secret_is_fine(home):
    settings(home, {'ANTHROPIC_MODEL': 'claude-sonnet-4-6'}, mode=0o644)
    dummy, found = diagnose(home)
    assert found == []


def test_world_readable_aws_credentials(home):
    write(home / '.aws' / 'credentials', '[default]\naws_access_key_id = AKIA\n', 0o644)
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC131']


def test_helper_missing(home):
    settings(home, apiKeyHelper=". '%s'" % (home / '.claude' / 'nosuch.sh'))
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC132']


def test_helper_not_executable(home):
    helper = write(home / 'helper', '#!/bin/sh\necho k\n', 0o600)
    settings(home, apiKeyHelper=helper + ' --quiet')
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC133']


def test_sourced_helper_needs_no_x_bit(home):
    helper = write(home / '.claude' / 'helper.sh', 'printf "%s\\n" k\n', 0o600)
    settings(home, apiKeyHelper=". '%s'" % helper)
    dummy, found = diagnose(home)
    assert found == []


def test_helper_writable_by_others(home):
    helper = write(home / 'helper', '#!/bin/sh\necho k\n', 0o777)
    settings(home, apiKeyHelper=helper)
    dummy, found = diagnose(home)
    assert codes(found) == ['DFCC134']


def test_helper_owned_by_someone_else(home):
    helper = write(home / 'helper', '#!/bin/sh\necho k\n', 0o755)
    settings(home, apiKeyHelper=helper)
    facts = _doctor.collect_user(user_of(home), SecretPolicy())
    facts.helper['uid'] = os.getuid() + 4242  # stat of a file another user owns
    assert codes(_doctor.diagnose(facts, {})) == ['DFCC134']


def test_helper_on_path_is_not_checked(home):
    settings(home, apiKeyHelper='vault read -field=key secret/claude')
    dummy, found = diagnose(home)
    assert found == []


def npm_cli(tmp_path, version):
    package = tmp_path / 'lib' / 'node_modules' / '@anthropic-ai' / 'claude-code'
    write(package / 'package.json', {'name': '@anthropic-ai/claude-code', 'version': version})
    write(package / 'bin' / 'claude.exe', 'binary', 0o755)
    (tmp_path / 'bin').mkdir()
    os.symlink('../lib/node_modules/@anthropic-ai/claude-code/bin/claude.exe', str(tmp_path / 'bin' / 'claude'))
    return str(tmp_path / 'bin' / 'claude')


def test_find_cli_npm_and_native(tmp_path):
    npm = npm_cli(tmp_path / 'npm', '2.1.332')
    assert _doctor.find_cli(npm)['version'] == '2.1.332'
    assert _doctor.find_cli(npm)['install'] == 'npm'
    native = write(tmp_path / 'share' / 'claude' / 'versions' / '2.1.197', 'binary', 0o755)
    os.symlink(native, str(tmp_path / 'claude'))
    assert _doctor.find_cli(str(tmp_path / 'claude')) == dict(
        path=str(tmp_path / 'claude'), realpath=native, version='2.1.197', install='native')
    assert _doctor.find_cli(str(tmp_path / 'nosuch')) is None
    assert _doctor.host_cli([str(tmp_path / 'nosuch'), npm])['path'] == npm


def test_user_cli_wins_over_host_cli(home, tmp_path):
    native = write(tmp_path / 'share' / 'versions' / '2.1.100' / 'claude', 'binary', 0o755)
    (home / '.local' / 'bin').mkdir(parents=True)
    os.symlink(native, str(home / '.local' / 'bin' / 'claude'))
    facts, found = diagnose(home, cli=dict(path='/usr/local/bin/claude', version='2.1.332', install='npm'),
                            min_version='2.1.200', version='2.1.332')
    assert codes(found) == ['DFCC142', 'DFCC143'] and facts.cli['version'] == '2.1.100'


def test_cli_versions(home):
    cli = dict(path='/usr/local/bin/claude', version='2.1.332', install='npm')
    assert diagnose(home, cli=cli, min_version='2.1.200', version='2.1.332')[1] == []
    assert codes(diagnose(home, cli=cli, version='2.1.400')[1]) == ['DFCC143']
    assert codes(diagnose(home, cli=cli, min_version='2.2.0')[1]) == ['DFCC142']
    assert codes(diagnose(home, cli=None, min_version='2.2.0')[1]) == ['DFCC141']
    assert diagnose(home, cli=None)[1] == []  # no version asked for: a host without the CLI is not a finding


def test_drift(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://old.example.com', 'ANTHROPIC_AUTH_TOKEN': TOKEN,
                    'AWS_PROFILE': 'left-over'}, awsAuthRefresh='aws sso login')
    expected_env = {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': TOKEN + '-rotated',
                    'AWS_PROFILE': None, 'DISABLE_TELEMETRY': '1'}
    dummy, found = diagnose(home, expected_env=expected_env, expected_settings={'awsAuthRefresh': None})
    assert codes(found) == ['DFCC151'] * 4 + ['DFCC152']
    text = json.dumps(found)
    assert TOKEN not in text and 'rotated' not in text
    assert 'https://gw.example.com' in text  # public values are shown
    assert [f for f in found if f['key'] == 'ANTHROPIC_AUTH_TOKEN'][0]['message'].endswith('(compared by SHA-256)')


def test_no_drift_when_equal(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': TOKEN,
                    'DISABLE_TELEMETRY': '1', 'API_TIMEOUT_MS': '600000'})
    dummy, found = diagnose(home, expected_env={'ANTHROPIC_BASE_URL': 'https://gw.example.com',
                                                'ANTHROPIC_AUTH_TOKEN': TOKEN, 'AWS_PROFILE': None,
                                                'DISABLE_TELEMETRY': True, 'API_TIMEOUT_MS': 600000})
    assert found == []


def test_ignore(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'https://gw.example.com'})
    assert diagnose(home, ignore=['DFCC116'])[1] == []
    assert diagnose(home, ignore=['gateway-no-token'])[1] == []


def test_user_result_redacts_and_counts(home):
    settings(home, {'ANTHROPIC_API_KEY': SECRET, 'AWS_REGION': 'eu-west-1'}, mode=0o644,
             otelHeadersHelper='echo %s' % SECRET)
    facts, found = diagnose(home)
    result = _doctor.user_result(facts, found)
    text = json.dumps(result)
    assert SECRET not in text
    assert result['env']['ANTHROPIC_API_KEY']['value'] == '<secret>'
    assert result['env']['AWS_REGION']['value'] == 'eu-west-1'
    assert result['counts'] == {'error': 1, 'warning': 0, 'info': 0} and result['ok'] is False
    assert _doctor.secret_values(facts) == {SECRET}


def test_findings_have_the_documented_shape(home):
    settings(home, {'CLAUDE_CODE_USE_VERTEX': '1', 'CLAUDE_CODE_USE_BEDROCK': '1'})
    dummy, found = diagnose(home)
    assert found and all(set(f) == {'code', 'name', 'severity', 'file', 'key', 'message', 'fix'} for f in found)
    severities = [_doctor.SEVERITIES.index(f['severity']) for f in found]
    assert severities == sorted(severities)


def test_catalogue_is_consistent():
    assert len(_doctor.CODE_BY_NAME) == len(_doctor.CATALOGUE)
    for code, (name, severity, fix) in _doctor.CATALOGUE.items():
        assert code.startswith('DFCC') and severity in _doctor.SEVERITIES and fix


@pytest.mark.parametrize('options, message', [
    ({'min_version': 'latest'}, 'min_version must be a version'),
    ({'ignore': ['DFCC999']}, 'unknown finding codes DFCC999'),
    ({'expected_env': {'A': ['x']}}, 'expected_env: A must be a string'),
])
def test_check_options(options, message):
    with pytest.raises(SettingsError, match=message):
        _doctor.check_options(options)


def test_discover_users(monkeypatch, tmp_path):
    for name in ('with', 'without'):
        (tmp_path / name).mkdir()
    (tmp_path / 'with' / '.claude').mkdir()

    class Entry(object):
        def __init__(self, name):
            self.pw_name, self.pw_dir = name, str(tmp_path / name)
    monkeypatch.setattr(_doctor.pwd, 'getpwall', lambda: [Entry('without'), Entry('with')])
    assert _doctor.list_users([]) == ['with']
    assert _doctor.list_users(['bob']) == ['bob']


class FakeClock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        self.now += 0.005
        return self.now


def probe(home, run=None, status=None, **options):
    facts = _doctor.collect_user(user_of(home), SecretPolicy())
    calls = []

    def http(method, url, headers, body, timeout):
        calls.append((method, url, dict(headers)))
        if isinstance(status, Exception):
            raise status
        return (status or {}).get(method, 200)
    result, found, secrets = _doctor.probe_user(facts, options, run or (lambda *a: (0, b'key-from-helper\n', b'')),
                                                http, FakeClock())
    return result, found, secrets, calls


def test_probe_helper_and_gateway(home):
    helper = write(home / 'helper.sh', 'printf "%s\\n" key-from-helper\n', 0o700)
    settings(home, {'ANTHROPIC_BASE_URL': 'http://127.0.0.1:20499/'}, apiKeyHelper=". '%s'" % helper)
    result, found, secrets, calls = probe(home)
    assert result['ok'] is True and found == []
    assert [s['name'] for s in result['steps']] == ['helper', 'reach', 'auth']
    assert all(s['ms'] == 5 for s in result['steps'])
    assert calls[0][:2] == ('HEAD', 'http://127.0.0.1:20499/')
    assert calls[1][1] == 'http://127.0.0.1:20499/v1/messages/count_tokens'
    assert calls[1][2]['Authorization'] == 'Bearer key-from-helper'
    assert secrets == {'key-from-helper'}
    assert 'key-from-helper' not in json.dumps(result)


def test_probe_rotated_key_fails_clearly(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'http://127.0.0.1:20499', 'ANTHROPIC_AUTH_TOKEN': TOKEN})
    result, found, secrets, calls = probe(home, status={'POST': 401})
    assert result['ok'] is False and codes(found) == ['DFCC161']
    assert 'the key was rejected (count_tokens: HTTP 401)' in found[0]['message']
    assert TOKEN not in json.dumps([result, found]) and secrets == {TOKEN}


def test_probe_helper_failure_and_unreachable(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'http://127.0.0.1:20499'}, apiKeyHelper='/bin/false')
    result, found, dummy, calls = probe(home, run=lambda *a: (1, b'', b'api-key-helper: no key file\n'),
                                        status=OSError('connection refused'))
    assert [(s['name'], s['ok']) for s in result['steps']] == [('helper', False), ('reach', False)]
    assert 'no key file' in result['steps'][0]['detail'] and 'connection refused' in result['steps'][1]['detail']
    assert codes(found) == ['DFCC161', 'DFCC161']


def test_probe_skips_cloud_providers(home):
    settings(home, {'CLAUDE_CODE_USE_BEDROCK': '1', 'AWS_REGION': 'us-east-1'})
    result, found, dummy, calls = probe(home)
    assert result['ok'] is None and 'bedrock_info' in result['skipped'] and calls == [] and found == []


def test_probe_claude(home):
    settings(home, {'ANTHROPIC_BASE_URL': 'http://127.0.0.1:20499', 'ANTHROPIC_AUTH_TOKEN': TOKEN,
                    'ANTHROPIC_MODEL': 'm1'})
    facts = _doctor.collect_user(user_of(home), SecretPolicy(), host_cli_info={'path': '/usr/bin/claude', 'version': '2.1.332'})
    argvs = []

    def run(user, argv, timeout, env):
        argvs.append(argv)
        return 0, b'OK\n', b''
    result, found, dummy = _doctor.probe_user(facts, {'probe_claude': True}, run, lambda *a: 200, FakeClock())
    assert result['ok'] and result['steps'][-1]['name'] == 'claude'
    assert argvs == [['/usr/bin/claude', '-p', 'Reply with the word OK.', '--model', 'm1']]
