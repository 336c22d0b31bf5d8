# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One apiKeyHelper on a host: its script, its key file, its settings entry (ApiKeyHelper). Private.

The api_key_helper module (and claude_code_host, for each user) is a thin shell around ApiKeyHelper. What a
helper may be told to do and the checks on it: _api_key_helper_config. The script it installs and why it looks
the way it does: _api_key_helper_script (the design notes are there). The Python fetcher of the cloud sources:
_api_key_helper_fetcher. Before anything is written the helper is run as its user (verify), through _run_as.
"""

from __future__ import annotations

import os
import pwd
import re
import sys

from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_config import (
    CACHED_SOURCES,
    LIBRARIES,
    PRINTABLE_KEY,
    HelperError,
    check_key,
    validate_config,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_script import (
    CACHE_SUBDIR,
    cache_dirs,
    cache_prefix,
    helper_command,
    redact_script,
    render_script,
    runtime_dir,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import (
    ManagedFile,
    UnsafePathError,
    list_dir,
    lookup_user,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import SecretPolicy, looks_secret, mask, outcome_diff
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import RunAsError, RunAsTimeout, run_command_as
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    SettingsChange,
    apply_settings_change,
    managed_dir,
    resolve_target,
    user_settings_dir,
    validate_env,
    validate_settings,
)

TTL_VAR = 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS'
HELPER_NAME = 'api-key-helper'
VERIFY_TIMEOUT = 120


# --- running things as the user ------------------------------------------------------------------------

def run_as(user, argv, stdin=None, timeout=VERIFY_TIMEOUT, env=None):
    """Run argv as user (a UserInfo) in their home with a clean environment (_run_as); (rc, stdout, stderr) bytes."""
    if os.geteuid() not in (0, user.uid):
        raise HelperError('running the helper as %s needs root: run the task with become: true, or verify: false'
                          % user.name)
    try:
        return run_command_as(user, argv, stdin=stdin, timeout=timeout, env=dict({'LANG': 'C.UTF-8'}, **(env or {})))
    except RunAsTimeout:
        raise HelperError('the helper did not finish within %d seconds when run as %s (does its source wait for '
                          'input or a login?); fix the source or set verify: false' % (timeout, user.name))
    except RunAsError as exc:
        raise HelperError(str(exc))


def last_line(data):
    lines = [line.strip() for line in data.decode('utf-8', 'replace').splitlines() if line.strip()]
    return lines[-1] if lines else ''


def check_library(config, user):
    """Fail clearly when the interpreter the helper will run cannot import its library, as that user."""
    module, package = LIBRARIES[config.source]
    probe = 'import sys; sys.path[:] = [p for p in sys.path if p not in ("", ".")]; import %s' % module
    try:
        rc, dummy, err = run_as(user, [config.python, '-c', probe], timeout=60)
    except HelperError as exc:
        raise HelperError('%s; the helper runs %s as each user: set python to an interpreter they can run that has %s'
                          % (exc, config.python, package))
    if rc != 0:
        raise HelperError(
            'the helper would run %s as %s, which cannot import %s there (%s). Install %s for that interpreter '
            '(pip install %s), or set python to one that has it and that %s can run.'
            % (config.python, user.name, module, last_line(err) or 'exit %d' % rc, package, package, user.name))


def verify_script(script, user):
    """Run the rendered helper as the user, cache bypassed; return the key it printed. Raise HelperError."""
    rc, out, err = run_as(user, ['/bin/sh', '-s'], stdin=script, env=dict(DFCC_API_KEY_HELPER_CACHE='0'))
    key = out.decode('utf-8', 'replace').strip()
    if rc != 0:
        reason = last_line(err) or 'exit %d' % rc
        if reason.startswith('api-key-helper: '):
            reason = reason[len('api-key-helper: '):]
        return None, 'the helper failed when run as %s: %s' % (user.name, reason)
    try:
        check_key(key, 'the key the helper printed')
    except HelperError as exc:
        return key, str(exc)
    return key, None


def syntax_check(script):
    """sh -n: a command that is not valid shell would break every call of the helper."""
    try:
        rc, dummy, err = run_command_as(None, ['/bin/sh', '-n'], stdin=script, timeout=60)
    except RunAsError as exc:
        raise HelperError('cannot check the command\'s shell syntax: %s' % exc)
    if rc != 0:
        raise HelperError('command is not valid /bin/sh syntax: %s' % re.sub(r'^\S*sh: (line )?\d+: ', '', last_line(err)))


# --- settings --------------------------------------------------------------------------------------------

class HelperSettingsChange(SettingsChange):
    """The task's env/settings plus apiKeyHelper (and the TTL) set, or removed when they are ours."""

    def __init__(self, env, settings, command, helper_path, present):
        super(HelperSettingsChange, self).__init__(env=env, settings=settings)
        self.command = command
        self.helper_path = helper_path
        self.present = present

    def is_ours(self, value):
        return isinstance(value, str) and (value.strip() == self.command or self.helper_path in value)

    def apply(self, current, path):
        new = super(HelperSettingsChange, self).apply(current, path)
        if self.present:
            new['apiKeyHelper'] = self.command
        elif self.is_ours(current.get('apiKeyHelper')):
            new.pop('apiKeyHelper', None)
            env = new.get('env')
            if isinstance(env, dict) and TTL_VAR in env and TTL_VAR not in self.env:
                env.pop(TTL_VAR)
        return new


