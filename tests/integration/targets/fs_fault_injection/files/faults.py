# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection against the collection's one file writer (ManagedFile), through the code the modules run.

Every loop is bounded (a number of tries, and a time limit) and stops by itself. Each command prints one JSON
object: what it tried and what went wrong. Commands:

  kill      SIGKILL a process that merges into settings.json (as claude_settings does) at random moments;
            after each kill the file must hold a complete version, and the next run must leave no temp file.
  writer    another program that keeps adding keys to settings.json, atomically (temp + rename) or in place
            (truncate + rewrite), as the user; it logs how many keys it added. Stops at --stop-file or --seconds.
  seed      settings.json with thousands of keys that another program wrote.
  check     after the writer stopped: are all the keys it ever added (and the base keys) still in the file?
  linkrace  the user swaps ~/.claude with a symlink and settings.json with a symlink (renameat2 exchange) while
            root merges into the file: nothing may be written outside the home, no temp file may be left.
  merge     run the settings merge N times against a writer started in the same process (measuring old code).

--collections names the directory holding ansible_collections/ (the code under test).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import pwd
import random
import signal
import subprocess
import sys
import time

BASE_KEYS = 2000


def load(collections):
    for path in reversed(collections.split(':')):
        if path:
            sys.path.insert(0, path)
    from ansible_collections.devfleet.claude_code.plugins.module_utils import _settings
    return _settings


def merge_once(settings, user, name, value):
    """What claude_settings does for `env: {name: value}` in user scope."""
    target = settings.resolve_target(scope='user', user=user)
    change = settings.SettingsChange(env=settings.validate_env({name: value}, lambda msg: None))
    return settings.apply_settings_change(target, change, settings.SecretPolicy())


def temp_files(directory, name='settings.json'):
    try:
        return sorted(entry for entry in os.listdir(directory) if entry.startswith('.%s.' % name) and entry.endswith('.tmp'))
    except FileNotFoundError:
        return []


def become(user):
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
    return entry


def seed(path, uid, gid):
    """A settings file with thousands of keys Claude Code (not us) wrote."""
    data = {'model': 'opus', 'env': {'USER_OWN_VAR': 'keep me'},
            'foreignBase': dict(('base_%04d' % i, i) for i in range(BASE_KEYS)), 'foreignWriter': {}}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    os.chown(os.path.dirname(path), uid, gid)
    with open(path, 'w') as handle:
        json.dump(data, handle, indent=2)
    os.chown(path, uid, gid)
    os.chmod(path, 0o600)


# --- kill -9 ------------------------------------------------------------------------------------------------

def cmd_kill(args):
    settings = load(args.collections)
    user = pwd.getpwnam(args.user)
    path = os.path.join(user.pw_dir, '.claude', 'settings.json')
    seed(path, user.pw_uid, user.pw_gid)
    rng = random.Random(args.seed)
    torn, left_by_kill, left_after_next, errors = [], 0, 0, []
    for attempt in range(args.tries):
        ready_r, ready_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child merges in a loop until it is killed (or 5 s pass)
            try:
                os.close(ready_r)
                os.write(ready_w, b'r')
                deadline, count = time.time() + 5, 0
                while time.time() < deadline:
                    count += 1
                    merge_once(settings, args.user, 'DFCC_FI_KILL', 'x' * (count % 97) + str(count))
            finally:
                os._exit(0)
        os.close(ready_w)
        os.read(ready_r, 1)
        os.close(ready_r)
        time.sleep(rng.uniform(0, args.max_delay))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        with open(path, 'rb') as handle:
            content = handle.read()
        try:
            data = json.loads(content)
            if len(data['foreignBase']) != BASE_KEYS or data['env'].get('USER_OWN_VAR') != 'keep me':
                torn.append(attempt)
        except (ValueError, KeyError):
            torn.append(attempt)
        left_by_kill += len(temp_files(os.path.dirname(path)))
        try:
            merge_once(settings, args.user, 'DFCC_FI_NEXT', str(attempt))
        except Exception as exc:  # a clear error is a finding too: report it
            errors.append('%s: %s' % (type(exc).__name__, exc))
        left_after_next += bool(temp_files(os.path.dirname(path)))
    print(json.dumps(dict(tries=args.tries, torn=torn, temp_files_seen_after_kills=left_by_kill,
                          tries_with_temp_files_after_next_run=left_after_next,
                          temp_files_at_end=len(temp_files(os.path.dirname(path))), errors=errors[:3])))


