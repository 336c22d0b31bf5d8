# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Claude Code settings files: where they are, how to merge into them, what is secret.

Private to the collection. Every module that changes a Claude Code settings file (claude_settings,
api_key_helper, ...) goes through SettingsTarget + SettingsChange + apply_settings_change(), so there
is exactly one way of writing these files.
"""

from __future__ import annotations

import copy
import difflib
import os
import platform
import re

from ansible_collections.devfleet.claude_code.plugins.module_utils._claude_env_names import (
    CLAUDE_CODE_VERSION,
    KNOWN_NAMES,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import (  # noqa: F401, pylint: disable=unused-import
    REDACTED,
    REDACTED_CHANGED,
    SecretPolicy,
    file_diff,
    looks_secret,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import (
    ManagedFile,
    UnsafePathError,
    lookup_gid,
    lookup_uid,
    list_dir,
    lookup_user,
    open_directory,
    parse_mode,
    read_file,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._json import (
    JsonError,
    dumps as json_dumps,
    loads as json_loads,
)

SCOPES = ('user', 'project', 'local', 'managed')
MANAGED_DIRS = {
    'Linux': '/etc/claude-code',
    'Darwin': '/Library/Application Support/ClaudeCode',
}
SETTINGS_FILE = 'settings.json'
LOCAL_SETTINGS_FILE = 'settings.local.json'
MANAGED_FILE = 'managed-settings.json'
MANAGED_DROPIN_DIR = 'managed-settings.d'

ENV_NAME = re.compile(r'\A[A-Za-z_][A-Za-z0-9_]*\Z')
DROPIN_NAME = re.compile(r'\A[A-Za-z0-9][A-Za-z0-9._-]*\Z')
# variables that any value switches on, "0" and "false" included
PRESENCE_SWITCHES = frozenset((
    'DISABLE_TELEMETRY',
    'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
    'DISABLE_ERROR_REPORTING',
    'DISABLE_AUTOUPDATER',
    'DISABLE_BUG_COMMAND',
    'DISABLE_COST_WARNINGS',
    'DISABLE_NON_ESSENTIAL_MODEL_CALLS',
))
DEPRECATED = {
    'ANTHROPIC_SMALL_FAST_MODEL': 'ANTHROPIC_DEFAULT_HAIKU_MODEL',
}
CHECKED_PREFIXES = ('CLAUDE_', 'ANTHROPIC_')
# a documented family of variables with free-form suffixes
NAME_FAMILIES = re.compile(r'\AVERTEX_REGION_CLAUDE_[A-Z0-9_]+\Z')
# NUL ends a C string: Node refuses to start a process with it in the environment (Claude Code's tools)
NUL = '\x00'


class SettingsError(CollectionError):
    """Bad input or a file we cannot merge into. The message is meant for the user."""


def env_value_to_str(value):
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, float)):
        return str(value)
    return value


def validate_env(env, warn):
    """Check the env option and turn its values into the strings Claude Code requires.

    Returns a new dict (None values kept: they mean "remove"). Raises SettingsError.
    """
    if env is None:
        return {}
    if not isinstance(env, dict):
        raise SettingsError('env must be a dict of variable names to scalar values, got %s' % type(env).__name__)
    out = {}
    for name, value in env.items():
        if not isinstance(name, str) or not ENV_NAME.fullmatch(name):
            raise SettingsError('env: %r is not a valid environment variable name '
                                '(letters, digits and underscores, not starting with a digit)' % (name,))
        if value is None:
            out[name] = None
            continue
        if isinstance(value, (dict, list, tuple, set)):
            raise SettingsError('env: %s must be a scalar (string, number or boolean), got %s; '
                                'Claude Code reads env values as strings' % (name, type(value).__name__))
        if name in PRESENCE_SWITCHES:
            if value is False:
                raise SettingsError('env: %s is switched on by any value, "0" and "false" included; '
                                    'to switch it off, remove it with a null value' % name)
            if isinstance(value, str) and value.strip().lower() in ('0', 'false', 'no', 'off', ''):
                warn('env: %s=%r still switches it on (Claude Code only checks that it is set); '
                     'use a null value to remove it' % (name, value))
        text = env_value_to_str(value)
        if not isinstance(text, str):
            raise SettingsError('env: %s has an unsupported value type %s' % (name, type(value).__name__))
        if NUL in text:
            raise SettingsError('env: %s contains a NUL character, which no process environment can hold '
                                '(Claude Code would not start its tools)' % name)
        out[name] = text
        check_env_name(name, warn)
    return out


def check_env_name(name, warn):
    if name in DEPRECATED:
        warn('env: %s is deprecated; use %s instead' % (name, DEPRECATED[name]))
        return
    if not name.startswith(CHECKED_PREFIXES) or name in KNOWN_NAMES or NAME_FAMILIES.match(name):
        return
    close = difflib.get_close_matches(name, KNOWN_NAMES, n=1, cutoff=0.85)
    hint = '; did you mean %s?' % close[0] if close else ''
    warn('env: %s is not a variable Claude Code %s reads (a typo?)%s' % (name, CLAUDE_CODE_VERSION, hint))


def validate_settings(settings):
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise SettingsError('settings must be a dict of top-level settings keys, got %s' % type(settings).__name__)
    for key in settings:
        if not isinstance(key, str) or not key:
            raise SettingsError('settings: keys must be non-empty strings, got %r' % (key,))
        if key == 'env':
            raise SettingsError('settings: use the env option for environment variables, not settings.env')
        if _has_nul(settings[key]):
            raise SettingsError('settings: %s contains a NUL character; Claude Code cannot use it' % key)
    try:
        json_dumps(settings)
    except JsonError as exc:
        raise SettingsError('settings: values must be JSON data that Claude Code can read (%s)' % exc)
    return settings


def _has_nul(value):
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def parse_settings(data, path):
    """Parse a settings file's bytes into a dict; raise SettingsError saying where it is wrong."""
    if data is None:
        return None
    try:
        text = data.decode('utf-8-sig')
    except UnicodeDecodeError as exc:
        raise SettingsError('%s is not UTF-8 (byte %d); fix or remove it, it was left untouched' % (path, exc.start))
    if not text.strip():
        return {}
    try:
        parsed = json_loads(text)
    except JsonError as exc:
        raise SettingsError('%s is not valid JSON (%s); fix or remove it, it was left untouched' % (path, exc))
    if not isinstance(parsed, dict):
        raise SettingsError('%s holds JSON %s, not an object; Claude Code settings files are objects. '
                            'It was left untouched' % (path, type(parsed).__name__))
    return parsed


