# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# The install check and input handling of claude_code_host; the writes for real users are proven by the
# claude_code_role integration target and the claude_code_fleet molecule scenario.

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.devfleet.claude_code.plugins.modules import claude_code_host

SECRET = 'unit-test-SECRET-access-key-never-shown-0'
HELPER_KEY = 'unit-test-helper-key-never-shown'


def npm_prefix(tmp_path, version, binary=True):
    package = tmp_path / 'lib' / 'node_modules' / '@anthropic-ai' / 'claude-code'
    package.mkdir(parents=True)
    (package / 'package.json').write_text(json.dumps({'name': '@anthropic-ai/claude-code', 'version': version}))
    (tmp_path / 'bin').mkdir()
    if binary:
        (tmp_path / 'bin' / 'claude').symlink_to(package / 'package.json')
    return str(tmp_path)


@pytest.mark.parametrize('installed, binary, found, required', [
    ('2.1.332', True, '2.1.332', False),
    ('2.1.197', True, '2.1.197', True),
    ('2.1.332', False, None, True),  # the package without its command is not an install
])
def test_npm_check_reads_the_package_manifest(tmp_path, run, installed, binary, found, required):
    prefix = npm_prefix(tmp_path, installed, binary)
    raw, result = run(claude_code_host, dict(install=dict(method='npm', version='2.1.332', npm_prefix=prefix)))
    assert result['changed'] is False
    assert result['install'] == dict(version='2.1.332', installed_version=found, required=required)


def test_copy_check_reads_the_version_the_command_links_to(tmp_path, run):
    install_dir, bin_dir = tmp_path / 'opt', tmp_path / 'bin'
    bin_dir.mkdir()
    for version in ('2.1.332', '0.0.1'):
        (install_dir / 'versions' / version).mkdir(parents=True)
        (install_dir / 'versions' / version / 'claude').write_text('#!/bin/sh\n')
        os.chmod(str(install_dir / 'versions' / version / 'claude'), 0o755)
    args = dict(install=dict(method='copy', version='2.1.332', install_dir=str(install_dir), bin_dir=str(bin_dir)))
    raw, result = run(claude_code_host, args)
    assert result['install'] == dict(version='2.1.332', installed_version=None, required=True)
    (bin_dir / 'claude').symlink_to(install_dir / 'versions' / '0.0.1' / 'claude')
    raw, result = run(claude_code_host, args)
    assert result['install'] == dict(version='2.1.332', installed_version='0.0.1', required=True)
    (bin_dir / 'claude').unlink()
    (bin_dir / 'claude').symlink_to(install_dir / 'versions' / '2.1.332' / 'claude')
    raw, result = run(claude_code_host, args)
    assert result['install'] == dict(version='2.1.332', installed_version='2.1.332', required=False)


def test_bad_input_of_a_later_user_fails_before_any_write_and_shows_no_secret(tmp_path, run, host_log):
    config_dir = tmp_path / 'claude'
    args = dict(users=[
        dict(name='root', config_dir=str(config_dir), env={'DISABLE_TELEMETRY': '1'},
             api_key_helper=dict(source='file', key=HELPER_KEY)),
        dict(name='root', aws_profiles=[dict(name='claude', region='not-a-region', access_key_id='AKIAUNIT0000000001',
                                             secret_access_key=SECRET)]),
    ])
    raw, result = run(claude_code_host, args)
    assert result['failed'] and 'each user may be listed once' in result['msg']
    args['users'][1]['name'] = 'daemon'
    raw, result = run(claude_code_host, args)
    assert result['failed'] and 'not-a-region' in result['msg'] and result['users'] == []
    assert not config_dir.exists()
    for secret in (SECRET, HELPER_KEY):
        assert secret not in raw
        assert all(secret not in repr(entry) for entry in host_log)


def test_a_helper_option_the_module_sets_itself_is_refused(tmp_path, run):
    args = dict(users=[dict(name='root', config_dir=str(tmp_path / 'c'),
                            api_key_helper=dict(source='env', env_var='KEY', scope='managed'))])
    raw, result = run(claude_code_host, args)
    assert result['failed'] and 'scope' in result['msg']
    assert not (tmp_path / 'c').exists()


