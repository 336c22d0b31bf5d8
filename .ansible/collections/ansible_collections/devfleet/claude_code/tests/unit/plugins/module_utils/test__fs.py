# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat

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
