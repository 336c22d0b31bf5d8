# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the requirements of a hashed lock that apply to another Python, without their markers.

`pip download --python-version` evaluates environment markers against the running interpreter, not the target
(so a line such as `async-timeout==5.0.1 ; python_full_version < '3.11.3'` is skipped on a 3.11.7 controller,
and the container's Python 3.11.2 then misses it). This evaluates each line's marker for the target version on
Linux and writes the lines that apply, hashes kept, for `pip download --require-hashes --no-deps`.

    python3 lock_for.py LOCK PYTHON_FULL_VERSION OUTPUT
"""

import sys

from packaging.markers import Marker


def main(lock, version, output):
    with open(lock, encoding='utf-8') as handle:
        text = handle.read().replace('\\\n', ' ')
    environment = {
        'python_version': '.'.join(version.split('.')[:2]),
        'python_full_version': version,
        'implementation_name': 'cpython',
        'platform_python_implementation': 'CPython',
        'sys_platform': 'linux',
        'platform_system': 'Linux',
        'os_name': 'posix',
        'platform_machine': 'x86_64',
    }
    kept = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        requirement, hashes = line, ''
        if ' --hash' in line:
            requirement, hashes = line.split(' --hash', 1)
            hashes = ' --hash' + hashes
        name, _sep, marker = requirement.partition(';')
        if marker.strip() and not Marker(marker.strip()).evaluate(environment):
            continue
        kept.append(name.strip() + hashes)
    with open(output, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(kept) + '\n')
    print('%d of the lock\'s requirements apply to Python %s on Linux' % (len(kept), version))


if __name__ == '__main__':
    main(*sys.argv[1:4])
