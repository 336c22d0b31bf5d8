# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Safe file operations for modules that write into other users' homes as root.

This is private to the collection (underscore module): its interface may change at any time.

Every module of the collection that writes a file goes through ManagedFile, which guarantees:

* No symlink planted by an unprivileged user is ever followed. Paths are walked one component at
  a time with openat(O_NOFOLLOW) from "/". A symlink is followed only when the directory that
  holds it can be written by nobody but root (or the user running the module), or, in a sticky
  world-writable directory such as /tmp, when the link itself belongs to root or to that user.
  That is the rule the kernel's fs.protected_symlinks applies, extended to every directory.
* Writes are atomic: a temporary file is created next to the target (O_EXCL, mode 0600 until its
  content is complete), fsynced, and renamed over the target; the directory is fsynced after.
  ``os.replace`` with directory file descriptors is used instead of AnsibleModule.atomic_move()
  because atomic_move works on path names, which a user could swap for a symlink between the
  check and the rename.
* Read-modify-write with optimistic concurrency: just before the rename the target is read again;
  if another program (Claude Code, the AWS CLI, gcloud) wrote it meanwhile, the change is
  recomputed from the new content, so keys they wrote in between are not lost.
* A file with several hard links, or that is not a regular file, is refused in a directory that a
  user controls (a hard link to a root-owned file must not make us copy its content out).
* Ownership and mode are set on the open file descriptor (fchown/fchmod), never by path.
"""

from __future__ import annotations

import errno
import grp
import os
import pwd
import secrets
import stat
import time

from collections import deque, namedtuple

MAX_FILE_SIZE = 16 * 1024 * 1024
_MAX_SYMLINK_HOPS = 40
_MAX_WRITE_ATTEMPTS = 5
_O_CLOEXEC = getattr(os, 'O_CLOEXEC', 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | os.O_NOFOLLOW | _O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, 'O_NONBLOCK', 0) | _O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _O_CLOEXEC


class UnsafePathError(Exception):
    """A path cannot be used safely. The message is meant for the user as it is."""


UserInfo = namedtuple('UserInfo', ['name', 'uid', 'gid', 'home'])


def lookup_user(name):
    """Return UserInfo for a user name or numeric id, from the passwd database."""
    try:
        if isinstance(name, int) or (isinstance(name, str) and name.isdigit()):
            entry = pwd.getpwuid(int(name))
        else:
            entry = pwd.getpwnam(name)
    except KeyError:
        raise UnsafePathError('user %r does not exist on this host (passwd database)' % (name,))
    home = entry.pw_dir
    if not home or not os.path.isabs(home):
        raise UnsafePathError('user %r has no absolute home directory in the passwd database (%r)' % (name, home))
    return UserInfo(entry.pw_name, entry.pw_uid, entry.pw_gid, home)


def lookup_uid(owner):
    if owner is None:
        return -1
    try:
        return int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise UnsafePathError('owner %r does not exist on this host' % (owner,))


def lookup_gid(group):
    if group is None:
        return -1
    try:
        return int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise UnsafePathError('group %r does not exist on this host' % (group,))


def parse_mode(value, option='mode'):
    """Turn an octal string ("0600") or an int into a permission int; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        mode = value
    else:
        text = str(value).strip()
        try:
            mode = int(text, 8)
        except ValueError:
            raise ValueError('%s must be an octal string such as "0600", got %r' % (option, value))
    if mode < 0 or mode > 0o7777:
        raise ValueError('%s %r is not a permission mode; quote it as an octal string such as "0600"' % (option, value))
    return mode


def _split(path):
    return [part for part in path.split('/') if part not in ('', '.')]


def _trusted_dir(st):
    """A directory nobody but root or the current user can write into."""
    return st.st_uid in (0, os.geteuid()) and not st.st_mode & 0o022


def _may_follow(dir_st, link_st):
    if _trusted_dir(dir_st):
        return True
    # sticky world-writable directories (/tmp): links that root or we made ourselves
    return bool(dir_st.st_mode & stat.S_ISVTX) and link_st.st_uid in (0, os.geteuid())


def _describe_writer(st):
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = 'uid %d' % st.st_uid
    if st.st_mode & 0o002:
        return 'every user'
    if st.st_mode & 0o020:
        try:
            return 'group %s' % grp.getgrgid(st.st_gid).gr_name
        except KeyError:
            return 'gid %d' % st.st_gid
    return owner


