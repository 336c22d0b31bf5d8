# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a moto server (a local AWS) on 127.0.0.1 on a free port until SIGTERM.

  moto_server.py DIR     writes DIR/pid, then DIR/port when it listens
"""

import os
import signal
import socket
import sys

from moto.server import ThreadedMotoServer


def main():
    directory = sys.argv[1]
    probe = socket.socket()
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False)
    server.start()
    with open(os.path.join(directory, 'pid'), 'w') as handle:
        handle.write('%d\n' % os.getpid())
    with open(os.path.join(directory, 'port.tmp'), 'w') as handle:
        handle.write('%d\n' % port)
    os.rename(os.path.join(directory, 'port.tmp'), os.path.join(directory, 'port'))
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    server.stop()
    return 0


if __name__ == '__main__':
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
