# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run something as another user, with a deadline and a clean environment. Private to the collection.

The one place that switches users. Modules that run what a user configured (an apiKeyHelper, a credential_process,
a LiteLLM configuration, ``claude -p``) must run it AS that user: a command that the user could have written into
their own files must never run as root. Every child gets a clean environment (HOME, USER, LOGNAME, PATH, the
proxy and CA variables, and the variables the caller gives; nothing else of root's, in particular no AWS_*
credentials), starts its own session so that everything it starts is killed together when time runs out, and
runs in the user's home (or the directory the caller gives).

* run_command_as(user, argv, stdin, timeout, env, cwd): a command; returns (rc, stdout, stderr) as bytes.
* run_as(user, func, timeout, env): a Python function in a forked child (bedrock_info resolves a profile with
  botocore as the user); returns its JSON result.
"""

from __future__ import annotations

import json
import os
import pwd
import select
import signal
import subprocess
import sys
import time
import traceback

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError

KEEP_ENV = ('PATH', 'LANG', 'LC_ALL', 'TZ', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY',
            'no_proxy', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE')
DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


class RunAsError(CollectionError):
    """The child could not run, timed out or died. The message is meant for the user."""


class RunAsTimeout(RunAsError):
    """The child did not finish in time; it and everything it started were killed."""


def _who(user_info):
    return user_info.name if user_info is not None else pwd.getpwuid(os.geteuid()).pw_name


def check_privileges(user_info, what='running a check'):
    """Raise RunAsError when this process cannot become user_info (None: the current user)."""
    if user_info is not None and os.geteuid() not in (0, user_info.uid):
        raise RunAsError('%s as %s needs root (become: true), or run the task as %s'
                         % (what, user_info.name, user_info.name))


def clean_environment(user_info, env=None):
    """The environment of a child running as user_info: KEEP_ENV of ours, the user's identity, then env."""
    new_env = dict((name, os.environ[name]) for name in KEEP_ENV if name in os.environ)
    new_env.setdefault('PATH', DEFAULT_PATH)
    if user_info is not None:
        new_env.update(HOME=user_info.home, USER=user_info.name, LOGNAME=user_info.name)
    else:
        new_env.update((name, value) for name, value in os.environ.items() if name in ('HOME', 'USER', 'LOGNAME'))
    new_env.update(env or {})
    return new_env


def _become(user_info):
    """In a child process: drop to user_info's uid, gid and supplementary groups (None, or already them: nothing)."""
    if user_info is not None and os.geteuid() != user_info.uid:
        os.setgroups(os.getgrouplist(user_info.name, user_info.gid))
        os.setgid(user_info.gid)
        os.setuid(user_info.uid)


def _switch_user(user_info):
    """subprocess arguments that run a child as user_info (uid, gid and supplementary groups)."""
    if user_info is None or os.geteuid() == user_info.uid:
        return {}
    if sys.version_info >= (3, 9):
        return dict(user=user_info.uid, group=user_info.gid,
                    extra_groups=os.getgrouplist(user_info.name, user_info.gid))
    return dict(preexec_fn=lambda: _become(user_info))  # Python 3.8: no user/group arguments yet


def _kill_group(pid):
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass


def run_command_as(user_info, argv, stdin=None, timeout=60, env=None, cwd=None):
    """Run argv as user_info (None: as the current user); return (rc, stdout, stderr) as bytes.

    stdin (bytes) is the child's input (else it reads nothing); cwd defaults to the user's home (or /).
    Raises RunAsError when the command cannot start, RunAsTimeout (after killing its session) when it runs
    longer than timeout seconds.
    """
    check_privileges(user_info)
    environ = clean_environment(user_info, env)
    if cwd is None:
        cwd = environ.get('HOME') or '/'
        cwd = cwd if os.path.isdir(cwd) else '/'
    try:
        # not AnsibleModule.run_command: it can neither switch to another user nor time out
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                                stderr=subprocess.PIPE, cwd=cwd, env=environ, close_fds=True,
                                start_new_session=True, **_switch_user(user_info))
    except OSError as exc:
        raise RunAsError('cannot run %s as %s: %s' % (argv[0], _who(user_info), exc.strerror or exc))
    try:
        out, err = proc.communicate(stdin or b'', timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        raise RunAsTimeout('%s did not finish within %d seconds when run as %s' % (argv[0], timeout, _who(user_info)))
    return proc.returncode, out, err


def _child(user_info, func, env, write_fd):
    payload = None
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)  # stdout is the module's JSON channel: nothing else may write to it
        _become(user_info)
        home = user_info.home if user_info is not None else os.environ.get('HOME', '/')
        new_env = clean_environment(user_info, env)
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
    check_privileges(user_info, 'checking credentials')
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
            _kill_group(pid)
        os.waitpid(pid, 0)
    who = _who(user_info)
    if timed_out:
        raise RunAsTimeout('no answer within %d seconds while resolving credentials as %s (a credential_process or '
                           'an endpoint that hangs?); raise timeout if it is only slow' % (timeout, who))
    try:
        answer = json.loads(b''.join(chunks).decode('utf-8'))
    except ValueError:
        raise RunAsError('the check running as %s died without an answer' % who)
    if 'error' in answer:
        raise RunAsError('the check running as %s failed: %s' % (who, answer['error']))
    return answer['ok']