def _join(parts):
    return '/' + '/'.join(parts)


class _Budget(object):
    def __init__(self, path):
        self.path = path
        self.hops = 0

    def hop(self):
        self.hops += 1
        if self.hops > _MAX_SYMLINK_HOPS:
            raise UnsafePathError('too many levels of symbolic links resolving %s' % self.path)


def _refuse_link(dir_st, where, target):
    return UnsafePathError(
        '%s is a symlink (to %s) in a directory writable by %s; refusing to follow it. '
        'Remove the link or point the task at the real path.' % (where, target, _describe_writer(dir_st)))


def _open_dir(parts, create, dir_mode, uid, gid, budget, created):
    """Open the directory named by path components, walking from / without following untrusted links.

    Returns (fd, resolved path), or (None, path) when a component is missing and create is false.
    """
    fd = os.open('/', _DIR_FLAGS)
    resolved = []
    todo = deque(parts)
    try:
        while todo:
            name = todo.popleft()
            if name == '..':
                nfd = os.open('..', _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = nfd
                if resolved:
                    resolved.pop()
                continue
            try:
                nfd = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                where = _join(resolved + [name])
                if exc.errno == errno.ENOENT:
                    if not create:
                        os.close(fd)
                        return None, _join(resolved + [name] + list(todo))
                    nfd = _mkdir(fd, name, dir_mode, uid, gid, where)
                    created.append(where)
                elif exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                    if not stat.S_ISLNK(st.st_mode):
                        raise UnsafePathError('%s exists and is not a directory' % where)
                    target = os.readlink(name, dir_fd=fd)
                    if not _may_follow(os.fstat(fd), st):
                        raise _refuse_link(os.fstat(fd), where, target)
                    budget.hop()
                    if target.startswith('/'):
                        os.close(fd)
                        fd = os.open('/', _DIR_FLAGS)
                        resolved = []
                    todo.extendleft(reversed(_split(target)))
                    continue
                elif exc.errno == errno.EACCES:
                    raise UnsafePathError('permission denied opening %s (run the task with become: true?)' % where)
                else:
                    raise
            os.close(fd)
            fd = nfd
            resolved.append(name)
        return fd, _join(resolved)
    except BaseException:
        os.close(fd)
        raise


def _mkdir(parent_fd, name, mode, uid, gid, where):
    try:
        os.mkdir(name, 0o700, dir_fd=parent_fd)
    except FileExistsError:
        pass  # made by someone else meanwhile; the open below checks what it is
    try:
        fd = os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        raise UnsafePathError('%s changed while it was being created (%s); refusing to continue' % (where, exc.strerror))
    try:
        if uid != -1 or gid != -1:
            os.fchown(fd, uid, gid)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


class Location(object):
    """An opened parent directory and the name of the file in it."""

    def __init__(self, dir_fd, name, path, trusted):
        self.dir_fd = dir_fd
        self.name = name
        self.path = path
        self.trusted = trusted

    def close(self):
        if self.dir_fd is not None:
            os.close(self.dir_fd)
            self.dir_fd = None


def locate(path, create=False, dir_mode=0o700, uid=-1, gid=-1, created=None):
    """Open the parent directory of path safely and resolve the last component.

    A symlink as the last component is followed under the same rule as directories. The returned
    Location has dir_fd None when a directory on the way is missing and create is false.
    """
    if not isinstance(path, str) or not os.path.isabs(path):
        raise UnsafePathError('%r is not an absolute path' % (path,))
    budget = _Budget(path)
    created = created if created is not None else []
    current = path
    while True:
        parts = _split(current)
        if not parts or parts[-1] == '..':
            raise UnsafePathError('%s does not name a file' % current)
        dir_fd, dir_path = _open_dir(parts[:-1], create, dir_mode, uid, gid, budget, created)
        name = parts[-1]
        if dir_fd is None:
            return Location(None, name, dir_path + '/' + name, False)
        dir_path = dir_path.rstrip('/')
        dir_st = os.fstat(dir_fd)
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return Location(dir_fd, name, dir_path + '/' + name, _trusted_dir(dir_st))
        except BaseException:
            os.close(dir_fd)
            raise
        if not stat.S_ISLNK(st.st_mode):
            return Location(dir_fd, name, dir_path + '/' + name, _trusted_dir(dir_st))
        try:
            target = os.readlink(name, dir_fd=dir_fd)
            if not _may_follow(dir_st, st):
                raise _refuse_link(dir_st, dir_path + '/' + name, target)
            budget.hop()
        finally:
            os.close(dir_fd)
        current = target if target.startswith('/') else dir_path + '/' + target


FileState = namedtuple('FileState', ['data', 'uid', 'gid', 'mode'])


def read_at(loc, max_size=MAX_FILE_SIZE):
    """Read the file at a Location; None when it does not exist."""
    if loc.dir_fd is None:
        return None
    try:
        fd = os.open(loc.name, _READ_FLAGS, dir_fd=loc.dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            raise UnsafePathError('%s was replaced by a symlink while being read; refusing to follow it' % loc.path)
        if exc.errno == errno.EACCES:
            raise UnsafePathError('permission denied reading %s (run the task with become: true?)' % loc.path)
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError('%s is not a regular file; refusing to use it' % loc.path)
        if st.st_nlink > 1 and not loc.trusted:
            raise UnsafePathError(
                '%s has %d hard links in a directory writable by %s; refusing to rewrite a file that is also '
                'reachable elsewhere. Remove the extra links first.' % (loc.path, st.st_nlink, _describe_writer(os.fstat(loc.dir_fd))))
        if st.st_size > max_size:
            raise UnsafePathError('%s is larger than %d bytes; refusing to load it' % (loc.path, max_size))
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return FileState(b''.join(chunks), st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode))
    finally:
        os.close(fd)


def _write_new(loc, name, data, mode, uid, gid):
    fd = os.open(name, _CREATE_FLAGS, 0o600, dir_fd=loc.dir_fd)
    try:
        if uid != -1 or gid != -1:
            os.fchown(fd, uid, gid)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        _unlink_quietly(loc, name)
        raise
    os.close(fd)


def _unlink_quietly(loc, name):
    try:
        os.unlink(name, dir_fd=loc.dir_fd)
    except OSError:
        pass


def _fsync_dir(loc):
    try:
        os.fsync(loc.dir_fd)
    except OSError:
        pass  # some filesystems refuse fsync on directories; the rename is done regardless


class ManagedFile(object):
    """A file the collection manages: where it is, who should own it, and with what mode.

    uid/gid of -1 mean "whoever runs the module" for new files and "leave as is" for existing ones.
    """

    def __init__(self, path, mode, uid=-1, gid=-1, dir_mode=0o700, max_size=MAX_FILE_SIZE):
        self.path = path
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.dir_mode = dir_mode
        self.max_size = max_size
        self.resolved_path = path
        self.created_dirs = []

    def check_privileges(self):
        """Fail early, with a clear message, when the file must belong to someone else and we are not root."""
        euid = os.geteuid()
        if euid != 0 and self.uid not in (-1, euid):
            raise UnsafePathError(
                '%s must belong to uid %d, which needs root: run the task with become: true' % (self.path, self.uid))

    def read(self):
        """The current FileState, or None when the file does not exist."""
        loc = locate(self.path)
        try:
            self.resolved_path = loc.path
            return read_at(loc, self.max_size)
        finally:
            loc.close()

    def _attrs_differ(self, state):
        return (state is not None and (
            (self.uid != -1 and state.uid != self.uid)
            or (self.gid != -1 and state.gid != self.gid)
            or state.mode != self.mode))

    def update(self, render, check_mode=False, backup=False):
        """Read the file, compute its new content with render(bytes or None), and write it safely.

        render returns the new content as bytes, or None to leave the content as it is. It may be
        called more than once when another program writes the file meanwhile; it must be pure.
        Returns a dict: changed, before (bytes or None), after (bytes or None), backup_file,
        content_changed, attributes_changed, path.
        """
        self.check_privileges()
        state = self.read()
        before = state.data if state else None
        after = render(before)
        content_changed = after is not None and after != before
        attrs_changed = not content_changed and self._attrs_differ(state)
        result = dict(changed=content_changed or attrs_changed, before=before,
                      after=after if after is not None else before, backup_file=None,
                      content_changed=content_changed, attributes_changed=attrs_changed,
                      path=self.resolved_path, created_dirs=[])
        if check_mode or not result['changed']:
            return result
        if attrs_changed:
            self._fix_attributes()
            return result
        loc = locate(self.path, create=True, dir_mode=self.dir_mode, uid=self.uid, gid=self.gid,
                     created=self.created_dirs)
        try:
            result['path'] = self.resolved_path = loc.path
            for dummy in range(_MAX_WRITE_ATTEMPTS):
                tmp = '.%s.%s.tmp' % (loc.name, secrets.token_hex(6))
                _write_new(loc, tmp, after, self.mode, self.uid, self.gid)
                latest = read_at(loc, self.max_size)
                latest_data = latest.data if latest else None
                if latest_data != before:
                    # someone else wrote the file since we read it: redo the change on their content
                    _unlink_quietly(loc, tmp)
                    before = latest_data
                    after = render(before)
                    if after is None or after == before:
                        result.update(changed=False, content_changed=False, before=before, after=before)
                        return result
                    result.update(before=before, after=after)
                    continue
                if backup and before is not None:
                    result['backup_file'] = self._backup(loc, before, latest)
                try:
                    os.replace(tmp, loc.name, src_dir_fd=loc.dir_fd, dst_dir_fd=loc.dir_fd)
                except BaseException:
                    _unlink_quietly(loc, tmp)
                    raise
                _fsync_dir(loc)
                result['created_dirs'] = list(self.created_dirs)
                return result
            raise UnsafePathError('%s kept changing while being written (%d attempts); try again' % (loc.path, _MAX_WRITE_ATTEMPTS))
        finally:
            loc.close()

    def remove(self, check_mode=False, backup=False):
        """Delete the file. Returns a dict like update()."""
        state = self.read()
        result = dict(changed=state is not None, before=state.data if state else None, after=None,
                      backup_file=None, content_changed=state is not None, attributes_changed=False,
                      path=self.resolved_path, created_dirs=[])
        if check_mode or state is None:
            return result
        loc = locate(self.path)
        try:
            if loc.dir_fd is None:
                return result
            if backup:
                result['backup_file'] = self._backup(loc, state.data, state)
            try:
                os.unlink(loc.name, dir_fd=loc.dir_fd)
            except FileNotFoundError:
                pass
            _fsync_dir(loc)
        finally:
            loc.close()
        return result

    def _fix_attributes(self):
        loc = locate(self.path)
        try:
            fd = os.open(loc.name, _READ_FLAGS, dir_fd=loc.dir_fd)
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    raise UnsafePathError('%s is not a regular file; refusing to use it' % loc.path)
                if st.st_nlink > 1 and not loc.trusted:
                    raise UnsafePathError('%s has %d hard links; refusing to change it' % (loc.path, st.st_nlink))
                if self.uid != -1 or self.gid != -1:
                    os.fchown(fd, self.uid, self.gid)
                os.fchmod(fd, self.mode)
            finally:
                os.close(fd)
        finally:
            loc.close()

    def _backup(self, loc, data, state):
        """Write a copy of the old content beside the file, with Ansible's backup naming."""
        name = '%s.%d.%s~' % (loc.name, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S', time.localtime()))
        uid = state.uid if state is not None else self.uid
        gid = state.gid if state is not None else self.gid
        _write_new(loc, name, data, 0o600, uid, gid)
        return loc.path.rsplit('/', 1)[0] + '/' + name


def open_directory(path):
    """Open a directory by path under the symlink rule; returns (fd, resolved path), fd None if missing."""
    if not isinstance(path, str) or not os.path.isabs(path):
        raise UnsafePathError('%r is not an absolute path' % (path,))
    return _open_dir(_split(path), False, 0o700, -1, -1, _Budget(path), [])


def list_dir(path):
    """Names in a directory reached safely, sorted; None when it does not exist."""
    fd, dummy = open_directory(path)
    if fd is None:
        return None
    try:
        return sorted(os.listdir(fd))
    finally:
        os.close(fd)


def read_file(path, max_size=MAX_FILE_SIZE):
    """Read a file reached safely; a FileState, or None when it does not exist."""
    loc = locate(path)
    try:
        return read_at(loc, max_size)
    finally:
        loc.close()
