# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pull agent's runner, with a stand-in ansible-pull (a script) and a real git checkout."""

from __future__ import annotations

import fcntl
import io
import json
import os
import shutil
import stat
import subprocess

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils import _pull_agent
from ansible_collections.devfleet.claude_code.plugins.module_utils._pull_agent import (
    load_config,
    main,
    pull_command,
    read_status,
    redact_url,
    run,
    use_only_if_changed,
)

pytestmark = pytest.mark.skipif(shutil.which('git') is None, reason='needs git')

# Records its arguments, prints what FAKE_PULL_SAYS says, exits with FAKE_PULL_RC.
FAKE_PULL = '''#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_PULL_ARGS"
printf '%s\\n' "ANSIBLE_INVENTORY=$ANSIBLE_INVENTORY" >> "$FAKE_PULL_ARGS"
printf '%s\\n' "$FAKE_PULL_SAYS"
exit "$FAKE_PULL_RC"
'''


def git(*args, cwd):
    return subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.invalid'] + list(args), cwd=cwd,
                          check=True, capture_output=True).stdout.decode().strip()


@pytest.fixture
def agent(tmp_path):
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    fake = venv / 'bin' / 'ansible-pull'
    fake.write_text(FAKE_PULL)
    fake.chmod(0o755)
    checkout = tmp_path / 'state' / 'checkout'
    checkout.mkdir(parents=True)
    git('init', '-q', cwd=str(checkout))
    (checkout / 'pull.yml').write_text('---\n')
    git('add', '-A', cwd=str(checkout))
    git('commit', '-q', '-m', 'one', cwd=str(checkout))
    cli = tmp_path / 'claude'
    cli.write_text('#!/bin/sh\necho "2.1.332 (Claude Code)"\n')
    cli.chmod(0o755)
    config = {
        'url': 'https://reader:s3cr3t-token@git.example.com/fleet.git', 'version': 'main',
        'directory': str(checkout), 'playbook': 'pull.yml', 'inventory': 'inventory', 'host': 'laptop-42',
        'venv': str(venv), 'state_dir': str(tmp_path / 'state'), 'status_file': str(tmp_path / 'state' / 'status.json'),
        'vault_password_file': '/etc/devfleet-pull/vault-password', 'only_if_changed': True, 'extra_args': [],
        'cli_version_command': [str(cli), '--version'], 'ansible_core': '2.19.14',
        'environment': {'FAKE_PULL_ARGS': str(tmp_path / 'args'), 'FAKE_PULL_SAYS': 'PLAY RECAP', 'FAKE_PULL_RC': '0'},
    }
    return config


def pull(config, says='PLAY RECAP', rc=0, **kwargs):
    config['environment'].update(FAKE_PULL_SAYS=says, FAKE_PULL_RC=str(rc))
    if os.path.exists(config['environment']['FAKE_PULL_ARGS']):
        os.unlink(config['environment']['FAKE_PULL_ARGS'])
    out = io.BytesIO()
    code = run(config, out=out, **kwargs)
    args_file = config['environment']['FAKE_PULL_ARGS']
    args = open(args_file).read().splitlines() if os.path.exists(args_file) else None
    return code, args, out.getvalue().decode(), read_status(config['status_file'])


def test_first_run_applies_and_leaves_a_status(agent):
    code, args, out, status = pull(agent)
    head = git('rev-parse', 'HEAD', cwd=agent['directory'])
    assert code == 0
    assert '--only-if-changed' not in args  # nothing applied yet
    assert args[args.index('--limit') + 1] == 'localhost,laptop-42'
    assert args[args.index('--vault-password-file') + 1] == '/etc/devfleet-pull/vault-password'
    assert args[args.index('--checkout') + 1] == 'main'
    assert args[-2] == 'pull.yml'
    assert args[-1] == 'ANSIBLE_INVENTORY=%s/inventory' % agent['directory']
    assert 'PLAY RECAP' in out and 'devfleet-pull: ok' in out
    assert status['result'] == 'ok' and status['rc'] == 0
    assert status['commit'] == status['applied_commit'] == head
    assert status['applied_at'] == status['last_success'] == status['finished']
    assert status['cli_version'] == '2.1.332 (Claude Code)'
    assert status['repository'] == 'https://git.example.com/fleet.git'
    assert status['consecutive_failures'] == 0
    st = os.stat(agent['status_file'])
    assert stat.S_IMODE(st.st_mode) == 0o644
    assert 's3cr3t-token' not in open(agent['status_file']).read()
    assert [n for n in os.listdir(agent['state_dir']) if n.endswith('.tmp')] == []


def test_unchanged_run_skips_the_playbook_and_keeps_what_was_applied(agent):
    first = pull(agent)[3]
    code, args, out, status = pull(agent, says='Repository has not changed, quitting: b"..."')
    assert code == 0
    assert '--only-if-changed' in args
    assert status['result'] == 'unchanged'
    assert status['applied_commit'] == first['applied_commit']
    assert status['applied_at'] == first['applied_at']


def test_output_without_the_marker_is_a_full_run(agent):
    pull(agent)
    status = pull(agent, says='PLAY RECAP')[3]
    assert status['result'] == 'ok'


