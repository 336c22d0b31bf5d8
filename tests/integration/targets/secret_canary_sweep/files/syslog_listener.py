# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A syslog datagram listener on a Unix socket, for one test run: start SOCKET LOG PIDFILE | stop PIDFILE.

start refuses to replace an existing socket (a real syslog daemon), binds SOCKET, detaches, and appends each
datagram to LOG (0600) until it gets SIGTERM; it then removes SOCKET. stop sends SIGTERM and waits for that.
"""

import os
import signal
import socket
import sys
import time


def start(path, log, pidfile):
    if os.path.lexists(path):
        sys.exit('%s exists (a syslog daemon?): refusing to replace it' % path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def finish(signum, frame):
        try:
            os.unlink(path)
        finally:
            os._exit(0)

    signal.signal(signal.SIGTERM, finish)
    with open(pidfile, 'w') as handle:
        handle.write('%d\n' % os.getpid())
    deadline = time.time() + 1800  # never outlive a stuck test by long
    sock.settimeout(5)
    while time.time() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        os.write(out, data + b'\n')
    finish(None, None)


def stop(pidfile):
    try:
        with open(pidfile) as handle:
            pid = int(handle.read())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for dummy in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


if __name__ == '__main__':
    if sys.argv[1] == 'start':
        start(*sys.argv[2:5])
        # the parent returns once the child has written its pid file
    else:
        stop(sys.argv[2])