def dump_settings(data):
    """Serialise as Claude Code does (JSON.stringify(data, null, 2)) plus a trailing newline.

    Never writes NaN or Infinity (raises SettingsError); lone surrogates are escaped as JSON.stringify does.
    """
    try:
        return (json_dumps(data, indent=2) + '\n').encode('utf-8')
    except JsonError as exc:
        raise SettingsError('the settings cannot be written as JSON that Claude Code can read (%s)' % exc)


class SettingsChange(object):
    """What a task wants in one settings file: env variables and top-level keys (None removes)."""

    def __init__(self, env=None, settings=None, exclusive_env=False):
        self.env = env or {}
        self.settings = settings or {}
        self.exclusive_env = exclusive_env

    def apply(self, current, path):
        """Return the new settings dict for the current one (a dict); raise SettingsError."""
        new = copy.deepcopy(current)
        if self.env or self.exclusive_env:
            env = new.get('env')
            if env is None:
                env = {}
            elif not isinstance(env, dict):
                raise SettingsError('%s: "env" is a %s, not an object; fix the file, it was left untouched'
                                    % (path, type(env).__name__))
            if self.exclusive_env:
                env = dict((name, value) for name, value in env.items() if self.env.get(name) is not None)
            for name, value in self.env.items():
                if value is None:
                    env.pop(name, None)
                else:
                    env[name] = value
            if env or 'env' in new:
                new['env'] = env
        for key, value in self.settings.items():
            if value is None:
                new.pop(key, None)
            else:
                new[key] = copy.deepcopy(value)
        return new


class SettingsTarget(object):
    """One settings file on the host, with the owner and mode it must have."""

    def __init__(self, path, uid=-1, gid=-1, mode=0o600, dir_mode=0o700, scope='path', user=None):
        self.path = path
        self.uid = uid
        self.gid = gid
        self.mode = mode
        self.dir_mode = dir_mode
        self.scope = scope
        self.user = user

    @property
    def world_readable(self):
        return bool(self.mode & 0o004)

    def managed_file(self):
        return ManagedFile(self.path, self.mode, self.uid, self.gid, self.dir_mode)


def managed_dir(system=None):
    system = system or platform.system()
    if system not in MANAGED_DIRS:
        raise SettingsError('managed settings are supported on Linux and macOS, not on %s' % system)
    return MANAGED_DIRS[system]


def user_settings_dir(user_info, config_dir=None):
    """~/.claude, or CLAUDE_CONFIG_DIR (absolute, or relative to the home directory)."""
    if not config_dir:
        return os.path.join(user_info.home, '.claude')
    if config_dir == '~' or config_dir.startswith('~/'):
        config_dir = config_dir[2:]
    return os.path.normpath(os.path.join(user_info.home, config_dir))


