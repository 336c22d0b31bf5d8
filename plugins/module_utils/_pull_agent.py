# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pull agent's runner and its status file (private to the collection: the interface may change).

The devfleet.claude_code.pull_agent role installs this file, with _fs.py, under
``<pull_agent_home>/lib/ansible_collections/devfleet/claude_code/plugins/module_utils/`` on each machine, where
systemd (or launchd) runs it with the agent's own Python on a timer. It needs nothing but the standard library and
_fs, so it works before the collection itself is installed (first run with the collection in the repository).

One run:

1. takes an exclusive lock (``fcntl.flock`` on ``<state_dir>/run.lock``): a second run while one is going,
   from the timer or by hand, exits at once without doing anything;
2. runs ``ansible-pull`` against the repository, with ``--only-if-changed`` unless the previous run did not
   succeed (a failed run is retried in full until it succeeds, so a flaky network or a fixed mistake in the
   machine's state does not wait for the next commit);
3. writes the status file (JSON, root-owned, 0644, no secrets) atomically through _fs.ManagedFile.

The status file (schema 1) holds: ``result`` (``ok``: the playbook ran and succeeded; ``unchanged``: the
repository had no new commit, nothing ran; ``failed``: the checkout or the playbook failed), ``rc``,
``started``/``finished`` (UTC, ISO 8601), ``duration_seconds``, ``commit`` (the checkout's HEAD after the run),
``applied_commit`` and ``applied_at`` (the last commit a successful run applied, and when), ``last_success``,
``consecutive_failures``, ``cli_version`` (``claude --version``, or null), ``ansible_core``, ``host``,
``repository`` (without credentials) and ``version`` (the branch or tag the agent follows).
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import json
import os
import re
import subprocess
import sys

from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import ManagedFile, UnsafePathError, read_file

STATUS_SCHEMA = 1
RESULTS = ('ok', 'unchanged', 'failed')
UNCHANGED_MARKER = b'Repository has not changed, quitting'
MAX_STATUS_SIZE = 64 * 1024
_USERINFO = re.compile(r'^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@')


def redact_url(url):
    """The repository URL without the user information (``https://user:token@host/`` -> ``https://host/``)."""
    return _USERINFO.sub(r'\1', url or '')


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def read_status(path):
    """The status a previous run left at path, as a dict, or None when there is none or it cannot be used."""
    try:
        state = read_file(path, MAX_STATUS_SIZE)
    except (IOError, OSError, UnsafePathError):
        return None
    if state is None:
        return None
    try:
        status = json.loads(state.data.decode('utf-8'))
    except ValueError:
        return None
    return status if isinstance(status, dict) else None


def use_only_if_changed(config, previous, head):
    """Skip the playbook when nothing changed: only after a successful run of the commit still checked out."""
    if not config.get('only_if_changed', True) or previous is None:
        return False
    return head is not None and previous.get('result') in ('ok', 'unchanged') and previous.get('applied_commit') == head


def pull_command(config, only_if_changed):
    """The ansible-pull argv (no secret on it: the vault password is a file name)."""
    argv = [os.path.join(config['venv'], 'bin', 'ansible-pull'),
            '--url', config['url'],
            '--directory', config['directory'],
            '--limit', ','.join(['localhost', config['host']])]
    if config.get('version'):
        argv += ['--checkout', config['version']]
    if config.get('vault_password_file'):
        argv += ['--vault-password-file', config['vault_password_file']]
    if only_if_changed:
        argv.append('--only-if-changed')
    argv += list(config.get('extra_args', []))
    argv.append(config['playbook'])
    return argv


def pull_environment(config, base=None):
    """The environment ansible-pull runs with: the agent's inventory and collections, no colour."""
    env = dict(os.environ if base is None else base)
    env.update({
        'PATH': os.pathsep.join([os.path.join(config['venv'], 'bin'), env.get('PATH') or '/usr/sbin:/usr/bin:/sbin:/bin']),
        # ansible-pull checks the repository out with "-i localhost," and gives no -i to ansible-playbook, which then
        # reads this: the repository's inventory (an -i would also apply to the checkout, which then matches nothing)
        'ANSIBLE_INVENTORY': os.path.join(config['directory'], config['inventory']),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': '0',
        # line by line into the journal while it runs, not in one block at the end (stdout is a pipe)
        'PYTHONUNBUFFERED': '1',
        'HOME': env.get('HOME') or '/root',
    })
    if config.get('collections_path'):
        env['ANSIBLE_COLLECTIONS_PATH'] = config['collections_path']
    env.update(config.get('environment', {}))
    return env


def git_head(directory):
    try:
        # the pull agent's runner calls this outside any module (no AnsibleModule.run_command to use)
        out = subprocess.run(['git', '-C', directory, 'rev-parse', 'HEAD'],  # pylint: disable=ansible-bad-function
                             capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    head = out.stdout.decode('ascii', 'replace').strip()
    return head if out.returncode == 0 and re.match(r'^[0-9a-f]{40,64}$', head) else None


def command_version(argv):
    """First line of a --version command, or None when it is missing or fails."""
    if not argv or not os.path.exists(argv[0]):
        return None
    try:
        out = subprocess.run(argv, capture_output=True, timeout=60, check=False,  # pylint: disable=ansible-bad-function
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.decode('utf-8', 'replace').strip().splitlines()
    return lines[0].strip() if out.returncode == 0 and lines else None


def run_streaming(argv, env, out=None):
    """Run argv, copy its output to ours (the journal), and return (rc, whether it said the repository is unchanged)."""
    out = out or sys.stdout.buffer
    unchanged = False
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,  # pylint: disable=ansible-bad-function
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in proc.stdout:
        out.write(line)
        out.flush()
        if UNCHANGED_MARKER in line:
            unchanged = True
    return proc.wait(), unchanged


def new_status(config, previous, started, finished, rc, unchanged, head, cli_version):
    """The status dict after one run; what earlier runs applied is carried over."""
    previous = previous or {}
    result = 'failed' if rc != 0 else ('unchanged' if unchanged else 'ok')
    status = {
        'schema': STATUS_SCHEMA,
        'host': config['host'],
        'repository': redact_url(config['url']),
        'version': config.get('version') or None,
        'result': result,
        'rc': rc,
        'started': iso(started),
        'finished': iso(finished),
        'duration_seconds': round((finished - started).total_seconds(), 3),
        'commit': head,
        'applied_commit': previous.get('applied_commit'),
        'applied_at': previous.get('applied_at'),
        'last_success': previous.get('last_success'),
        'consecutive_failures': int(previous.get('consecutive_failures') or 0) + 1 if result == 'failed' else 0,
        'cli_version': cli_version,
        'ansible_core': config.get('ansible_core'),
    }
    if result != 'failed':
        status['last_success'] = iso(finished)
    if result == 'ok':
        status['applied_commit'] = head
        status['applied_at'] = iso(finished)
    return status


def write_status(path, status):
    """Write the status atomically (root-owned 0644 when run as root): through ManagedFile, the one writer."""
    data = (json.dumps(status, indent=2, sort_keys=True) + '\n').encode('utf-8')
    uid = 0 if os.geteuid() == 0 else -1
    ManagedFile(path, mode=0o644, uid=uid, gid=uid, dir_mode=0o755).update(lambda before: data)


def run(config, full=False, out=None):
    """One pull run. Returns the process exit code: 0 when the run succeeded or another run holds the lock."""
    out = out or sys.stdout.buffer
    os.makedirs(config['state_dir'], mode=0o755, exist_ok=True)
    lock = os.open(os.path.join(config['state_dir'], 'run.lock'), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (IOError, OSError) as e:
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                out.write(b'devfleet-pull: another run holds the lock; this one does nothing\n')
                out.flush()
                return 0
            raise
        previous = read_status(config['status_file'])
        only_if_changed = not full and use_only_if_changed(config, previous, git_head(config['directory']))
        started = utc_now()
        rc, unchanged = run_streaming(pull_command(config, only_if_changed), pull_environment(config), out)
        finished = utc_now()
        status = new_status(config, previous, started, finished, rc, unchanged and only_if_changed,
                            git_head(config['directory']), command_version(config.get('cli_version_command')))
        write_status(config['status_file'], status)
        out.write(('devfleet-pull: %s in %.1fs, commit %s\n'
                   % (status['result'], status['duration_seconds'], status['commit'])).encode('utf-8'))
        out.flush()
        return rc
    finally:
        os.close(lock)


def load_config(path):
    with open(path, 'rb') as f:
        config = json.loads(f.read().decode('utf-8'))
    missing = [k for k in ('url', 'directory', 'playbook', 'inventory', 'host', 'venv', 'state_dir', 'status_file')
               if not config.get(k)]
    if missing:
        raise ValueError('%s lacks %s' % (path, ', '.join(missing)))
    return config


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    full = '--full' in argv
    paths = [a for a in argv if a != '--full']
    if len(paths) != 1:
        sys.stderr.write('usage: devfleet-pull [--full] AGENT_CONFIG.json\n')
        return 2
    try:
        config = load_config(paths[0])
        return run(config, full=full)
    except (IOError, OSError, ValueError, UnsafePathError) as e:
        sys.stderr.write('devfleet-pull: %s\n' % e)
        return 1
