# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Look for canaries: scan.py CANARIES_JSON MARKER --text FILE... --tree DIR...

Searches every --text file (captured output, the syslog capture) and every world-readable regular file under
each --tree directory (4 levels deep)
modified after MARKER. Prints JSON: the number of canaries, files scanned and hits
(file and canary NAME, never the value).
"""

import json
import os
import stat
import sys

MAX_DEPTH = 4  # home/.config/gcloud/application_default_credentials.json is 3 below the home


def main(argv):
    with open(argv[0]) as handle:
        canaries = json.load(handle)
    marker = os.stat(argv[1]).st_mtime
    texts, trees, mode = [], [], None
    for arg in argv[2:]:
        if arg in ('--text', '--tree'):
            mode = arg
        elif mode == '--text':
            texts.append(arg)
        else:
            trees.append(arg)
    files = list(texts)
    for tree in trees:
        depth = tree.rstrip('/').count('/')
        for root, dirs, names in os.walk(tree):
            dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))
                       and root.count('/') - depth < MAX_DEPTH]
            for name in names:
                path = os.path.join(root, name)
                try:
                    st = os.lstat(path)
                except OSError:
                    continue
                if (stat.S_ISREG(st.st_mode) and st.st_mode & stat.S_IROTH and st.st_mtime >= marker
                        and st.st_size < 5 * 1024 * 1024):
                    files.append(path)
    hits = []
    files = list(dict.fromkeys(files))
    for path in files:
        try:
            with open(path, 'rb') as handle:
                data = handle.read()
        except OSError:
            continue
        for name, value in canaries.items():
            if value.encode('utf-8') in data:
                hits.append(dict(file=path, canary=name))
    print(json.dumps(dict(canaries=len(canaries), scanned=len(files), hits=hits,
                          world_readable=len(files) - len(texts))))


if __name__ == '__main__':
    main(sys.argv[1:])