def _owner_of(path):
    fd, dummy = open_directory(path)
    if fd is None:
        raise SettingsError('project_dir %s does not exist' % path)
    try:
        st = os.fstat(fd)
        return st.st_uid, st.st_gid
    finally:
        os.close(fd)


def resolve_target(scope=None, user=None, config_dir=None, project_dir=None, dropin=None, path=None,
                   owner=None, group=None, mode=None, system=None):
    """Work out the settings file, its owner and mode from module options. Raises SettingsError."""
    try:
        mode = parse_mode(mode)
    except ValueError as exc:
        raise SettingsError(str(exc))
    if dropin is not None and scope != 'managed':
        raise SettingsError('dropin is only valid with scope: managed')
    if config_dir is not None and scope not in ('user', None):
        raise SettingsError('config_dir is only valid with scope: user')
    if project_dir is not None and scope not in ('project', 'local'):
        raise SettingsError('project_dir is only valid with scope: project or scope: local')
    try:
        info = lookup_user(user) if user is not None else None
        if scope == 'user':
            target = SettingsTarget(os.path.join(user_settings_dir(info, config_dir), SETTINGS_FILE),
                                    info.uid, info.gid, 0o600, 0o700, scope, info.name)
        elif scope in ('project', 'local'):
            if not os.path.isabs(project_dir):
                raise SettingsError('project_dir must be an absolute path, got %r' % project_dir)
            name = SETTINGS_FILE if scope == 'project' else LOCAL_SETTINGS_FILE
            if info is not None:
                uid, gid = info.uid, info.gid
            else:
                uid, gid = _owner_of(os.path.normpath(project_dir))
            target = SettingsTarget(os.path.join(os.path.normpath(project_dir), '.claude', name), uid, gid,
                                    0o644 if scope == 'project' else 0o600, 0o755, scope,
                                    info.name if info else None)
        elif scope == 'managed':
            base = managed_dir(system)
            if dropin is not None:
                if not isinstance(dropin, str) or not DROPIN_NAME.fullmatch(dropin):
                    raise SettingsError('dropin %r must be a plain file name (letters, digits, ".", "_", "-")' % dropin)
                name = dropin if dropin.endswith('.json') else dropin + '.json'
                file_path = os.path.join(base, MANAGED_DROPIN_DIR, name)
            else:
                file_path = os.path.join(base, MANAGED_FILE)
            target = SettingsTarget(file_path, 0, 0, 0o644, 0o755, scope)
        else:
            if not path or not os.path.isabs(path):
                raise SettingsError('path must be an absolute path, got %r' % (path,))
            if info is not None:
                target = SettingsTarget(path, info.uid, info.gid, 0o600, 0o700, 'path', info.name)
            else:
                target = SettingsTarget(path, -1, -1, 0o600, 0o700, 'path')
        if owner is not None:
            target.uid = lookup_uid(owner)
        if group is not None:
            target.gid = lookup_gid(group)
        if mode is not None:
            target.mode = mode
    except UnsafePathError as exc:
        raise SettingsError(str(exc))
    return target


def apply_settings_change(target, change, policy, check_mode=False, diff=False, backup=False):
    """Merge a SettingsChange into the target file safely. Returns the module result (no secrets).

    Raises SettingsError (bad input, invalid file) or UnsafePathError (links, permissions).
    """
    secret_names = sorted(name for name, value in change.env.items()
                          if value is not None and policy.is_secret(name, value))
    secret_names += sorted(key for key, value in change.settings.items() if looks_secret(value))
    if secret_names and target.world_readable:
        raise SettingsError(
            '%s would be readable by every user (mode %04o) and %s %s secret: refusing to write it. '
            'Put secrets in user scope or behind an apiKeyHelper, give the file a mode without "other" '
            'read access, or list a variable in public_env if it is not secret.'
            % (target.path, target.mode, ', '.join(secret_names), 'looks' if len(secret_names) == 1 else 'look'))
    seen = {}

    def render(data):
        current = parse_settings(data, target.path)
        new = change.apply(current or {}, target.path)
        seen['before'], seen['after'] = current, new
        if current is not None and new == current:
            return None
        if current is None and not new:
            return None  # nothing to write and no file: do not create an empty one
        return dump_settings(new)

    outcome = target.managed_file().update(render, check_mode=check_mode, backup=backup)
    before, after = seen.get('before'), seen.get('after')
    result = dict(
        changed=outcome['changed'],
        path=outcome['path'],
        scope=target.scope,
        env_changed=_changed_keys((before or {}).get('env'), (after or {}).get('env')),
        settings_changed=_changed_keys(_without_env(before), _without_env(after)),
        env=policy.redact_env((after or {}).get('env') or {}),
    )
    if outcome['backup_file']:
        result['backup_file'] = outcome['backup_file']
    if diff:
        result['diff'] = file_diff(
            outcome['path'], before, None if before is None and not after else after,
            lambda data: dump_settings(policy.redact(data)).decode('utf-8'),
            lambda data: dump_settings(policy.redact(data, before or {})).decode('utf-8'),
            outcome['attributes_changed'])
    return result


