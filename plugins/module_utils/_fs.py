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

import ctypes
import errno
import fcntl
import grp
import os
import platform
import pwd
import re
import secrets
import stat
import sys
import time

from collections import deque, namedtuple

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError

MAX_FILE_SIZE = 16 * 1024 * 1024
_MAX_SYMLINK_HOPS = 40
_MAX_WRITE_ATTEMPTS = 10
_O_CLOEXEC = getattr(os, 'O_CLOEXEC', 0)
_DIR_FLAGS = os.O_RDONLY | getattr(os, 'O_DIRECTORY', 0) | os.O_NOFOLLOW | _O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, 'O_NONBLOCK', 0) | _O_CLOEXEC
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _O_CLOEXEC


class UnsafePathError(CollectionError):
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
                    target = _readlink(name, fd, where)
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


def _readlink(name, dir_fd, where):
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.EINVAL):  # no longer a link: swapped meanwhile
            raise UnsafePathError('%s changed while its path was being resolved; refusing to continue' % where)
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
            target = _readlink(name, dir_fd, dir_path + '/' + name)
            if not _may_follow(dir_st, st):
                raise _refuse_link(dir_st, dir_path + '/' + name, target)
            budget.hop()
        finally:
            os.close(dir_fd)
        current = target if target.startswith('/') else dir_path + '/' + target


FileState = namedtuple('FileState', ['data', 'uid', 'gid', 'mode', 'ino', 'ctime_ns'], defaults=(None, None))


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
        return FileState(b''.join(chunks), st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), st.st_ino, st.st_ctime_ns)
    finally:
        os.close(fd)


# --- temporary files --------------------------------------------------------------------------------------
#
# Our temporary files are named ".<name>.<12 hex digits>.tmp" beside the file they replace. While a writer of
# this collection works in a directory it holds a shared flock on the directory; a run that gets the lock
# exclusively therefore knows that no writer of ours is alive there, and removes the temporary files that a
# killed run (SIGKILL, power loss) left behind. Where flock is not supported (some network filesystems) only
# files older than STALE_TMP_GRACE seconds are removed, so that a live writer's file is never taken away.

STALE_TMP_GRACE = 600


def _tmp_name(name):
    return '.%s.%s.tmp' % (name, secrets.token_hex(6))


def _tmp_pattern(name):
    return re.compile(r'\.%s\.[0-9a-f]{12}\.tmp' % re.escape(name))


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


def _write_tmp(loc, data, mode, uid, gid):
    """Create a new temporary file beside loc.name holding data; return (name, inode). Removed on any error."""
    for attempt in range(10):
        name = _tmp_name(loc.name)
        try:
            fd = os.open(name, _CREATE_FLAGS, 0o600, dir_fd=loc.dir_fd)
            break
        except FileExistsError:
            if attempt == 9:
                raise
    try:
        if uid != -1 or gid != -1:
            os.fchown(fd, uid, gid)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
        os.fchmod(fd, mode)
        ino = os.fstat(fd).st_ino
    except BaseException:
        os.close(fd)
        _unlink_quietly(loc, name)
        raise
    os.close(fd)
    return name, ino


class _DirLock(object):
    """The directory flock described above. Never blocks: a lock that cannot be had is simply not held."""

    def __init__(self, loc):
        self.loc = loc
        self.supported = True

    def _try(self, operation):
        try:
            fcntl.flock(self.loc.dir_fd, operation | fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EINTR):
                self.supported = False  # ENOLCK, EOPNOTSUPP, EBADF (NFS without flock on directories)
            return False

    def sweep(self, uids):
        """Remove stale temporary files of ours; return their paths. Leaves the lock shared (when it can)."""
        exclusive = self._try(fcntl.LOCK_EX)
        removed = []
        if exclusive or not self.supported:
            removed = _sweep(self.loc, uids, 0 if exclusive else STALE_TMP_GRACE)
        self._try(fcntl.LOCK_SH)
        return removed

    def release(self):
        if self.loc.dir_fd is not None:
            try:
                fcntl.flock(self.loc.dir_fd, fcntl.LOCK_UN)
            except OSError:
                pass