# --- concurrent writers ---------------------------------------------------------------------------------

def cmd_writer(args):
    entry = become(args.user)
    path = os.path.join(entry.pw_dir, '.claude', 'settings.json')
    deadline = time.time() + args.seconds
    added, unreadable, count = [], 0, 0
    while time.time() < deadline and not os.path.exists(args.stop_file):
        try:
            with open(path, 'rb') as handle:
                data = json.loads(handle.read())
        except ValueError:  # only another program's torn write could show this: never write over it
            unreadable += 1
            time.sleep(0.001)
            continue
        count += 1
        key = 'w_%05d' % count
        data.setdefault('foreignWriter', {})[key] = count
        text = json.dumps(data, indent=2).encode()
        if args.mode == 'atomic':
            tmp = '%s.writer-%d' % (path, os.getpid())
            with open(tmp, 'wb') as handle:
                handle.write(text)
            os.rename(tmp, path)
        else:
            with open(path, 'wb') as handle:  # O_TRUNC, then write: what fs.writeFileSync does
                handle.write(text[:len(text) // 2])
                handle.flush()
                time.sleep(0.0005)
                handle.write(text[len(text) // 2:])
        added.append(key)
        time.sleep(args.pause)
    with open(args.log, 'w') as handle:
        json.dump(dict(mode=args.mode, added=added, unreadable=unreadable), handle)
    print(json.dumps(dict(mode=args.mode, writes=len(added), unreadable=unreadable)))


def cmd_seed(args):
    user = pwd.getpwnam(args.user)
    seed(os.path.join(user.pw_dir, '.claude', 'settings.json'), user.pw_uid, user.pw_gid)
    print(json.dumps(dict(base_keys=BASE_KEYS)))


def cmd_check(args):
    with open(args.log) as handle:
        log = json.load(handle)
    with open(args.path, 'rb') as handle:
        data = json.loads(handle.read())
    lost_writer = [key for key in log['added'] if key not in data.get('foreignWriter', {})]
    lost_base = BASE_KEYS - len(data.get('foreignBase', {}))
    print(json.dumps(dict(mode=log['mode'], writer_writes=len(log['added']), lost_writer_keys=len(lost_writer),
                          lost_base_keys=lost_base, lost_user_var=data.get('env', {}).get('USER_OWN_VAR') != 'keep me',
                          temp_files=temp_files(os.path.dirname(args.path)))))


def cmd_merge(args):
    """N merges (as claude_settings does) while a writer process runs: the same check, for any code."""
    settings = load(args.collections)
    user = pwd.getpwnam(args.user)
    path = os.path.join(user.pw_dir, '.claude', 'settings.json')
    seed(path, user.pw_uid, user.pw_gid)
    stop = path + '.stop'
    log = '/tmp/dfcc-fi-merge-%d.json' % os.getpid()
    writer = subprocess.Popen([sys.executable, __file__, 'writer', '--user', args.user, '--mode', args.mode,
                               '--stop-file', stop, '--log', log, '--seconds', '60', '--pause', '0.005'],
                              stdout=subprocess.DEVNULL)
    failures = []
    try:
        time.sleep(0.2)
        for run in range(args.runs):
            try:
                merge_once(settings, args.user, 'DFCC_FI_RUN', str(run))
            except Exception as exc:
                failures.append('%s: %s' % (type(exc).__name__, exc))
    finally:
        open(stop, 'w').close()
        writer.wait()
        os.unlink(stop)
    result = subprocess.run([sys.executable, __file__, 'check', '--path', path, '--log', log],
                            stdout=subprocess.PIPE, check=True)
    os.unlink(log)
    out = json.loads(result.stdout)
    out.update(runs=args.runs, clear_failures=len(failures), failure_messages=sorted(set(failures))[:3])
    print(json.dumps(out))


# --- links swapped by the user ----------------------------------------------------------------------------

def exchange(a, b):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) != 0:  # AT_FDCWD, RENAME_EXCHANGE
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def cmd_swap(args):
    entry = become(args.user)
    home = entry.pw_dir
    claude, settings = os.path.join(home, '.claude'), os.path.join(home, '.claude', 'settings.json')
    dir_link, file_link = os.path.join(home, 'claude-dir-link'), os.path.join(home, 'settings-link')
    for link, target in ((dir_link, args.outside), (file_link, os.path.join(args.outside, 'victim.json'))):
        if not os.path.islink(link):
            os.symlink(target, link)
    deadline = time.time() + args.seconds
    swaps = 0
    while time.time() < deadline and not os.path.exists(args.stop_file):
        for pair in ((claude, dir_link), (settings, file_link)):
            try:
                exchange(*pair)
                swaps += 1
                time.sleep(random.uniform(0, 0.0005))
                exchange(*pair)  # and back, so the next merge finds a home to work in
            except OSError:
                pass
    print(json.dumps(dict(swaps=swaps)))


def cmd_linkrace(args):
    settings = load(args.collections)
    user = pwd.getpwnam(args.user)
    home = user.pw_dir
    path = os.path.join(home, '.claude', 'settings.json')
    seed(path, user.pw_uid, user.pw_gid)
    victim = os.path.join(args.outside, 'victim.json')
    before = sorted(os.listdir(args.outside))
    with open(victim, 'rb') as handle:
        victim_before = handle.read()
    stop = os.path.join(args.outside, 'stop')
    swapper = subprocess.Popen([sys.executable, __file__, 'swap', '--user', args.user, '--outside', args.outside,
                                '--stop-file', stop, '--seconds', '60'], stdout=subprocess.PIPE)
    outcomes = {}
    try:
        time.sleep(0.2)
        for run in range(args.runs):
            try:
                merge_once(settings, args.user, 'DFCC_FI_LINK', str(run))
                outcome = 'written'
            except (settings.SettingsError, settings.UnsafePathError) as exc:
                outcome = 'refused: ' + str(exc).split(';', maxsplit=1)[0].replace(home, '~')[:90]
            except Exception as exc:  # anything else is a crash: counted as a failure
                outcome = 'CRASH %s: %s' % (type(exc).__name__, exc)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    finally:
        open(stop, 'w').close()
        swapped = json.loads(swapper.communicate()[0] or b'{}')
        os.unlink(stop)
    merge_once(settings, args.user, 'DFCC_FI_LINK', 'final')  # the next, undisturbed run cleans up
    with open(victim, 'rb') as handle:
        victim_after = handle.read()
    leftovers = []
    for directory, _dirs, names in os.walk(home):
        leftovers += [os.path.join(directory, name) for name in names if name.endswith('.tmp')]
    print(json.dumps(dict(runs=args.runs, swaps=swapped.get('swaps', 0), outcomes=outcomes,
                          crashes=sum(count for outcome, count in outcomes.items() if outcome.startswith('CRASH')),
                          outside_changed=victim_after != victim_before or sorted(os.listdir(args.outside)) != before,
                          temp_files=leftovers)))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command', required=True)
    for name in ('kill', 'merge', 'linkrace'):
        cmd = sub.add_parser(name)
        cmd.add_argument('--collections', required=True)
        cmd.add_argument('--user', required=True)
        cmd.add_argument('--tries', type=int, default=50)
        cmd.add_argument('--runs', type=int, default=30)
        cmd.add_argument('--seed', type=int, default=11)
        cmd.add_argument('--max-delay', type=float, default=0.05)
        cmd.add_argument('--seconds', type=float, default=5)
        cmd.add_argument('--mode', choices=['atomic', 'inplace'], default='atomic')
        cmd.add_argument('--outside', default='/tmp/dfcc-fi-outside')
    for name in ('writer', 'swap'):
        cmd = sub.add_parser(name)
        cmd.add_argument('--user', required=True)
        cmd.add_argument('--stop-file', required=True)
        cmd.add_argument('--seconds', type=float, default=60)
        cmd.add_argument('--log', default='/dev/null')
        cmd.add_argument('--mode', choices=['atomic', 'inplace'], default='atomic')
        cmd.add_argument('--pause', type=float, default=0.002)
        cmd.add_argument('--outside', default='/tmp/dfcc-fi-outside')
    cmd = sub.add_parser('seed')
    cmd.add_argument('--user', required=True)
    cmd = sub.add_parser('check')
    cmd.add_argument('--path', required=True)
    cmd.add_argument('--log', required=True)
    args = parser.parse_args()
    globals()['cmd_' + args.command.replace('-', '_')](args)


if __name__ == '__main__':
    main()
