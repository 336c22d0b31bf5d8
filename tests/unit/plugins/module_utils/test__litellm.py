# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The LiteLLM configuration set. The check script runs here against a stand-in `litellm` package (the real
one is exercised by the molecule scenario), which lets every rejection path be forced."""

from __future__ import annotations

import getpass
import os
import stat
import textwrap

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils._litellm import (
    ENV_NAME,
    ProxyConfigError,
    ProxyFiles,
    env_diff,
    parse_env_file,
    quote_env_value,
    render_env_file,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import run_command_as

GOOD = textwrap.dedent('''\
    model_list:
      - model_name: claude-*
        litellm_params:
          model: anthropic/claude-*
          api_key: os.environ/UPSTREAM
    general_settings:
      master_key: os.environ/LITELLM_MASTER_KEY
''')


ENV = {'UPSTREAM': 'sk-upstream-secret-1', 'LITELLM_MASTER_KEY': 'sk-master-secret-1'}


def files(tmp_path, config=GOOD, environment=None, extra=None):
    return ProxyFiles(str(tmp_path / 'etc'), config=config, environment=ENV if environment is None else environment,
                      files=extra or {'hook.py': 'HOOK = 1\n'})


def test_env_file_quoting_round_trips():
    tricky = 'a"b\\c$d`e f#g\'h'
    assert quote_env_value('X', tricky) == '"a\\"b\\\\c\\$d\\`e f#g\'h"'
    data = render_env_file({'X': tricky, 'JSON': '{"k": "v\\n"}'}, '# header\n')
    assert data.startswith(b'# header\n')
    assert parse_env_file(data) == {'X': tricky, 'JSON': '{"k": "v\\n"}'}


@pytest.mark.parametrize('value', ['two\nlines', 'nul\0', 'cr\r'])
def test_env_values_that_systemd_cannot_read_are_refused(value):
    with pytest.raises(ProxyConfigError, match='contains (a line break|a NUL byte|a carriage return)'):
        render_env_file({'X': value}, '')


def test_bad_names_are_refused(tmp_path):
    with pytest.raises(ProxyConfigError, match='not a valid environment variable name'):
        render_env_file({'BAD NAME': 'x'}, '')
    with pytest.raises(ProxyConfigError, match='cannot be used as a file name'):
        files(tmp_path, extra={'../escape': 'x'})
    with pytest.raises(ProxyConfigError, match='cannot be used as a file name'):
        files(tmp_path, extra={ENV_NAME: 'x'})


def test_secret_in_public_file_is_detected(tmp_path):
    leaky = files(tmp_path, config=GOOD + '# sk-upstream-secret-1\n')
    assert leaky.secrets_in_public_files() == ['UPSTREAM']
    assert files(tmp_path).secrets_in_public_files() == []


def test_env_diff_shows_names_only():
    before = render_env_file({'A': 'old-secret', 'B': 'same'}, '')
    diff = env_diff(before, {'A': 'new-secret', 'B': 'same', 'C': 'added'})
    assert 'old-secret' not in repr(diff) and 'new-secret' not in repr(diff)
    assert diff['after'] == 'A=<secret, changed>\nB=<secret>\nC=<secret, changed>\n'


def test_apply_is_idempotent_and_modes_are_right(tmp_path):
    proxy = files(tmp_path)
    current = proxy.current()
    assert proxy.differences(current) == sorted(proxy.desired)
    proxy.apply(current, proxy.differences(current))
    assert proxy.differences(proxy.current()) == []
    etc = tmp_path / 'etc'
    assert stat.S_IMODE(os.stat(str(etc / ENV_NAME)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(etc / 'config.yaml')).st_mode) == 0o640
    assert stat.S_IMODE(os.stat(str(etc)).st_mode) == 0o750
    assert parse_env_file((etc / ENV_NAME).read_bytes()) == ENV


def test_rollback_restores_previous_set(tmp_path):
    first = files(tmp_path)
    first.apply(first.current(), first.differences(first.current()))
    second = files(tmp_path, config=GOOD.replace('claude-*', 'claude-x'), environment=dict(ENV, UPSTREAM='sk-rotated-2'))
    changed = second.differences(second.current())
    assert changed == ['config.yaml', ENV_NAME]
    second.apply(second.current(), changed)
    assert second.differences(second.current()) == []
    restored = ProxyFiles(str(tmp_path / 'etc')).rollback(check_mode=False)
    assert restored == ['config.yaml', ENV_NAME]
    assert first.differences(first.current()) == []
    assert ProxyFiles(str(tmp_path / 'etc')).rollback(check_mode=False) == []  # one level only, then a no-op


def test_rollback_of_a_first_install_removes_the_files(tmp_path):
    proxy = files(tmp_path)
    proxy.apply(proxy.current(), proxy.differences(proxy.current()))
    assert sorted(ProxyFiles(str(tmp_path / 'etc')).rollback(check_mode=False)) == sorted(proxy.desired)
    assert not (tmp_path / 'etc' / 'config.yaml').exists()


def check(tmp_path, venv, config=GOOD, environment=None, extra_env=None):
    proxy = files(tmp_path, config=config, environment=environment)
    env = dict(ENV if environment is None else environment, **(extra_env or {}))
    return proxy.validate(venv, getpass.getuser(), env, 60)


def test_check_accepts_a_good_config(tmp_path, fake_venv):
    result = check(tmp_path, fake_venv())
    assert result == {'ok': True, 'errors': [], 'models': 1, 'version': '1.108.7'}
    assert not any(name.startswith('.candidate-') for name in os.listdir(str(tmp_path)))


def test_check_rejects_missing_environment(tmp_path, fake_venv):
    result = check(tmp_path, fake_venv(), environment={'LITELLM_MASTER_KEY': 'sk-master-secret-1'})
    assert not result['ok']
    assert 'os.environ/UPSTREAM, which the environment file does not set' in result['errors'][0]


def test_check_rejects_dropped_models(tmp_path, fake_venv):
    config = GOOD + '  - model_name: broken\n    litellm_params:\n      model: nosuch/x\n'
    config = config.replace('general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n', '') + \
        'general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n'
    result = check(tmp_path, fake_venv(), config=config)
    assert not result['ok'] and 'accepted 1 of the 2 model_list entries; rejected: broken' in result['errors'][0]


def test_check_reports_litellm_errors(tmp_path, fake_venv):
    result = check(tmp_path, fake_venv(), extra_env={'FAKE_LITELLM_RAISE': '1'})
    assert not result['ok'] and 'LiteLLM rejected config.yaml: ValueError: Invalid routing_strategy' in result['errors'][0]


@pytest.mark.parametrize('version', ['1.82.7', '1.82.8'])
def test_check_refuses_compromised_releases(tmp_path, fake_venv, version):
    result = check(tmp_path, fake_venv(version))
    assert not result['ok'] and 'compromised release' in result['errors'][0]


def test_check_refuses_db_unavailable_bypass_and_db_without_prisma(tmp_path, fake_venv):
    venv = fake_venv()
    bypass = GOOD + '  allow_requests_on_db_unavailable: true\n'
    assert 'lets every wrong key' in check(tmp_path, venv, config=bypass)['errors'][0]
    database = GOOD + '  database_url: os.environ/DATABASE_URL\n'
    result = check(tmp_path, venv, config=database, extra_env={'DATABASE_URL': 'postgresql://u:p@h/db'})
    assert 'prisma package is not installed' in result['errors'][0]


def test_check_refuses_invalid_yaml(tmp_path, fake_venv):
    result = check(tmp_path, fake_venv(), config='model_list: [\n  - bad')
    assert not result['ok'] and 'not valid YAML' in result['errors'][0]


def test_missing_venv_is_a_clear_error(tmp_path):
    with pytest.raises(ProxyConfigError, match='install LiteLLM in the virtualenv'):
        check(tmp_path, str(tmp_path / 'nowhere'))


def test_secrets_never_on_the_command_line(tmp_path, fake_venv):
    seen = []

    def spy(user, argv, **kwargs):
        seen.append(argv)
        return run_command_as(user, argv, **kwargs)

    proxy = files(tmp_path)
    assert proxy.validate(fake_venv(), getpass.getuser(), ENV, 60, runner=spy)['ok']
    assert seen and not any(value in ' '.join(argv) for argv in seen for value in ENV.values())