def _sweep(loc, uids, min_age):
    try:
        names = os.listdir(loc.dir_fd)
    except OSError:
        return []
    pattern = _tmp_pattern(loc.name)
    base = loc.path.rsplit('/', 1)[0]
    removed = []
    now = time.time()
    for name in sorted(names):
        if not pattern.fullmatch(name):
            continue
        try:
            st = os.stat(name, dir_fd=loc.dir_fd, follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or st.st_uid not in uids:
            continue
        if min_age and now - max(st.st_mtime, st.st_ctime) < min_age:
            continue
        try:
            os.unlink(name, dir_fd=loc.dir_fd)
        except OSError:
            continue
        removed.append(base + '/' + name)
    return removed


# --- replacing a file and seeing what was replaced -------------------------------------------------------------
#
# Linux renameat2(RENAME_EXCHANGE) and macOS renameatx_np(RENAME_SWAP) swap two names atomically: the new
# content goes in under the real name and the file it replaced comes out under the temporary name, where it can
# be compared with what the change was computed from. Elsewhere (or on a filesystem that refuses the flag) the
# file is read once more just before a plain rename, which leaves a window of a few microseconds.

_RENAMEAT2_SYSCALLS = {
    'x86_64': 316, 'amd64': 316, 'i386': 353, 'i686': 353, 'aarch64': 276, 'arm64': 276, 'riscv64': 276,
    'armv7l': 382, 'armv6l': 382, 'ppc64le': 357, 'ppc64': 357, 's390x': 347,
}


class _Renamer(object):
    """Atomic exchange and no-replace rename through libc, when the platform has them."""

    def __init__(self, system=None, machine=None, use_wrapper=True):
        self.call = None
        self.exchange_flag = self.noreplace_flag = 0
        system = system or sys.platform
        try:
            libc = ctypes.CDLL(None, use_errno=True)
        except (OSError, TypeError):
            return
        args = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        if system.startswith('linux'):
            self.exchange_flag, self.noreplace_flag = 2, 1  # RENAME_EXCHANGE, RENAME_NOREPLACE
            function = getattr(libc, 'renameat2', None) if use_wrapper else None
            if function is not None:
                function.argtypes, function.restype = args, ctypes.c_int
                self.call = function
                return
            number = _RENAMEAT2_SYSCALLS.get(machine or platform.machine())
            syscall = getattr(libc, 'syscall', None)
            if number is not None and syscall is not None:
                syscall.restype = ctypes.c_long

                def call(src_fd, src, dst_fd, dst, flags):
                    return syscall(ctypes.c_long(number), ctypes.c_int(src_fd), ctypes.c_char_p(src),
                                   ctypes.c_int(dst_fd), ctypes.c_char_p(dst), ctypes.c_uint(flags))
                self.call = call
        elif system == 'darwin':
            self.exchange_flag, self.noreplace_flag = 0x2, 0x4  # RENAME_SWAP, RENAME_EXCL
            function = getattr(libc, 'renameatx_np', None)
            if function is not None:
                function.argtypes, function.restype = args, ctypes.c_int
                self.call = function

    def _rename(self, dir_fd, src, dst, flags):
        """True when done, False when the platform or filesystem cannot do it; raises OSError otherwise."""
        if self.call is None:
            return False
        if self.call(dir_fd, os.fsencode(src), dir_fd, os.fsencode(dst), flags) == 0:
            return True
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, getattr(errno, 'ENOTSUP', errno.EOPNOTSUPP)):
            return False
        raise OSError(err, os.strerror(err), dst)

    def exchange(self, dir_fd, src, dst):
        return self._rename(dir_fd, src, dst, self.exchange_flag)

    def noreplace(self, dir_fd, src, dst):
        return self._rename(dir_fd, src, dst, self.noreplace_flag)


