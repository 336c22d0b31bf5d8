# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a function as another user, in a child process with a deadline. Private to the collection.

Modules that check a user's credentials (bedrock_info) must resolve them AS that user: an AWS profile can
name a credential_process, and a command that the user could have written into their own ~/.aws/config
must never run as root. run_as() forks; the child drops to the user's uid, gid and groups (when running
as root), gets a clean environment (HOME, USER, LOGNAME, PATH, the proxy and CA variables, and the
variables the caller gives; nothing else of root's, in particular no AWS_* credentials), starts its own
session so that everything it starts can be killed together, runs the function and sends back its JSON
result through a pipe. The parent waits at most ``timeout`` seconds, then kills the child's process group.
"""

from __future__ import annotations

import json
import os
import pwd
import select
import signal
import time
import traceback

KEEP_ENV = ('PATH', 'LANG', 'LC_ALL', 'TZ', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY',
            'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE')


class RunAsError(Exception):
    """The child could not run, timed out or died. The message is meant for the user."""


def _child(user_info, func, env, write_fd):
    payload = None
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)  # stdout is the module's JSON channel: nothing else may write to it
        if user_info is not None and os.geteuid() != user_info.uid:
            os.setgroups(os.getgrouplist(user_info.name, user_info.gid))
            os.setgid(user_info.gid)
            os.setuid(user_info.uid)
        home = user_info.home if user_info is not None else os.environ.get('HOME', '/')
        new_env = dict((name, os.environ[name]) for name in KEEP_ENV if name in os.environ)
        new_env.setdefault('PATH', '/usr/local/bin:/usr/bin:/bin')
        if user_info is not None:
            new_env.update(HOME=home, USER=user_info.name, LOGNAME=user_info.name)
        else:
            new_env.update((name, value) for name, value in os.environ.items()
                           if name in ('HOME', 'USER', 'LOGNAME'))
        new_env.update(env or {})
        os.environ.clear()
        os.environ.update(new_env)
        try:
            os.chdir(home)
        except OSError:
            os.chdir('/')
        payload = json.dumps({'ok': func()})
    except BaseException as exc:  # pylint: disable=broad-except
        payload = json.dumps({'error': '%s: %s' % (type(exc).__name__, exc), 'traceback': traceback.format_exc()})
    data = payload.encode('utf-8')
    while data:
        written = os.write(write_fd, data)
        data = data[written:]
    os._exit(0)


def run_as(user_info, func, timeout=60, env=None):
    """Run func() as user_info (None: as the current user) in a child; return what it returned (JSON data).

    Raises RunAsError when the child fails, dies or runs out of time; the message says why.
    """
    if user_info is not None and os.geteuid() not in (0, user_info.uid):
        raise RunAsError('checking credentials as %s needs root (become: true), or run the task as %s'
                         % (user_info.name, user_info.name))
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        os.close(read_fd)
        _child(user_info, func, env, write_fd)
    os.close(write_fd)
    chunks = []
    deadline = time.monotonic() + timeout
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, dummy, dummy = select.select([read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_fd)
        if timed_out:
            for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    target()
                except OSError:
                    pass
        os.waitpid(pid, 0)
    who = user_info.name if user_info is not None else pwd.getpwuid(os.geteuid()).pw_name
    if timed_out:
        raise RunAsError('no answer within %d seconds while resolving credentials as %s (a credential_process or '
                         'an endpoint that hangs?); raise timeout if it is only slow' % (timeout, who))
    try:
        answer = json.loads(b''.join(chunks).decode('utf-8'))
    except ValueError:
        raise RunAsError('the check running as %s died without an answer' % who)
    if 'error' in answer:
        raise RunAsError('the check running as %s failed: %s' % (who, answer['error']))
    return answer['ok']