@pytest.mark.parametrize('system, directory', [
    ('Linux', '/etc/claude-code'),
    ('Darwin', '/Library/Application Support/ClaudeCode'),
])
def test_managed_dir_is_resolved_for_the_platform(run, monkeypatch, system, directory):
    """The claude_code role's policy tasks write managed-mcp.json and remove a policy drop-in under this path."""
    from ansible_collections.devfleet.claude_code.plugins.module_utils import _settings
    monkeypatch.setattr(_settings.platform, 'system', lambda: system)
    raw, result = run(claude_code_host, dict(users=[]))
    assert result['managed_dir'] == directory
    assert result['changed'] is False


CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBdfccUnitTestCA\n-----END CERTIFICATE-----\n'
CERT_PEM = '-----BEGIN CERTIFICATE-----\nMIIBdfccUnitTestClientCert\n-----END CERTIFICATE-----\n'
KEY_BODY = 'MIGHAgEAdfccUnitTestClientKeyNeverShown'
KEY_PEM = '-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' % KEY_BODY


def test_tls_files_are_the_users_and_named_in_the_settings(tmp_path, run):
    import pwd
    user = pwd.getpwuid(os.geteuid()).pw_name
    config_dir = tmp_path / 'claude'
    tls_dir = config_dir / 'tls'
    args = dict(users=[dict(name=user, config_dir=str(config_dir), env={'NODE_EXTRA_CA_CERTS': None},
                            tls=dict(ca_bundle=CA_PEM, client_cert=CERT_PEM, client_key=KEY_PEM))])
    raw, result = run(claude_code_host, args, diff=True)
    assert result['changed'] and not result.get('failed')
    assert [entry['path'] for entry in result['users'][0]['tls']] == [
        str(tls_dir / name) for name in ('ca-bundle.pem', 'client-cert.pem', 'client-key.pem')]
    assert tls_dir.stat().st_mode & 0o777 == 0o700
    assert (tls_dir / 'client-key.pem').stat().st_mode & 0o777 == 0o600
    assert (tls_dir / 'client-cert.pem').stat().st_mode & 0o777 == 0o644
    assert (tls_dir / 'client-key.pem').read_text() == KEY_PEM
    assert json.loads((config_dir / 'settings.json').read_text())['env'] == {
        'NODE_EXTRA_CA_CERTS': str(tls_dir / 'ca-bundle.pem'),
        'CLAUDE_CODE_CLIENT_CERT': str(tls_dir / 'client-cert.pem'),
        'CLAUDE_CODE_CLIENT_KEY': str(tls_dir / 'client-key.pem'),
    }
    assert KEY_BODY not in raw  # not in the result, the diff or the invocation
    assert 'MIIBdfccUnitTestClientCert' in raw  # certificates are public: the diff shows them
    raw, result = run(claude_code_host, args)
    assert not result['changed']
    # a path given in env wins over the file the module writes
    args['users'][0]['env'] = {'NODE_EXTRA_CA_CERTS': '/etc/ssl/certs/ca-certificates.crt'}
    raw, result = run(claude_code_host, args)
    env = json.loads((config_dir / 'settings.json').read_text())['env']
    assert env['NODE_EXTRA_CA_CERTS'] == '/etc/ssl/certs/ca-certificates.crt'


@pytest.mark.parametrize('option, value', [
    ('ca_bundle', 'not a certificate'),
    ('client_cert', KEY_PEM),
    ('client_key', CERT_PEM),
])
def test_tls_text_that_is_not_the_right_pem_fails_before_any_write(tmp_path, run, option, value):
    args = dict(users=[dict(name='root', config_dir=str(tmp_path / 'c'), tls={option: value})])
    raw, result = run(claude_code_host, args)
    assert result['failed'] and 'tls.%s: not PEM text' % option in result['msg']
    assert not (tmp_path / 'c').exists()
    assert KEY_BODY not in raw