_RENAMER = _Renamer()


# How an empty or invalid read is retried: the file is read again after a pause until it stops changing.
_SETTLE_READS = 20
_SETTLE_PAUSE = 0.025
_SETTLE_STABLE = 4


def _same(one, other):
    if one is None or other is None:
        return one is other
    return (one.data, one.ino, one.ctime_ns) == (other.data, other.ino, other.ctime_ns)


def _settled_render(read, render, path):
    """(state, render(state.data)) for a read that is trustworthy.

    An empty file, or content that render refuses, may be a file another program is rewriting in place
    (truncate, then write). Such a read is repeated until the file stops changing: only then is the empty
    content used, or render's error raised. A file that keeps changing is an error, never an empty one.
    """
    state = read()
    stable = 0
    for dummy in range(_SETTLE_READS):
        data = state.data if state is not None else None
        if data != b'':
            try:
                return state, render(data)
            except Exception:  # a content error: only believed once the file holds still
                pass
        time.sleep(_SETTLE_PAUSE)
        again = read()
        if _same(again, state):
            stable += 1
            if stable >= _SETTLE_STABLE:
                return state, render(data)
        else:
            stable = 0
        state = again
    raise UnsafePathError('%s kept changing (empty or unreadable content) while being read; another program is '
                          'rewriting it in place. Nothing was written; try again.' % path)


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

    @property
    def _target_uid(self):
        return self.uid if self.uid != -1 else os.geteuid()

    def _owners(self):
        return frozenset((0, os.geteuid(), self._target_uid))

    def _read_at(self, loc):
        """read_at plus the rule for shared directories: a file another user may have planted is refused."""
        state = read_at(loc, self.max_size)
        if state is not None and state.uid not in self._owners():
            dir_st = os.fstat(loc.dir_fd)
            others = (dir_st.st_uid not in self._owners() or dir_st.st_mode & 0o002
                      or (dir_st.st_mode & 0o020 and dir_st.st_gid != self.gid))
            if others:
                raise UnsafePathError(
                    '%s belongs to %s and is in a directory writable by %s; refusing to use a file that another user '
                    'may have planted there. Remove it, name its owner as the target user if it is theirs, or use a '
                    'directory only root and the target user can write.'
                    % (loc.path, _user_name(state.uid), _describe_writer(dir_st)))
        return state

    def read(self):
        """The current FileState, or None when the file does not exist."""
        loc = locate(self.path)
        try:
            self.resolved_path = loc.path
            return self._read_at(loc)
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
        content_changed, attributes_changed, path, created_dirs, stale_removed (temporary files of a
        killed run that were removed), mode, uid, gid (what the file was given).
        """
        self.check_privileges()
        state, after = _settled_render(self.read, render, self.path)
        before = state.data if state else None
        content_changed = after is not None and after != before
        attrs_changed = not content_changed and self._attrs_differ(state)
        result = dict(changed=content_changed or attrs_changed, before=before,
                      after=after if after is not None else before, backup_file=None,
                      content_changed=content_changed, attributes_changed=attrs_changed,
                      path=self.resolved_path, created_dirs=[], stale_removed=[],
                      mode=self.mode, uid=self.uid, gid=self.gid)
        if check_mode:
            return result
        loc = locate(self.path, create=content_changed, dir_mode=self.dir_mode, uid=self.uid, gid=self.gid,
                     created=self.created_dirs)
        if loc.dir_fd is None:
            return result
        lock = _DirLock(loc)
        try:
            result['path'] = self.resolved_path = loc.path
            result['stale_removed'] = lock.sweep(self._owners())
            if attrs_changed:
                self._fix_attributes(loc, state)
            elif content_changed:
                self._replace(loc, render, state, result, backup)
                result['created_dirs'] = list(self.created_dirs)
            return result
        finally:
            lock.release()
            loc.close()

    def _replace(self, loc, render, state, result, backup):
        """Put result['after'] in place of the file last read as state; merge again whatever changed meanwhile.

        The file under the real name is checked (inode and ctime) just before the exchange, and what the
        exchange brings out is compared with what the change was computed from. When another program wrote in
        between, its version is swapped straight back (it is out of place for microseconds), read again and
        merged into, up to _MAX_WRITE_ATTEMPTS times. Our temporary file never outlives the call.
        """
        current = state  # the version under the real name that `new` was computed from
        new = result['after']
        for dummy in range(_MAX_WRITE_ATTEMPTS):
            tmp, ino = _write_tmp(loc, new, self.mode, self.uid, self.gid)
            swapped = False
            try:
                if backup and current is not None and result['backup_file'] is None:
                    result['backup_file'] = self._backup(loc, current.data, current)
                if _unchanged(loc, current):
                    if current is None:
                        if _RENAMER.noreplace(loc.dir_fd, tmp, loc.name) or _link_noreplace(loc, tmp):
                            _fsync_dir(loc)
                            return
                    else:
                        swapped = _RENAMER.exchange(loc.dir_fd, tmp, loc.name)
                        if not swapped:
                            # no atomic exchange here: a plain rename right after the check (documented window)
                            os.replace(tmp, loc.name, src_dir_fd=loc.dir_fd, dst_dir_fd=loc.dir_fd)
                            _fsync_dir(loc)
                            return
                        if _came_out(loc, tmp, current):
                            swapped = False
                            _unlink_quietly(loc, tmp)
                            _fsync_dir(loc)
                            return
                        # another program wrote between our check and the exchange: put its version back now
                        _swap_back(loc, tmp, ino)
                        swapped = False
            except FileNotFoundError:
                pass  # the file went away meanwhile: read again below
            except BaseException:
                if swapped:
                    _swap_back(loc, tmp, ino)
                raise
            finally:
                _unlink_if(loc, tmp, ino)
            # the file changed since we read it: merge again from what is there now
            current, merged = _settled_render(lambda: self._read_at(loc), render, loc.path)
            latest = current.data if current is not None else None
            new = merged if merged is not None else latest
            result.update(before=latest, after=new, content_changed=new != latest,
                          changed=new != latest or result['attributes_changed'])
            if new is None or new == latest:
                return  # the other program's version already holds what we want
        raise UnsafePathError('%s kept changing while being written (%d attempts): nothing was written and the other '
                              "program's version is in place. Try again." % (loc.path, _MAX_WRITE_ATTEMPTS))

    def remove(self, check_mode=False, backup=False):
        """Delete the file (and temporary files a killed run left beside it). Returns a dict like update()."""
        state = self.read()
        result = dict(changed=state is not None, before=state.data if state else None, after=None,
                      backup_file=None, content_changed=state is not None, attributes_changed=False,
                      path=self.resolved_path, created_dirs=[], stale_removed=[], mode=None,
                      uid=self.uid, gid=self.gid)
        if check_mode:
            return result
        loc = locate(self.path)
        if loc.dir_fd is None:
            return result
        lock = _DirLock(loc)
        try:
            result['stale_removed'] = lock.sweep(self._owners())
            if state is None:
                return result
            if backup:
                result['backup_file'] = self._backup(loc, state.data, state)
            try:
                os.unlink(loc.name, dir_fd=loc.dir_fd)
            except FileNotFoundError:
                pass
            _fsync_dir(loc)
        finally:
            lock.release()
            loc.close()
        return result

    def _fix_attributes(self, loc, state):
        """Owner and mode, on the file we read (same inode), through its descriptor."""
        try:
            fd = os.open(loc.name, _READ_FLAGS, dir_fd=loc.dir_fd)
        except OSError as exc:
            raise UnsafePathError('%s changed while its owner and mode were being fixed (%s); try again'
                                  % (loc.path, exc.strerror))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise UnsafePathError('%s is not a regular file; refusing to use it' % loc.path)
            if st.st_nlink > 1 and not loc.trusted:
                raise UnsafePathError('%s has %d hard links; refusing to change it' % (loc.path, st.st_nlink))
            if state is not None and state.ino is not None and st.st_ino != state.ino:
                raise UnsafePathError('%s was replaced while its owner and mode were being fixed; try again' % loc.path)
            if self.uid != -1 or self.gid != -1:
                os.fchown(fd, self.uid, self.gid)
            os.fchmod(fd, self.mode)
        finally:
            os.close(fd)

    def _backup(self, loc, data, state):
        """Write a copy of the old content beside the file, with Ansible's backup naming (atomically)."""
        name = '%s.%d.%s~' % (loc.name, os.getpid(), time.strftime('%Y-%m-%d@%H:%M:%S', time.localtime()))
        uid = state.uid if state is not None else self.uid
        gid = state.gid if state is not None else self.gid
        tmp, dummy = _write_tmp(loc, data, 0o600, uid, gid)
        try:
            os.replace(tmp, name, src_dir_fd=loc.dir_fd, dst_dir_fd=loc.dir_fd)
        except BaseException:
            _unlink_quietly(loc, tmp)
            raise
        return loc.path.rsplit('/', 1)[0] + '/' + name


