# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a moto server (a local AWS endpoint: Secrets Manager, SSM, ...) on 127.0.0.1, on a free port.

  moto_server.py --port-file F --pid-file F      start; the port file appears when it listens
  moto_server.py --stop --pid-file F             stop it
"""

import argparse
import os
import signal
import sys
import threading


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port-file')
    parser.add_argument('--pid-file', required=True)
    parser.add_argument('--stop', action='store_true')
    options = parser.parse_args()
    if options.stop:
        try:
            with open(options.pid_file) as handle:
                os.kill(int(handle.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        return 0
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)
    server.start()
    with open(options.pid_file, 'w') as handle:
        handle.write('%d\n' % os.getpid())
    tmp = options.port_file + '.tmp'
    with open(tmp, 'w') as handle:
        handle.write('%d\n' % server.get_host_and_port()[1])
    os.rename(tmp, options.port_file)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: done.set())
    done.wait()
    server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
