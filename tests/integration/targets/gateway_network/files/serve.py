# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a foreground server (HAProxy, tinyproxy) under setup_loopback_server's start.yml/stop.yml.

usage: serve.py PORT COMMAND... --port-file FILE

start.yml appends `--port-file FILE` to the command line: this writes PORT there once the server accepts
connections on 127.0.0.1:PORT, and passes SIGTERM (stop.yml) on to the server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

START_TIMEOUT = 30


def listening(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
    except OSError:
        return False
    return True


def main():
    if len(sys.argv) < 5 or sys.argv[-2] != '--port-file':
        sys.exit(__doc__)
    port, command, port_file = int(sys.argv[1]), sys.argv[2:-2], sys.argv[-1]
    if listening(port):
        sys.exit('127.0.0.1:%d is already taken' % port)
    child = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())
    deadline = time.monotonic() + START_TIMEOUT
    while not listening(port):
        if child.poll() is not None:
            sys.exit('%s exited with %d before it listened' % (command[0], child.returncode))
        if time.monotonic() > deadline:
            child.terminate()
            sys.exit('%s did not listen on 127.0.0.1:%d within %d s' % (command[0], port, START_TIMEOUT))
        time.sleep(0.1)
    with open(port_file + '.tmp', 'w') as stream:
        stream.write('%d\n' % port)
    os.rename(port_file + '.tmp', port_file)  # last: its presence means "ready"
    sys.exit(child.wait())


if __name__ == '__main__':
    main()