def _unchanged(loc, state):
    """Whether the real name still holds the file read as state (None: still no file)."""
    try:
        st = os.stat(loc.name, dir_fd=loc.dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return state is None
    return state is not None and (st.st_ino, st.st_ctime_ns) == (state.ino, state.ctime_ns)


def _came_out(loc, tmp, state):
    """Whether what the exchange put under tmp is the file read as state, byte for byte."""
    try:
        out = read_at(Location(loc.dir_fd, tmp, loc.path, loc.trusted), MAX_FILE_SIZE)
    except (OSError, UnsafePathError):
        return False  # a link, a directory, a FIFO: not what we read
    return out is not None and out.data == state.data


def _swap_back(loc, tmp, ino):
    """Undo an exchange: the other program's file back under the real name, ours out (and removed)."""
    try:
        _RENAMER.exchange(loc.dir_fd, tmp, loc.name)
    except FileNotFoundError:
        # the real name is gone: give it back their file
        try:
            if not _RENAMER.noreplace(loc.dir_fd, tmp, loc.name):
                _link_noreplace(loc, tmp)
        except OSError:
            pass
        return
    except OSError:
        return
    try:
        st = os.stat(tmp, dir_fd=loc.dir_fd, follow_symlinks=False)
    except OSError:
        return
    if st.st_ino != ino:
        # a newer version replaced ours meanwhile and just came out: the newest goes back in place, and the
        # version it superseded (under our temporary name now) is removed
        try:
            _RENAMER.exchange(loc.dir_fd, tmp, loc.name)
            st = os.stat(tmp, dir_fd=loc.dir_fd, follow_symlinks=False)
        except OSError:
            return
    if not stat.S_ISDIR(st.st_mode):
        _unlink_quietly(loc, tmp)


def _unlink_if(loc, name, ino):
    """Remove name when it still holds the file we wrote (inode ino)."""
    try:
        if os.stat(name, dir_fd=loc.dir_fd, follow_symlinks=False).st_ino == ino:
            os.unlink(name, dir_fd=loc.dir_fd)
    except OSError:
        pass


def _link_noreplace(loc, tmp):
    """Give tmp the real name unless something has it already (portable: link fails on an existing name)."""
    try:
        os.link(tmp, loc.name, src_dir_fd=loc.dir_fd, dst_dir_fd=loc.dir_fd, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV):
            raise
        # no hard links on this filesystem: a plain rename (the window is documented)
        os.replace(tmp, loc.name, src_dir_fd=loc.dir_fd, dst_dir_fd=loc.dir_fd)
        return True
    _unlink_quietly(loc, tmp)
    return True


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return 'uid %d' % uid


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