def _without_env(data):
    return dict((key, value) for key, value in (data or {}).items() if key != 'env')


def _changed_keys(before, after):
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    return sorted(key for key in set(before) | set(after) if before.get(key, _MISSING) != after.get(key, _MISSING))


_MISSING = object()


def target_argument_spec():
    """Options that name a settings file (documented in the devfleet.claude_code.settings doc fragment)."""
    return dict(
        scope=dict(type='str', choices=list(SCOPES)),
        user=dict(type='str'),
        config_dir=dict(type='str'),
        project_dir=dict(type='path'),
        dropin=dict(type='str'),
        path=dict(type='path'),
        owner=dict(type='str'),
        group=dict(type='str'),
        mode=dict(type='raw'),
        backup=dict(type='bool', default=False),
    )


def secrets_argument_spec():
    """Options of the devfleet.claude_code.settings.SECRETS doc fragment."""
    return dict(
        secret_env=dict(type='list', elements='str', default=[], no_log=False),
        public_env=dict(type='list', elements='str', default=[]),
    )


TARGET_MUTUALLY_EXCLUSIVE = [('scope', 'path')]
TARGET_REQUIRED_ONE_OF = [('scope', 'path')]
TARGET_REQUIRED_IF = [
    ('scope', 'user', ['user']),
    ('scope', 'project', ['project_dir']),
    ('scope', 'local', ['project_dir']),
]


def target_from_params(params):
    return resolve_target(scope=params.get('scope'), user=params.get('user'), config_dir=params.get('config_dir'),
                          project_dir=params.get('project_dir'), dropin=params.get('dropin'), path=params.get('path'),
                          owner=params.get('owner'), group=params.get('group'), mode=params.get('mode'))


def policy_from_params(params):
    return SecretPolicy(params.get('secret_env'), params.get('public_env'))


def settings_files(user_info, config_dir=None, project_dir=None, include_managed=True, system=None):
    """(scope, path) of every settings file Claude Code reads for a user, highest precedence first.

    Managed drop-ins are merged after the main managed file in alphabetical order, so the last drop-in
    wins and comes first here. Command-line --settings files are not known to the host and not listed.
    """
    files = []
    if include_managed:
        base = managed_dir(system)
        dropins = list_dir(os.path.join(base, MANAGED_DROPIN_DIR)) or []
        for name in reversed([n for n in dropins if n.endswith('.json') and not n.startswith('.')]):
            files.append(('managed', os.path.join(base, MANAGED_DROPIN_DIR, name)))
        files.append(('managed', os.path.join(base, MANAGED_FILE)))
    if project_dir:
        project_dir = os.path.normpath(project_dir)
        files.append(('local', os.path.join(project_dir, '.claude', LOCAL_SETTINGS_FILE)))
        files.append(('project', os.path.join(project_dir, '.claude', SETTINGS_FILE)))
    files.append(('user', os.path.join(user_settings_dir(user_info, config_dir), SETTINGS_FILE)))
    return files


def state_file(user_info, config_dir=None):
    """Claude Code's own state file (~/.claude.json, or .claude.json in CLAUDE_CONFIG_DIR)."""
    if config_dir:
        return os.path.join(user_settings_dir(user_info, config_dir), '.claude.json')
    return os.path.join(user_info.home, '.claude.json')


def load_settings_file(path):
    """Read and parse one settings file safely: (exists, data or None, error message or None)."""
    try:
        state = read_file(path)
    except (UnsafePathError, OSError) as exc:
        return True, None, str(exc)
    if state is None:
        return False, None, None
    try:
        return True, parse_settings(state.data, path), None
    except SettingsError as exc:
        return True, None, str(exc)


def effective_settings(loaded):
    """Merge loaded files [(scope, path, data)] given highest precedence first.

    Returns (env, settings): name -> {value, scope, path}. env merges per variable; other top-level keys are
    taken whole from the highest file that sets them.
    """
    env, settings = {}, {}
    for scope, path, data in loaded:
        if not isinstance(data, dict):
            continue
        file_env = data.get('env')
        if isinstance(file_env, dict):
            for name, value in file_env.items():
                env.setdefault(name, dict(value=value, scope=scope, path=path))
        for key, value in data.items():
            if key != 'env':
                settings.setdefault(key, dict(value=value, scope=scope, path=path))
    return env, settings
