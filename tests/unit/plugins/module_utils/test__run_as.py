# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""run_command_as with real processes: identity, clean environment, stdin, deadline that kills the whole session;
and the collection's one error handler."""

from __future__ import annotations

import os
import pwd
import time

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError, failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import UnsafePathError, lookup_user
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import (
    RunAsError,
    RunAsTimeout,
    run_command_as,
)


def me():
    return lookup_user(os.geteuid())


def test_runs_with_stdin_in_home_with_a_clean_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('AWS_SECRET_ACCESS_KEY', 'root-secret-must-not-leak')
    monkeypatch.setenv('HTTPS_PROXY', 'http://proxy.example:3128')
    rc, out, err = run_command_as(me(), ['/bin/sh', '-c', 'cat; pwd; env'], stdin=b'from stdin\n', timeout=30,
                                  env=dict(EXTRA='given'))
    assert (rc, err) == (0, b'')
    lines = out.decode().splitlines()
    assert lines[0] == 'from stdin'
    assert lines[1] == os.path.realpath(me().home if os.path.isdir(me().home) else '/')
    env = dict(line.split('=', 1) for line in lines[2:] if '=' in line)
    assert 'AWS_SECRET_ACCESS_KEY' not in env
    assert env['HTTPS_PROXY'] == 'http://proxy.example:3128'
    assert env['EXTRA'] == 'given'
    assert (env['HOME'], env['USER'], env['LOGNAME']) == (me().home, me().name, me().name)


def test_cwd_and_exit_code(tmp_path):
    rc, out, dummy = run_command_as(me(), ['/bin/sh', '-c', 'pwd; exit 3'], timeout=30, cwd=str(tmp_path))
    assert rc == 3 and out.decode().strip() == str(tmp_path)


def test_timeout_kills_everything_the_command_started(tmp_path):
    marker = tmp_path / 'grandchild.pid'
    script = 'sleep 300 & echo $! > %s; wait' % marker
    start = time.monotonic()
    with pytest.raises(RunAsTimeout, match='did not finish within 1 seconds'):
        run_command_as(me(), ['/bin/sh', '-c', script], timeout=1)
    assert time.monotonic() - start < 60  # it did not wait for the sleep
    pid = int(marker.read_text())
    for dummy in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail('the background sleep (pid %d) survived the timeout' % pid)


def test_a_command_that_cannot_start_is_a_clear_error(tmp_path):
    with pytest.raises(RunAsError, match='cannot run %s' % (tmp_path / 'missing')):
        run_command_as(me(), [str(tmp_path / 'missing')], timeout=30)


@pytest.mark.skipif(os.geteuid() != 0, reason='switching users needs root')
def test_runs_as_the_user_with_their_groups():
    nobody = lookup_user('nobody')
    rc, out, dummy = run_command_as(nobody, ['/bin/sh', '-c', 'id -u; id -g; echo $HOME'], timeout=30)
    assert rc == 0
    assert out.decode().split() == [str(nobody.uid), str(nobody.gid), nobody.home]


@pytest.mark.skipif(os.geteuid() == 0, reason='root may become anyone')
def test_another_user_needs_root():
    other = next(entry for entry in pwd.getpwall() if entry.pw_uid != os.geteuid())
    with pytest.raises(RunAsError, match='needs root'):
        run_command_as(lookup_user(other.pw_name), ['/bin/true'], timeout=30)


class Failed(Exception):
    pass


class FakeModule(object):
    def fail_json(self, **kwargs):
        raise Failed(kwargs)


def test_collection_errors_and_os_errors_become_fail_json():
    result = dict(changed=False)
    with pytest.raises(Failed) as caught:
        with failing_on_errors(FakeModule(), 'settings file', result):
            result['changed'] = True
            raise UnsafePathError('refusing /home/alice/.claude: a link')
    assert caught.value.args[0] == dict(msg='refusing /home/alice/.claude: a link', changed=True)
    with pytest.raises(Failed) as caught:
        with failing_on_errors(FakeModule(), 'settings file'):
            raise PermissionError(13, 'Permission denied', '/etc/claude-code/managed-settings.json')
    assert caught.value.args[0] == dict(msg='/etc/claude-code/managed-settings.json: Permission denied')
    with pytest.raises(Failed) as caught:
        with failing_on_errors(FakeModule(), 'settings file'):
            raise OSError(28, 'No space left on device')
    assert caught.value.args[0] == dict(msg='settings file: No space left on device')
    assert issubclass(RunAsError, CollectionError)
    with pytest.raises(KeyError):  # a bug stays a traceback
        with failing_on_errors(FakeModule()):
            raise KeyError('x')
