# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a moto server (a local AWS: STS, IAM, Secrets Manager, SSM, ...) on 127.0.0.1, on a free port, until SIGTERM.

  moto_server.py --port-file F      the port file appears (atomically) when it listens
Started and stopped by setup_loopback_server (through setup_moto_server's start.yml and stop.yml).
"""

import argparse
import os
import signal
import sys

from moto.server import ThreadedMotoServer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port-file', required=True)
    options = parser.parse_args()
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
    server.start()
    tmp = options.port_file + '.tmp'
    with open(tmp, 'w') as handle:
        handle.write('%d\n' % server.get_host_and_port()[1])
    os.rename(tmp, options.port_file)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    server.stop()
    return 0


if __name__ == '__main__':
    # blocked in every thread (the server's threads inherit the mask), so that sigwait receives them
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    sys.exit(main())
