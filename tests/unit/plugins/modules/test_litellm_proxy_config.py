# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import getpass

from ansible_collections.devfleet.claude_code.plugins.modules import litellm_proxy_config

MASTER = 'sk-master-UNIT-TEST-SECRET'
UPSTREAM = 'sk-ant-api03-UPSTREAM-UNIT-SECRET'
TLS_KEY = '-----BEGIN PRIVATE KEY-----\nUNIT-TEST-KEY\n-----END PRIVATE KEY-----\n'
CONFIG = '''model_list:
  - model_name: claude-*
    litellm_params:
      model: anthropic/claude-*
      api_key: os.environ/UPSTREAM
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
'''


def base_args(tmp_path, venv, **extra):
    args = dict(path=str(tmp_path / 'etc'), config=CONFIG, venv=venv, validate_user=getpass.getuser(),
                environment={'UPSTREAM': UPSTREAM, 'LITELLM_MASTER_KEY': MASTER},
                files={'devfleet_auth.py': 'HOOK = True\n'})
    args.update(extra)
    return args


def test_check_mode_apply_idempotence(tmp_path, run, fake_venv, host_log):
    args = base_args(tmp_path, fake_venv())
    raw, result = run(litellm_proxy_config, args, check=True, diff=True)
    assert result['changed'] and result['validated'] and not (tmp_path / 'etc').exists()
    raw, result = run(litellm_proxy_config, args, diff=True)
    assert result['changed'] and result['models'] == 1 and result['litellm_version'] == '1.108.7'
    assert result['changed_files'] == ['config.yaml', 'devfleet_auth.py', 'litellm.env']
    assert MASTER not in raw and UPSTREAM not in raw
    assert all(MASTER not in repr(entry) and UPSTREAM not in repr(entry) for entry in host_log)
    env_diff = [d for d in result['diff'] if d['after_header'] == 'litellm.env'][0]
    assert env_diff['after'] == 'LITELLM_MASTER_KEY=<secret, changed>\nUPSTREAM=<secret, changed>\n'
    assert UPSTREAM in (tmp_path / 'etc' / 'litellm.env').read_text()
    raw, result = run(litellm_proxy_config, args)
    assert not result['changed'] and not result['validated']


def test_rejected_change_leaves_the_live_files_alone(tmp_path, run, fake_venv):
    venv = fake_venv()
    run(litellm_proxy_config, base_args(tmp_path, venv))
    before = {p.name: p.read_bytes() for p in (tmp_path / 'etc').iterdir() if p.is_file()}
    broken = CONFIG.replace('general_settings:', '  - model_name: x\n    litellm_params:\n      model: nosuch/x\ngeneral_settings:')
    rotated = {'UPSTREAM': 'sk-rotated-UNIT-SECRET', 'LITELLM_MASTER_KEY': MASTER}
    raw, result = run(litellm_proxy_config, base_args(tmp_path, venv, config=broken, environment=rotated))
    assert result['failed'] and 'rejected, nothing was changed' in result['msg']
    assert 'accepted 1 of the 2 model_list entries' in result['msg']
    assert 'sk-rotated-UNIT-SECRET' not in raw
    assert {p.name: p.read_bytes() for p in (tmp_path / 'etc').iterdir() if p.is_file()} == before


def test_secret_written_into_the_config_is_refused(tmp_path, run, fake_venv):
    raw, result = run(litellm_proxy_config, base_args(tmp_path, fake_venv(), config=CONFIG + '# %s\n' % UPSTREAM))
    assert result['failed'] and 'the value of UPSTREAM appears in config.yaml' in result['msg']
    assert UPSTREAM not in raw
    assert not (tmp_path / 'etc').exists()


def test_rollback(tmp_path, run, fake_venv):
    venv = fake_venv()
    run(litellm_proxy_config, base_args(tmp_path, venv))
    first = (tmp_path / 'etc' / 'config.yaml').read_text()
    run(litellm_proxy_config, base_args(tmp_path, venv, config=CONFIG.replace('claude-*', 'claude-y')))
    assert 'claude-y' in (tmp_path / 'etc' / 'config.yaml').read_text()
    dummy, result = run(litellm_proxy_config, dict(path=str(tmp_path / 'etc'), state='rollback'), check=True)
    assert result['changed'] and result['changed_files'] == ['config.yaml']
    assert 'claude-y' in (tmp_path / 'etc' / 'config.yaml').read_text()
    dummy, result = run(litellm_proxy_config, dict(path=str(tmp_path / 'etc'), state='rollback'))
    assert result['changed'] and (tmp_path / 'etc' / 'config.yaml').read_text() == first
    dummy, result = run(litellm_proxy_config, dict(path=str(tmp_path / 'etc'), state='rollback'))
    assert not result['changed']


def test_tls_key_is_never_shown(tmp_path, run, fake_venv):
    args = base_args(tmp_path, fake_venv(), tls_certificate='CERT', tls_private_key=TLS_KEY, validate=False)
    raw, result = run(litellm_proxy_config, args, diff=True)
    assert result['changed'] and 'tls.key' in result['changed_files']
    assert 'UNIT-TEST-KEY' not in raw
    assert (tmp_path / 'etc' / 'tls.key').read_text() == TLS_KEY


def test_validation_needs_a_venv(tmp_path, run):
    dummy, result = run(litellm_proxy_config, dict(path=str(tmp_path / 'etc'), config=CONFIG))
    assert result['failed'] and 'validate=true needs venv' in result['msg']
