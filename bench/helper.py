# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How much a cached apiKeyHelper call costs, relative to starting a shell that does nothing.

    bench/helper [--calls N] [--python PYTHON]      (runs this file with python3)

Renders a helper with the collection's own code (plugins/module_utils/_api_key_helper_script.py), source `command`,
fills its cache, then times, interleaved in one run:
  * a cached call exactly as Claude Code makes it: /bin/sh -c ". '/path/api-key-helper.sh'", stdout to a pipe;
    each call names a new caller (DFCC_API_KEY_HELPER_CALLER), as a new Claude Code session would be, so
    it is served from the cache (a caller that asks twice is refreshed from the source, on purpose);
  * /bin/sh -c true, the same way.
Prints the medians and their ratio (target: at most 3). For comparison it also times the uncached call of
the same helper (the source command runs every time) and, when a Python is given with --python, a bare
Python start, which is what a cached call must not cost.
Both are measured with posix_spawn + waitpid from this process, which is also how Node.js (Claude Code)
starts the helper; no timed assertion: the figure is reported, and the exit code is 0 either way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def import_helper_code(workdir):
    """Import the collection's apiKeyHelper config and script code from this checkout (pure standard library)."""
    tree = os.path.join(workdir, 'collections')
    os.makedirs(os.path.join(tree, 'ansible_collections', 'devfleet'))
    os.symlink(REPO, os.path.join(tree, 'ansible_collections', 'devfleet', 'claude_code'))
    sys.path.insert(0, tree)
    # pylint: disable-next=import-outside-toplevel
    from ansible_collections.devfleet.claude_code.plugins.module_utils import _api_key_helper_config, _api_key_helper_script
    return argparse.Namespace(validate_config=_api_key_helper_config.validate_config,
                              render_script=_api_key_helper_script.render_script,
                              helper_command=_api_key_helper_script.helper_command)


def spawn_time(argv, env):
    read_end, write_end = os.pipe()
    start = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 1),
                                                           (os.POSIX_SPAWN_CLOSE, read_end)])
    os.close(write_end)
    output = b''
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        output += chunk
    os.waitpid(pid, 0)
    elapsed = time.perf_counter_ns() - start
    os.close(read_end)
    return elapsed, output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--calls', type=int, default=500, help='calls of each kind (default 500)')
    parser.add_argument('--python', help='also time a bare start of this Python, for comparison')
    options = parser.parse_args()
    if options.python:
        python_path = shutil.which(options.python)  # posix_spawn does not search PATH
        if not python_path:
            parser.error('--python %s: not found' % options.python)
        options.python = python_path
    workdir = tempfile.mkdtemp(prefix='dfcc-bench-helper.')
    try:
        helper_code = import_helper_code(workdir)
        home = os.path.join(workdir, 'home')
        os.mkdir(home, 0o700)
        key = 'sk-ant-api03-' + 'b' * 95  # the length of a real Anthropic key
        key_file = os.path.join(home, 'vault-key')
        with open(key_file, 'w') as handle:
            handle.write(key + '\n')
        path = os.path.join(home, 'api-key-helper.sh')
        names = ('key', 'env_var', 'secret_id', 'json_key', 'region', 'profile', 'parameter', 'project', 'secret',
                 'version', 'endpoint_url', 'python')
        params = dict((name, None) for name in names)
        params.update(source='command', command='cat %s' % key_file, cache_ttl=3600)
        config = helper_code.validate_config(params, path, None, sys.executable)
        with open(path, 'wb') as handle:
            handle.write(helper_code.render_script(config, path))
        os.chmod(path, 0o700)
        sh = shutil.which('sh', path='/bin:/usr/bin')
        command = helper_code.helper_command(path)  # exactly the apiKeyHelper setting
        env = dict(HOME=home, PATH='/usr/bin:/bin', LANG='C')
        elapsed, output = spawn_time([sh, '-c', command], dict(env, DFCC_API_KEY_HELPER_CALLER='fill'))
        if output != (key + '\n').encode():
            sys.exit('the helper did not print the key: %r' % output)

        cached, baseline, uncached, python = [], [], [], []
        for n in range(options.calls):
            elapsed, output = spawn_time([sh, '-c', command], dict(env, DFCC_API_KEY_HELPER_CALLER='session-%d' % n))
            if output != (key + '\n').encode():
                sys.exit('call %d printed %r' % (n, output))
            cached.append(elapsed)
            baseline.append(spawn_time([sh, '-c', 'true'], env)[0])
            if n % 5 == 0:
                uncached.append(spawn_time([sh, '-c', command], dict(env, DFCC_API_KEY_HELPER_CACHE='0'))[0])
                if options.python:
                    python.append(spawn_time([options.python, '-c', 'pass'], env)[0])
        cache_dir = os.path.join(home, '.cache', 'devfleet-claude-code')
        cache_files = [name for name in os.listdir(cache_dir) if '.seen-' not in name]
        if len(cache_files) != 1:
            sys.exit('expected one cache file, found %s' % cache_files)

        med = dict((name, statistics.median(values) / 1e6) for name, values in
                   (('cached', cached), ('sh', baseline), ('uncached', uncached), ('python', python)) if values)
        ratio = med['cached'] / med['sh']
        print('apiKeyHelper benchmark (%d calls each, %s, %s)' % (options.calls, sh, os.uname().machine))
        print('  median cached helper call  (sh -c ". helper")  %.3f ms' % med['cached'])
        print('  median sh -c true                               %.3f ms' % med['sh'])
        print('  median uncached helper call (runs the command)  %.3f ms  (for comparison)' % med['uncached'])
        if 'python' in med:
            print('  median %s -c pass  %.3f ms  (for comparison)' % (options.python, med['python']))
        print('ratio cached / sh -c true: %.2f (target <= 3: %s)' % (ratio, 'met' if ratio <= 3 else 'NOT MET'))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