def test_failed_run_keeps_the_applied_commit_and_is_retried_in_full(agent):
    first = pull(agent)[3]
    (open(os.path.join(agent['directory'], 'pull.yml'), 'a')).write('- hosts: [\n')
    git('commit', '-q', '-am', 'broken', cwd=agent['directory'])
    broken = git('rev-parse', 'HEAD', cwd=agent['directory'])
    code, args, out, status = pull(agent, says='ERROR! We were unable to read either as JSON nor YAML', rc=4)
    assert code == 4
    assert status['result'] == 'failed' and status['rc'] == 4
    assert status['commit'] == broken
    assert status['applied_commit'] == first['applied_commit']
    assert status['last_success'] == first['last_success']
    assert status['consecutive_failures'] == 1
    code, args, out, status = pull(agent, rc=4)
    assert '--only-if-changed' not in args  # retried in full, not skipped as unchanged
    assert status['consecutive_failures'] == 2
    code, args, out, status = pull(agent)
    assert status['result'] == 'ok' and status['applied_commit'] == broken and status['consecutive_failures'] == 0


def test_full_flag_and_disabled_only_if_changed(agent):
    pull(agent)
    assert '--only-if-changed' not in pull(agent, full=True)[1]
    agent['only_if_changed'] = False
    assert '--only-if-changed' not in pull(agent)[1]


def test_a_held_lock_makes_the_run_do_nothing(agent):
    os.makedirs(agent['state_dir'], exist_ok=True)
    with open(os.path.join(agent['state_dir'], 'run.lock'), 'a') as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        code, args, out, status = pull(agent)
    assert code == 0
    assert args is None and status is None
    assert 'another run holds the lock' in out


def test_missing_cli_reports_no_version(agent):
    agent['cli_version_command'] = ['/nonexistent/claude', '--version']
    assert pull(agent)[3]['cli_version'] is None


def test_read_status_refuses_what_it_cannot_use(tmp_path):
    path = tmp_path / 'status.json'
    assert read_status(str(path)) is None
    path.write_text('not json')
    assert read_status(str(path)) is None
    path.write_text('[1, 2]')
    assert read_status(str(path)) is None
    link = tmp_path / 'link.json'
    link.symlink_to('/etc/passwd')
    os.chmod(str(tmp_path), 0o777)  # a directory others can write: its links are not followed
    try:
        assert read_status(str(link)) is None
    finally:
        os.chmod(str(tmp_path), 0o755)


@pytest.mark.parametrize('url, expected', [
    ('https://user:tok@git.example.com/fleet.git', 'https://git.example.com/fleet.git'),
    ('https://git.example.com/fleet.git', 'https://git.example.com/fleet.git'),
    ('ssh://git@git.example.com/fleet.git', 'ssh://git.example.com/fleet.git'),
    ('git@git.example.com:fleet.git', 'git@git.example.com:fleet.git'),
    ('/srv/fleet.git', '/srv/fleet.git'),
])
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def test_use_only_if_changed():
    config = {'only_if_changed': True}
    assert not use_only_if_changed(config, None, 'a' * 40)
    assert use_only_if_changed(config, {'result': 'ok', 'applied_commit': 'a' * 40}, 'a' * 40)
    assert use_only_if_changed(config, {'result': 'unchanged', 'applied_commit': 'a' * 40}, 'a' * 40)
    assert not use_only_if_changed(config, {'result': 'failed', 'applied_commit': 'a' * 40}, 'a' * 40)
    assert not use_only_if_changed(config, {'result': 'ok', 'applied_commit': 'b' * 40}, 'a' * 40)
    assert not use_only_if_changed(config, {'result': 'ok', 'applied_commit': None}, None)
    assert not use_only_if_changed({'only_if_changed': False}, {'result': 'ok', 'applied_commit': 'a' * 40}, 'a' * 40)


def test_pull_command_extra_args_and_no_vault():
    config = {'url': 'u', 'directory': '/d', 'host': 'h', 'venv': '/v', 'playbook': 'p.yml',
              'extra_args': ['--accept-host-key']}
    argv = pull_command(config, True)
    assert argv == ['/v/bin/ansible-pull', '--url', 'u', '--directory', '/d', '--limit', 'localhost,h',
                    '--only-if-changed', '--accept-host-key', 'p.yml']


def test_load_config_and_main_errors(tmp_path, capsys):
    path = tmp_path / 'agent.json'
    path.write_text(json.dumps({'url': 'u'}))
    with pytest.raises(ValueError, match='lacks directory'):
        load_config(str(path))
    assert main([str(path)]) == 1
    assert 'lacks' in capsys.readouterr().err
    assert main([]) == 2


def test_main_runs_from_a_config_file(agent, tmp_path):
    path = tmp_path / 'agent.json'
    path.write_text(json.dumps(agent))
    assert main(['--full', str(path)]) == 0
    assert read_status(agent['status_file'])['result'] == 'ok'


def test_status_schema_is_documented():
    doc = _pull_agent.__doc__
    for key in ('result', 'rc', 'started', 'finished', 'duration_seconds', 'commit', 'applied_commit', 'applied_at',
                'last_success', 'consecutive_failures', 'cli_version', 'ansible_core', 'host', 'repository'):
        assert '``%s``' % key in doc