# --- the resource ----------------------------------------------------------------------------------------

def _nobody():
    try:
        entry = pwd.getpwnam('nobody')
        return lookup_user(entry.pw_name)
    except (KeyError, UnsafePathError):
        return lookup_user(os.geteuid())


class ApiKeyHelper(object):
    """One apiKeyHelper: the script, its key file (source file), its settings entry.

    params are the module's; warn(msg) reports warnings; add_secret(value) masks a value in all output.
    """

    def __init__(self, params, warn, add_secret, check_mode=False, diff=False, default_python=None):
        self.params = params
        self.warn = warn
        self.add_secret = add_secret
        self.check_mode = check_mode
        self.diff = diff
        self.default_python = default_python or sys.executable
        self.scope = params['scope']
        self.present = params['state'] == 'present'
        if self.scope == 'managed' and params.get('config_dir') is not None:
            raise HelperError('config_dir is only valid with scope: user')
        if self.scope == 'user' and params.get('dropin') is not None:
            raise HelperError('dropin is only valid with scope: managed')
        self.user = lookup_user(params['user']) if params.get('user') is not None else None
        self.target = resolve_target(scope=self.scope, user=params.get('user'), config_dir=params.get('config_dir'),
                                     dropin=params.get('dropin'))
        self.helper_path = params.get('helper_path') or self._default_helper_path()
        if not os.path.isabs(self.helper_path) or os.path.basename(self.helper_path) in ('', '.', '..'):
            raise HelperError('helper_path must be an absolute file path, got %r' % self.helper_path)
        if not PRINTABLE_KEY.match(self.helper_path):
            raise HelperError('helper_path must be printable characters only, got %r' % self.helper_path)
        base = self.helper_path[:-3] if self.helper_path.endswith('.sh') else self.helper_path
        self.key_path = base + '.key'
        if self.scope == 'user':
            self.owner_uid, self.owner_gid, self.mode, self.dir_mode = self.user.uid, self.user.gid, 0o700, 0o700
        else:
            self.owner_uid, self.owner_gid, self.mode, self.dir_mode = 0, 0, 0o755, 0o755

    def _default_helper_path(self):
        if self.scope == 'user':
            return os.path.join(user_settings_dir(self.user, self.params.get('config_dir')), HELPER_NAME + '.sh')
        dropin = self.params.get('dropin')
        name = HELPER_NAME + ('-' + dropin[:-5] if dropin and dropin.endswith('.json') else
                              '-' + dropin if dropin else '') + '.sh'
        return os.path.join(managed_dir(), name)

    # -- files --
    def _helper_file(self):
        return ManagedFile(self.helper_path, self.mode, self.owner_uid, self.owner_gid, self.dir_mode)

    def _key_file(self):
        return ManagedFile(self.key_path, 0o600, self.owner_uid, self.owner_gid, self.dir_mode)

    def _file_diff(self, outcome, secret=False):
        if secret:
            changed = outcome['content_changed'] and outcome['before'] is not None
            return outcome_diff(outcome, lambda data: mask() + '\n', lambda data: mask(changed) + '\n',
                                path=self.key_path)
        return outcome_diff(outcome, lambda data: redact_script(data.decode('utf-8', 'replace')), path=self.helper_path)

    def _settings_change(self, present):
        env = validate_env(self.params.get('env'), self.warn)
        settings = dict(validate_settings(self.params.get('settings')))
        if 'apiKeyHelper' in settings:
            raise HelperError('settings: apiKeyHelper is what this module sets; remove it from settings')
        ttl_ms = self.params.get('ttl_ms')
        if ttl_ms is not None:
            if TTL_VAR in env:
                raise HelperError('give the TTL either as ttl_ms or as env.%s, not both' % TTL_VAR)
            if not present:
                raise HelperError('ttl_ms is only used with state: present')
            if ttl_ms < 0:
                raise HelperError('ttl_ms must be 0 or more milliseconds, got %d' % ttl_ms)
            env[TTL_VAR] = str(ttl_ms)
        return HelperSettingsChange(env, settings, helper_command(self.helper_path), self.helper_path, present)

    # -- checks --
    def _check(self, config, script):
        if self.scope == 'managed' and config.source == 'file':
            raise HelperError(
                'source: file cannot be used with scope: managed: the key file would have to be readable by every '
                'user of the machine. Use scope: user for each user, or a source that each user reads with their '
                'own credentials (env, command, aws_secretsmanager, aws_ssm, gcp_secretmanager).')
        if config.source == 'command':
            if self.scope == 'managed' and looks_secret(config.options['command']):
                raise HelperError('command looks like it holds a credential, and a managed helper script is '
                                  'readable by every user: fetch the key from a vault or a file instead')
            syntax_check(script)
        verify = self.params['verify'] and config.source not in ('file', 'env')
        runner = self.user
        if verify and runner is not None:
            key, problem = verify_script(script, runner)
            if key:
                self.add_secret(key)
            if problem:
                raise HelperError('%s. Nothing was changed. Fix the source (or its credentials for %s), or set '
                                  'verify: false to install the helper anyway.' % (problem, runner.name))
            return
        if config.uses_python:
            check_library(config, runner or _nobody())

    # -- state --
    def run(self, policy, backup=False):
        """Install or remove the helper and its registration; return the module result.

        Nothing is written when a check fails: the helper is verified and the settings change is computed
        (dry run, which catches an invalid settings file) before the key file, the helper and then the
        settings file are written, in that order, so Claude Code never points at a helper that is not there.
        On removal the registration goes first.
        """
        result = dict(changed=False, helper_path=self.helper_path, helper_command=helper_command(self.helper_path))
        # the command this module installs is its own: shown; any other apiKeyHelper value is hidden
        policy = SecretPolicy(policy.secret_env, policy.public_env, [helper_command(self.helper_path)])
        diffs = []
        change = self._settings_change(self.present)
        if self.present:
            config = validate_config(self.params, self.helper_path, self.key_path, self.default_python)
            script = render_script(config, self.helper_path, self.user if self.scope == 'user' else None)
            self._check(config, script)
            apply_settings_change(self.target, change, policy, check_mode=True)
            result.update(source=config.source, cache_ttl=config.cache_ttl if config.source in CACHED_SOURCES else 0)
            if config.uses_python:
                result['python'] = config.python
            if config.source == 'file':
                key = (self.params['key'] + '\n').encode('utf-8')
                outcome = self._key_file().update(lambda data: key, check_mode=self.check_mode)
                result['key_file'] = self.key_path
            else:
                outcome = self._key_file().remove(check_mode=self.check_mode)  # a key left behind is a leak
            if outcome['changed'] or config.source == 'file':
                diffs.append(self._file_diff(outcome, secret=True))
            result['changed'] |= outcome['changed']
            outcome = self._helper_file().update(lambda data: script, check_mode=self.check_mode)
            result['changed'] |= outcome['changed']
            diffs.append(self._file_diff(outcome))
            settings = apply_settings_change(self.target, change, policy, check_mode=self.check_mode,
                                             diff=self.diff, backup=backup)
        else:
            settings = apply_settings_change(self.target, change, policy, check_mode=self.check_mode,
                                             diff=self.diff, backup=backup)
            outcome = self._key_file().remove(check_mode=self.check_mode)
            if outcome['changed']:
                diffs.append(self._file_diff(outcome, secret=True))
            result['changed'] |= outcome['changed'] | self._remove_caches()
            outcome = self._helper_file().remove(check_mode=self.check_mode)
            result['changed'] |= outcome['changed']
            diffs.append(self._file_diff(outcome))
        settings_diff = settings.pop('diff', None)
        result['changed'] |= settings.pop('changed')
        result.update(settings)
        if self.diff:
            result['diff'] = ([settings_diff] if settings_diff else []) + diffs
        return result

    def _remove_caches(self):
        """Cached keys of this helper in every directory it may have cached them in (see cache_dirs)."""
        changed = False
        prefix = cache_prefix(self.helper_path) + '-'
        # each directory with the user whose cache it is: the files are theirs, in a directory they can write
        if self.scope == 'user':
            dirs = [(directory, self.user.uid, self.user.gid) for directory in cache_dirs(self.user)]
        else:  # a managed helper ran as any user: their runtime directories and their homes
            dirs = [(os.path.join(runtime_dir(int(name)), CACHE_SUBDIR), int(name), -1)
                    for name in (list_dir('/run/user') or []) if name.isdigit()]
            dirs += sorted(set((os.path.join(entry.pw_dir, '.cache', CACHE_SUBDIR), entry.pw_uid, entry.pw_gid)
                               for entry in pwd.getpwall() if os.path.isabs(entry.pw_dir) and entry.pw_dir != '/'))
        for directory, uid, gid in dirs:
            try:
                names = list_dir(directory) or []
            except UnsafePathError:
                continue
            for name in names:
                if name.startswith(prefix):
                    try:
                        outcome = ManagedFile(os.path.join(directory, name), 0o600, uid, gid).remove(
                            check_mode=self.check_mode)
                    except UnsafePathError as exc:  # the user's own cache: theirs to clean up; warn, go on
                        self.warn('left a cached key in place: %s' % exc)
                        continue
                    changed |= outcome['changed']
        return changed
