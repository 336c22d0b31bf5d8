# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet doctor's rules: what it reads for a user and what it reports. Private to the collection.

Two halves, so every rule is unit-testable without a host:

* ``collect_user()`` reads (never writes) what Claude Code reads for one user: the settings files in
  Claude Code's precedence (``_settings.settings_files``/``effective_settings``), ``~/.claude.json``, the
  AWS config/credentials, the gcloud ADC file, the apiKeyHelper script and the installed CLI. Files are
  read through ``_fs.read_file`` (no symlink a user planted is followed).
* ``RULES`` are pure functions of that ``UserFacts``; each returns findings with a stable code
  (``CATALOGUE``: code -> name, severity, what to do). docs/doctor.md lists them.

Secrets: values never leave this module in clear. Effective env values are redacted with
``_settings.SecretPolicy``; drift on a secret value is decided by comparing SHA-256 digests and reported
without either value or digest; ``secret_values()`` gives the module what to add to ``no_log_values``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shlex
import stat

from ansible_collections.devfleet.claude_code.plugins.module_utils._aws_config import find_config_profile
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import UnsafePathError, read_file
from ansible_collections.devfleet.claude_code.plugins.module_utils._gcloud_adc import DEFAULT_ADC_PATH
from ansible_collections.devfleet.claude_code.plugins.module_utils._ini import IniError, IniFile
from ansible_collections.devfleet.claude_code.plugins.module_utils._json import loads as json_loads
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import REDACTED
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    DEPRECATED,
    SettingsError,
    check_env_name,
    effective_settings,
    env_value_to_str,
    load_settings_file,
    settings_files,
    state_file,
)

SEVERITIES = ('error', 'warning', 'info')

# code: (name, severity, fix). Codes are stable: never renumber, only add.
CATALOGUE = {
    'DFCC101': ('multiple-providers', 'error',
                'Switch on one provider only: remove every CLAUDE_CODE_USE_* variable but the one you use.'),
    'DFCC102': ('shadowed-credentials', 'warning',
                'Keep one credential: Claude Code uses ANTHROPIC_AUTH_TOKEN before ANTHROPIC_API_KEY before the '
                'apiKeyHelper, so the others are dead weight (and a secret lying around).'),
    'DFCC103': ('login-blocks-gateway', 'error',
                'Remove forceLoginMethod/forceLoginOrgUUID from the managed settings on hosts that use a gateway or a '
                'cloud provider, or set forceLoginMethod to "gateway" with forceLoginGatewayUrl.'),
    'DFCC111': ('bedrock-no-region', 'warning',
                'Set AWS_REGION in env (or a region in the AWS profile); without one Claude Code falls back to '
                'us-east-1.'),
    'DFCC112': ('bedrock-profile-missing', 'error',
                'Create the profile in ~/.aws/config (devfleet.claude_code.aws_profile) or fix AWS_PROFILE.'),
    'DFCC113': ('vertex-no-project', 'error',
                'Set ANTHROPIC_VERTEX_PROJECT_ID in env (claude_code_vertex_project).'),
    'DFCC114': ('vertex-no-adc', 'error',
                'Give the user an ADC file they can read (devfleet.claude_code.gcloud_adc), or set '
                'GOOGLE_APPLICATION_CREDENTIALS to one; CLAUDE_CODE_SKIP_VERTEX_AUTH=1 only behind a gateway.'),
    'DFCC115': ('vertex-no-region', 'error',
                'Set CLOUD_ML_REGION in env (claude_code_vertex_region), e.g. "global" or "us-east5".'),
    'DFCC116': ('gateway-no-token', 'error',
                'Give the gateway a credential: ANTHROPIC_AUTH_TOKEN in env or an apiKeyHelper '
                '(devfleet.claude_code.api_key_helper).'),
    'DFCC117': ('model-pair-incomplete', 'warning',
                'Set both the main model (ANTHROPIC_MODEL) and the small/fast one (ANTHROPIC_DEFAULT_HAIKU_MODEL) '
                'to ids the provider serves; Claude Code otherwise asks for a default id the provider may not have.'),
    'DFCC121': ('deprecated-variable', 'warning', 'Rename the variable as the message says.'),
    'DFCC122': ('unknown-variable', 'warning',
                'Fix the spelling or remove the variable: this Claude Code does not read it.'),
    'DFCC123': ('legacy-env', 'warning',
                'Move "env" out of ~/.claude.json into ~/.claude/settings.json (Claude Code ignores it since 2.0.8) '
                'and remove it there.'),
    'DFCC124': ('unusable-settings-file', 'error',
                'Fix the file (valid JSON object, a regular file, no planted symlink) or remove it: Claude Code '
                'ignores settings it cannot read.'),
    'DFCC131': ('secret-world-readable', 'error',
                'chmod 0600 the file (and rotate the secret: others could read it), or move the secret to a file '
                'only its user can read.'),
    'DFCC132': ('helper-missing', 'error',
                'Install the apiKeyHelper (devfleet.claude_code.api_key_helper) or remove apiKeyHelper.'),
    'DFCC133': ('helper-not-executable', 'error',
                'Make the helper executable by its user (0700, owned by the user).'),
    'DFCC134': ('helper-foreign-owner', 'error',
                'The helper must belong to the user or root and be writable by nobody else: whoever can write it '
                'runs code as the user and reads their key. chown/chmod it, or reinstall it.'),
    'DFCC141': ('cli-missing', 'error',
                'Install Claude Code (devfleet.claude_code.claude_code role).'),
    'DFCC142': ('cli-too-old', 'error',
                'Upgrade Claude Code to at least the minimum version (claude_code_version).'),
    'DFCC143': ('cli-not-pinned', 'warning',
                'Install the pinned version (devfleet.claude_code.claude_code role, claude_code_version) and switch '
                'off the auto-updater (DISABLE_AUTOUPDATER).'),
    'DFCC151': ('env-drift', 'warning',
                'Run the devfleet.claude_code.claude_code role again, or make its variables match what you want.'),
    'DFCC152': ('settings-drift', 'warning',
                'Run the devfleet.claude_code.claude_code role again, or make its variables match what you want.'),
    'DFCC161': ('probe-failed', 'error',
                'Read the message: the key source, the helper or the endpoint failed when tried as the user.'),
}
CODE_BY_NAME = dict((name, code) for code, (name, dummy, dummy2) in CATALOGUE.items())

# provider switches of the pinned CLI (MISSION.md), in the order Claude Code checks them
PROVIDER_SWITCHES = (
    ('bedrock', 'CLAUDE_CODE_USE_BEDROCK'),
    ('vertex', 'CLAUDE_CODE_USE_VERTEX'),
    ('foundry', 'CLAUDE_CODE_USE_FOUNDRY'),
    ('mantle', 'CLAUDE_CODE_USE_MANTLE'),
    ('anthropic_aws', 'CLAUDE_CODE_USE_ANTHROPIC_AWS'),
    ('anthropic_google_cloud', 'CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD'),
    ('gateway', 'CLAUDE_CODE_USE_GATEWAY'),
)
TRUE_VALUES = ('1', 'true', 'yes', 'on')
VERSION = re.compile(r'^(\d+)\.(\d+)\.(\d+)')
NPM_PACKAGE = '@anthropic-ai/claude-code'
DEFAULT_CLI_PATHS = ('/usr/local/bin/claude', '/usr/bin/claude', '/opt/claude-code/bin/claude')
USER_CLI_PATH = '.local/bin/claude'  # the native installer's per-user link


def finding(code, message, file=None, key=None):
    name, severity, fix = CATALOGUE[code]
    return dict(code=code, name=name, severity=severity, file=file, key=key, message=message, fix=fix)


def is_on(value):
    return isinstance(value, str) and value.strip().lower() in TRUE_VALUES


def digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode('utf-8')).hexdigest()


def parse_version(text):
    match = VERSION.match(str(text or '').strip())
    return tuple(int(part) for part in match.groups()) if match else None


# --- what a user has --------------------------------------------------------------------------------------

class UserFacts(object):
    """Everything the rules look at for one user. Built by collect_user(); tests build it by hand."""

    def __init__(self, user, files=None, env=None, settings=None, legacy_env=None, state_path=None,
                 aws_config=None, aws_credentials=None, adc=None, helper=None, cli=None, secret_files=None,
                 policy=None, groups=()):
        self.user = user                  # _fs.UserInfo
        self.files = files or []          # dicts: scope, path, exists, data, error, mode
        self.env = env or {}              # name -> {value, scope, path}
        self.settings = settings or {}    # key -> {value, scope, path}
        self.legacy_env = legacy_env      # dict from ~/.claude.json, or None
        self.state_path = state_path
        self.aws_config = aws_config      # (path, IniFile or None)
        self.aws_credentials = aws_credentials
        self.adc = adc                    # {path, exists, readable, data}
        self.helper = helper              # {command, path, exists, uid, mode, sourced} or None
        self.cli = cli                    # {path, version, install} or None
        self.secret_files = secret_files or []  # {path, mode, what}: files that hold secrets
        self.policy = policy
        self.groups = groups

    def value(self, name):
        entry = self.env.get(name)
        value = entry.get('value') if entry else None
        return value if isinstance(value, str) and value != '' else None

    def source(self, name):
        entry = self.env.get(name) or self.settings.get(name)
        return entry.get('path') if entry else None

    def setting(self, key):
        entry = self.settings.get(key)
        return entry.get('value') if entry else None

    def providers(self):
        return [name for name, var in PROVIDER_SWITCHES if is_on(self.value(var))]

    def provider(self):
        providers = self.providers()
        if len(providers) > 1:
            return 'multiple'
        if providers:
            return providers[0]
        if self.value('ANTHROPIC_BASE_URL'):
            return 'gateway'
        if self.value('ANTHROPIC_API_KEY') or self.value('ANTHROPIC_AUTH_TOKEN') or self.setting('apiKeyHelper'):
            return 'anthropic'
        return 'none'


def _mode_of(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def user_can_read(user, path, groups=None):
    """Whether user could open path for reading: every directory searchable and the file readable by them."""
    if user.uid == 0:
        return os.path.exists(path)
    groups = set(groups if groups is not None else _groups(user))
    current = '/'
    parts = [part for part in path.split('/') if part]
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        try:
            st = os.stat(current)
        except OSError:
            return False
        last = index == len(parts) - 1
        bits = (stat.S_IRUSR, stat.S_IRGRP, stat.S_IROTH) if last else (stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH)
        if st.st_uid == user.uid:
            allowed = st.st_mode & bits[0]
        elif st.st_gid in groups:
            allowed = st.st_mode & bits[1]
        else:
            allowed = st.st_mode & bits[2]
        if not allowed:
            return False
    return True


def _groups(user):
    try:
        return os.getgrouplist(user.name, user.gid)
    except (KeyError, OSError):
        return [user.gid]


def _read_bytes(path):
    """The file's bytes through the collection's reader (no link a user planted is followed), or None."""
    try:
        state = read_file(path)
    except (UnsafePathError, OSError):
        return None
    return None if state is None else state.data


def _read_ini(path):
    data = _read_bytes(path)
    if data is None:
        return None
    try:
        return IniFile.from_bytes(data, path)
    except IniError:
        return None


def _read_json(path):
    """A JSON object as Node reads it (the collection's JSON rules), or None."""
    data = _read_bytes(path)
    if data is None:
        return None
    try:
        data = json_loads(data.decode('utf-8-sig'))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _user_path(user, path):
    if path.startswith('~/'):
        return os.path.join(user.home, path[2:])
    return path if os.path.isabs(path) else os.path.join(user.home, path)


def helper_script(command):
    """(path, sourced) of the script an apiKeyHelper command runs, when it names one by absolute path."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None, False
    if not words:
        return None, False
    sourced = words[0] in ('.', 'source') and len(words) > 1
    path = words[1] if sourced else words[0]
    if path.startswith('~/') or os.path.isabs(path):
        return path, sourced
    return None, sourced  # a command on PATH: nothing to check on disk


def find_cli(path):
    """{path, version, install} of the Claude Code the command at path runs, read from disk (no Node start)."""
    try:
        real = os.path.realpath(path)
        if not os.path.isfile(real):
            return None
    except OSError:
        return None
    # npm: .../node_modules/@anthropic-ai/claude-code/{cli.js,bin/claude.exe}: the package.json above it
    directory = os.path.dirname(real)
    for dummy in range(4):
        package = os.path.join(directory, 'package.json')
        if os.path.isfile(package):
            data = _read_json(package) or {}
            name = data.get('name') if isinstance(data.get('name'), str) else ''
            if name.startswith(NPM_PACKAGE):  # the package, or its platform package (claude-code-linux-x64)
                return dict(path=path, realpath=real, version=str(data.get('version') or ''), install='npm')
        directory = os.path.dirname(directory)
    # native: .../versions/<version>[/claude] (the native installer and the role's copy method)
    parts = real.split('/')
    for index in range(len(parts) - 1, 0, -1):
        if parts[index - 1] == 'versions' and parse_version(parts[index]):
            return dict(path=path, realpath=real, version=parts[index], install='native')
    return dict(path=path, realpath=real, version=None, install='unknown')


def host_cli(paths):
    for path in paths:
        found = find_cli(path)
        if found:
            return found
    return None


def discover_users():
    """Users whose home has a ~/.claude directory (or a ~/.claude.json)."""
    found = []
    seen = set()
    for entry in pwd.getpwall():
        home = entry.pw_dir
        if not home or not os.path.isabs(home) or home == '/' or entry.pw_name in seen:
            continue
        if os.path.isdir(os.path.join(home, '.claude')):
            seen.add(entry.pw_name)
            found.append(entry.pw_name)
    return sorted(found)


def collect_user(user, policy, config_dir=None, managed=True, host_cli_info=None, project_dir=None):
    """Read what Claude Code reads for user (a _fs.UserInfo). Never writes."""
    facts = UserFacts(user, policy=policy, groups=_groups(user))
    loaded = []
    for scope, path in settings_files(user, config_dir, project_dir, managed):
        exists, data, error = load_settings_file(path)
        facts.files.append(dict(scope=scope, path=path, exists=exists, data=data, error=error,
                                mode=_mode_of(path) if exists else None))
        loaded.append((scope, path, data))
    facts.env, facts.settings = effective_settings(loaded)

    facts.state_path = state_file(user, config_dir)
    state = _read_json(facts.state_path)
    if isinstance(state, dict) and isinstance(state.get('env'), dict) and state['env']:
        facts.legacy_env = state['env']

    # files that hold secrets: settings files with secret env values, ~/.claude.json with legacy secrets,
    # AWS credentials, ADC
    for item in facts.files:
        env = (item['data'] or {}).get('env') if isinstance(item['data'], dict) else None
        if isinstance(env, dict) and policy.secret_values(env):
            facts.secret_files.append(dict(path=item['path'], mode=item['mode'], what='secret env values'))
    if facts.legacy_env and policy.secret_values(facts.legacy_env):
        facts.secret_files.append(dict(path=facts.state_path, mode=_mode_of(facts.state_path),
                                       what='secret env values'))

    aws_config = _user_path(user, facts.value('AWS_CONFIG_FILE') or '.aws/config')
    aws_credentials = _user_path(user, facts.value('AWS_SHARED_CREDENTIALS_FILE') or '.aws/credentials')
    facts.aws_config = (aws_config, _read_ini(aws_config))
    facts.aws_credentials = (aws_credentials, _read_ini(aws_credentials))
    if facts.aws_credentials[1] is not None and facts.aws_credentials[1].headers():
        facts.secret_files.append(dict(path=aws_credentials, mode=_mode_of(aws_credentials), what='AWS keys'))

    adc_path = facts.value('GOOGLE_APPLICATION_CREDENTIALS')
    if adc_path:
        adc_path = _user_path(user, adc_path)
    else:
        gcloud_dir = facts.value('CLOUDSDK_CONFIG')
        adc_path = (os.path.join(_user_path(user, gcloud_dir), os.path.basename(DEFAULT_ADC_PATH)) if gcloud_dir
                    else os.path.join(user.home, DEFAULT_ADC_PATH))
    adc_exists = os.path.isfile(adc_path)
    facts.adc = dict(path=adc_path, exists=adc_exists, readable=adc_exists and user_can_read(user, adc_path, facts.groups),
                     data=_read_json(adc_path) if adc_exists else None)
    if adc_exists and (facts.adc['data'] or {}).get('type') in ('authorized_user', 'service_account'):
        facts.secret_files.append(dict(path=adc_path, mode=_mode_of(adc_path), what='Google credentials'))

    command = facts.setting('apiKeyHelper')
    if isinstance(command, str) and command.strip():
        path, sourced = helper_script(command)
        facts.helper = dict(command=command, path=None, exists=None, uid=None, mode=None, sourced=sourced,
                            source=facts.source('apiKeyHelper'))
        if path:
            path = _user_path(user, path)
            facts.helper['path'] = path
            try:
                st = os.stat(path)
                facts.helper.update(exists=True, uid=st.st_uid, mode=stat.S_IMODE(st.st_mode),
                                    regular=stat.S_ISREG(st.st_mode))
            except OSError:
                facts.helper['exists'] = False

    own = find_cli(os.path.join(user.home, USER_CLI_PATH))
    facts.cli = own or host_cli_info
    return facts


# --- the rules ---------------------------------------------------------------------------------------------

def rule_providers(facts, options):
    on = [var for dummy, var in PROVIDER_SWITCHES if is_on(facts.value(var))]
    if len(on) < 2:
        return []
    where = ', '.join('%s (%s)' % (var, facts.source(var)) for var in on)
    return [finding('DFCC101', 'more than one provider is switched on: %s; Claude Code uses only the first it '
                               'checks, so the user is not on the provider you think' % where,
                    facts.source(on[-1]), on[-1])]


def rule_credentials(facts, options):
    out = []
    api_key, token = facts.value('ANTHROPIC_API_KEY'), facts.value('ANTHROPIC_AUTH_TOKEN')
    helper = facts.setting('apiKeyHelper')
    if api_key and token:
        out.append(finding('DFCC102', 'ANTHROPIC_API_KEY (%s) is shadowed by ANTHROPIC_AUTH_TOKEN (%s)'
                           % (facts.source('ANTHROPIC_API_KEY'), facts.source('ANTHROPIC_AUTH_TOKEN')),
                           facts.source('ANTHROPIC_API_KEY'), 'ANTHROPIC_API_KEY'))
    if helper and (api_key or token):
        name = 'ANTHROPIC_AUTH_TOKEN' if token else 'ANTHROPIC_API_KEY'
        out.append(finding('DFCC102', 'the apiKeyHelper (%s) is never run: %s (%s) comes first'
                           % (facts.source('apiKeyHelper'), name, facts.source(name)),
                           facts.source('apiKeyHelper'), 'apiKeyHelper'))
    managed = [key for key in ('forceLoginMethod', 'forceLoginOrgUUID')
               if (facts.settings.get(key) or {}).get('scope') == 'managed' and facts.setting(key)]
    if managed and facts.setting('forceLoginMethod') != 'gateway':
        uses = [name for name in ('ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY') if facts.value(name)]
        uses += ['apiKeyHelper'] if helper else []
        uses += [var for dummy, var in PROVIDER_SWITCHES if is_on(facts.value(var))]
        if uses:
            out.append(finding('DFCC103', 'managed %s forces a claude.ai/Console login, which blocks the '
                                          'credentials this user is configured with (%s)'
                               % ('/'.join(managed), ', '.join(uses)), facts.source(managed[0]), managed[0]))
    return out


def _profile_region(facts, profile):
    ini = facts.aws_config[1]
    if ini is None:
        return None
    try:
        section = find_config_profile(ini, profile)
    except IniError:
        return None
    entry = section.entry('region') if section else None
    return entry.text() if entry else None


def _profile_exists(facts, profile):
    ini, creds = facts.aws_config[1], facts.aws_credentials[1]
    try:
        if ini is not None and find_config_profile(ini, profile):
            return True
    except IniError:
        return True  # ambiguous, but there: aws_profile reports that
    return creds is not None and creds.find(profile) is not None


def rule_bedrock(facts, options):
    if not is_on(facts.value('CLAUDE_CODE_USE_BEDROCK')):
        return []
    out = []
    where = facts.source('CLAUDE_CODE_USE_BEDROCK')
    profile = facts.value('AWS_PROFILE')
    skip = is_on(facts.value('CLAUDE_CODE_SKIP_BEDROCK_AUTH')) or facts.value('AWS_BEARER_TOKEN_BEDROCK')
    if profile and not skip and not _profile_exists(facts, profile):
        out.append(finding('DFCC112', 'AWS_PROFILE=%s (%s) is not a profile in %s or %s'
                           % (profile, facts.source('AWS_PROFILE'), facts.aws_config[0], facts.aws_credentials[0]),
                           facts.source('AWS_PROFILE'), 'AWS_PROFILE'))
    region = (facts.value('AWS_REGION') or facts.value('AWS_DEFAULT_REGION')
              or _profile_region(facts, profile or 'default'))
    if not region:
        out.append(finding('DFCC111', 'Bedrock is on (%s) but no region is set: no AWS_REGION/AWS_DEFAULT_REGION and '
                                      'no region in profile %s' % (where, profile or 'default'), where, 'AWS_REGION'))
    return out


def rule_vertex(facts, options):
    if not is_on(facts.value('CLAUDE_CODE_USE_VERTEX')):
        return []
    out = []
    where = facts.source('CLAUDE_CODE_USE_VERTEX')
    adc = facts.adc or {}
    project = (facts.value('ANTHROPIC_VERTEX_PROJECT_ID') or facts.value('GCLOUD_PROJECT')
               or facts.value('GOOGLE_CLOUD_PROJECT') or (adc.get('data') or {}).get('project_id'))
    if not project:
        out.append(finding('DFCC113', 'Vertex is on (%s) but no project is set (ANTHROPIC_VERTEX_PROJECT_ID, '
                                      'GOOGLE_CLOUD_PROJECT or the credentials file\'s project_id)' % where,
                           where, 'ANTHROPIC_VERTEX_PROJECT_ID'))
    if not facts.value('CLOUD_ML_REGION'):
        out.append(finding('DFCC115', 'Vertex is on (%s) but CLOUD_ML_REGION is not set' % where, where,
                           'CLOUD_ML_REGION'))
    if not is_on(facts.value('CLAUDE_CODE_SKIP_VERTEX_AUTH')):
        if not adc.get('exists'):
            out.append(finding('DFCC114', 'Vertex is on (%s) but there is no Google credentials file at %s'
                               % (where, adc.get('path')), adc.get('path'), 'GOOGLE_APPLICATION_CREDENTIALS'))
        elif not adc.get('readable'):
            out.append(finding('DFCC114', '%s cannot read its Google credentials file %s'
                               % (facts.user.name, adc.get('path')), adc.get('path'), 'GOOGLE_APPLICATION_CREDENTIALS'))
    return out


def rule_gateway(facts, options):
    out = []
    provider = facts.provider()
    if provider == 'gateway' and not (facts.value('ANTHROPIC_AUTH_TOKEN') or facts.value('ANTHROPIC_API_KEY')
                                      or facts.setting('apiKeyHelper')):
        out.append(finding('DFCC116', 'ANTHROPIC_BASE_URL (%s) points at a gateway but nothing gives it a '
                                      'credential (no ANTHROPIC_AUTH_TOKEN, ANTHROPIC_API_KEY or apiKeyHelper)'
                           % facts.source('ANTHROPIC_BASE_URL'), facts.source('ANTHROPIC_BASE_URL'),
                           'ANTHROPIC_BASE_URL'))
    if provider in ('bedrock', 'vertex', 'gateway', 'foundry'):
        main = facts.value('ANTHROPIC_MODEL') or (facts.setting('model') if isinstance(facts.setting('model'), str) else None)
        small = facts.value('ANTHROPIC_DEFAULT_HAIKU_MODEL') or facts.value('ANTHROPIC_SMALL_FAST_MODEL')
        if bool(main) != bool(small):
            have, missing = ('ANTHROPIC_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL') if main else \
                ('ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_MODEL')
            where = facts.source(have) or facts.source('model')
            out.append(finding('DFCC117', 'on %s, %s is set (%s) but %s is not' % (provider, have, where, missing),
                               where, missing))
    return out


def rule_names(facts, options):
    out = []
    for name in sorted(facts.env):
        messages = []
        check_env_name(name, messages.append)
        if not messages:
            continue
        code = 'DFCC121' if name in DEPRECATED else 'DFCC122'
        message = messages[0].replace('env: ', '', 1) + ' (%s)' % facts.source(name)
        out.append(finding(code, message, facts.source(name), name))
    if facts.legacy_env:
        out.append(finding('DFCC123', '%s has "env" (%s) left by the removed `claude config set --global env`; '
                                      'Claude Code ignores it' % (facts.state_path, ', '.join(sorted(facts.legacy_env))),
                           facts.state_path, 'env'))
    for item in facts.files:
        if item.get('error'):
            out.append(finding('DFCC124', item['error'], item['path']))
    return out


def rule_secret_files(facts, options):
    out = []
    for item in facts.secret_files:
        mode = item.get('mode')
        if mode is not None and mode & stat.S_IROTH:
            out.append(finding('DFCC131', '%s holds %s and is readable by every user (mode %04o)'
                               % (item['path'], item['what'], mode), item['path']))
    return out


def rule_helper(facts, options):
    helper = facts.helper
    if not helper or not helper.get('path'):
        return []
    path, where = helper['path'], helper.get('source')
    if not helper.get('exists') or not helper.get('regular', True):
        return [finding('DFCC132', 'apiKeyHelper (%s) runs %s, which does not exist' % (where, path), where,
                        'apiKeyHelper')]
    out = []
    uid, mode = helper.get('uid'), helper.get('mode') or 0
    if uid not in (0, facts.user.uid) or mode & 0o022:
        try:
            owner = pwd.getpwuid(uid).pw_name
        except KeyError:
            owner = 'uid %s' % uid
        out.append(finding('DFCC134', '%s (the apiKeyHelper) belongs to %s with mode %04o; only %s or root may '
                                      'own it and nobody else may write it' % (path, owner, mode, facts.user.name),
                           path, 'apiKeyHelper'))
    if helper.get('sourced'):
        readable = mode & (stat.S_IRUSR if uid == facts.user.uid else stat.S_IROTH)
        if not readable and facts.user.uid != 0:
            out.append(finding('DFCC133', '%s (the apiKeyHelper, sourced by /bin/sh) is not readable by %s (mode %04o)'
                               % (path, facts.user.name, mode), path, 'apiKeyHelper'))
    else:
        bit = stat.S_IXUSR if uid == facts.user.uid else stat.S_IXOTH
        if not mode & bit:
            out.append(finding('DFCC133', '%s (the apiKeyHelper) is not executable by %s (mode %04o)'
                               % (path, facts.user.name, mode), path, 'apiKeyHelper'))
    return out


def rule_cli(facts, options):
    minimum, pinned = options.get('min_version'), options.get('version')
    if not minimum and not pinned:
        return []
    cli = facts.cli
    if not cli or not parse_version(cli.get('version')):
        where = cli['path'] if cli else None
        return [finding('DFCC141', 'no Claude Code CLI with a readable version found (looked at %s)'
                        % ', '.join(options.get('cli_paths') or DEFAULT_CLI_PATHS), where)]
    have = parse_version(cli['version'])
    out = []
    if minimum and parse_version(minimum) and have < parse_version(minimum):
        out.append(finding('DFCC142', 'Claude Code %s (%s) is older than the minimum %s'
                           % (cli['version'], cli['path'], minimum), cli['path']))
    if pinned and cli['version'] != pinned:
        out.append(finding('DFCC143', 'Claude Code %s (%s) is not the pinned %s' % (cli['version'], cli['path'], pinned),
                           cli['path']))
    return out


def rule_drift(facts, options):
    out = []
    policy = facts.policy
    for name, want in sorted((options.get('expected_env') or {}).items()):
        entry = facts.env.get(name)
        have = entry.get('value') if entry else None
        want = None if want is None or want == '' else str(env_value_to_str(want))
        if (have or None) == want:
            continue
        secret = policy.is_secret(name, want) or policy.is_secret(name, have)
        if want is None:
            message = '%s is set (%s) but the role would remove it' % (name, entry.get('path'))
        elif have is None:
            message = '%s is not set; the role would set it%s' % (name, '' if secret else ' to %r' % want)
        elif secret:
            message = '%s (%s) differs from the value the role would set (compared by SHA-256)' % (name, entry.get('path'))
        else:
            message = '%s is %r (%s); the role would set %r' % (name, have, entry.get('path'), want)
        out.append(finding('DFCC151', message, entry.get('path') if entry else None, name))
    for key, want in sorted((options.get('expected_settings') or {}).items()):
        entry = facts.settings.get(key)
        have = entry.get('value') if entry else None
        if want == '':
            want = None
        if digest(have) == digest(want):
            continue
        message = '%s differs from what the role would set' % key if have is not None and want is not None else (
            '%s is set but the role would remove it' % key if want is None else '%s is not set; the role would set it' % key)
        out.append(finding('DFCC152', message, entry.get('path') if entry else None, key))
    return out


RULES = (rule_providers, rule_credentials, rule_bedrock, rule_vertex, rule_gateway, rule_names,
         rule_secret_files, rule_helper, rule_cli, rule_drift)


def diagnose(facts, options):
    """Every finding for one user, ordered by severity then code; codes in options['ignore'] dropped."""
    ignore = set(options.get('ignore') or ())
    found = []
    for rule in RULES:
        found.extend(f for f in rule(facts, options) if f['code'] not in ignore and f['name'] not in ignore)
    return sort_findings(found)


def sort_findings(found):
    return sorted(found, key=lambda f: (SEVERITIES.index(f['severity']), f['code'], f.get('key') or '', f.get('file') or ''))


# --- the live probe --------------------------------------------------------------------------------------------

PROBE_TIMEOUT = 30
ANTHROPIC_API = 'https://api.anthropic.com'


def _ms(start, clock):
    return int(round((clock() - start) * 1000))


def probe_user(facts, options, run, http, clock):
    """Try the user's configuration for real; returns (probe result, findings, secret values met).

    run(user, argv, timeout, env) -> (rc, stdout bytes, stderr bytes) runs a command as the user;
    http(method, url, headers, body, timeout) -> HTTP status (an int) or raises OSError/ValueError.
    Only the gateway/Anthropic API path is probed (helper or token, HEAD of the base URL, a free
    count_tokens call with the key); Bedrock and Vertex have bedrock_info and gcloud_adc verify: true.
    """
    steps, secrets = [], set()
    provider = facts.provider()
    if provider not in ('gateway', 'anthropic'):
        return dict(ok=None, provider=provider, steps=[], skipped='the probe covers gateways and the Anthropic API; '
                    'use devfleet.claude_code.bedrock_info or gcloud_adc verify: true for %s' % provider), [], secrets

    def step(name, ok, start, detail):
        steps.append(dict(name=name, ok=ok, ms=_ms(start, clock), detail=detail))
        return ok

    key = facts.value('ANTHROPIC_AUTH_TOKEN') or facts.value('ANTHROPIC_API_KEY')
    helper = facts.setting('apiKeyHelper')
    start = clock()
    if not key and isinstance(helper, str) and helper.strip():
        try:
            rc, out, err = run(facts.user, ['/bin/sh', '-c', helper], PROBE_TIMEOUT, None)
        except Exception as exc:  # pylint: disable=broad-except
            rc, out, err = None, b'', str(exc).encode()
        lines = [line for line in out.decode('utf-8', 'replace').splitlines() if line.strip()]
        if rc == 0 and len(lines) == 1 and all(32 <= ord(ch) < 127 for ch in lines[0].strip()):
            key = lines[0].strip()
            secrets.add(key)
            step('helper', True, start, 'the apiKeyHelper printed a key')
        else:
            reason = err.decode('utf-8', 'replace').strip().splitlines()[-1:] if isinstance(err, bytes) else []
            step('helper', False, start, 'the apiKeyHelper failed as %s (%s)' % (
                facts.user.name, reason[0] if reason else ('exit %s' % rc if rc else 'it printed %d lines' % len(lines))))
    if key:
        secrets.add(key)

    base = (facts.value('ANTHROPIC_BASE_URL') or ANTHROPIC_API).rstrip('/')
    start = clock()
    try:
        status = http('HEAD', base + '/', {}, None, PROBE_TIMEOUT)
        step('reach', status < 500, start, 'HEAD %s/ answered HTTP %s' % (base, status))
    except (OSError, ValueError) as exc:
        step('reach', False, start, 'HEAD %s/ failed: %s' % (base, exc))

    if key:
        model = facts.value('ANTHROPIC_MODEL') or facts.value('ANTHROPIC_DEFAULT_HAIKU_MODEL') or 'claude-sonnet-4-6'
        body = json.dumps(dict(model=model, messages=[dict(role='user', content='ping')])).encode()
        headers = {'x-api-key': key, 'Authorization': 'Bearer ' + key, 'anthropic-version': '2023-06-01',
                   'content-type': 'application/json'}
        start = clock()
        try:
            status = http('POST', base + '/v1/messages/count_tokens', headers, body, PROBE_TIMEOUT)
            detail = 'the key was accepted (count_tokens: HTTP %s)' % status if status < 400 else (
                'the key was rejected (count_tokens: HTTP %s): rotated or revoked?' % status if status in (401, 403)
                else 'count_tokens answered HTTP %s' % status)
            step('auth', status < 400, start, detail)
        except (OSError, ValueError) as exc:
            step('auth', False, start, 'count_tokens failed: %s' % exc)

    if options.get('probe_claude') and facts.cli and facts.cli.get('path') and all(s['ok'] for s in steps):
        model = facts.value('ANTHROPIC_MODEL') or 'claude-sonnet-4-6'
        start = clock()
        try:
            rc, out, err = run(facts.user, [facts.cli['path'], '-p', 'Reply with the word OK.', '--model', model],
                               options.get('probe_timeout') or 120,
                               dict(DISABLE_TELEMETRY='1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC='1'))
            last = err.decode('utf-8', 'replace').strip().splitlines()[-1:] or out.decode('utf-8', 'replace').strip().splitlines()[-1:]
            step('claude', rc == 0, start, 'claude -p exited %s%s' % (rc, '' if rc == 0 else ': %s' % (last[0] if last else '')))
        except Exception as exc:  # pylint: disable=broad-except
            step('claude', False, start, 'claude -p could not run: %s' % exc)

    found = [finding('DFCC161', '%s: %s' % (s['name'], s['detail']), facts.source('apiKeyHelper') if s['name'] == 'helper'
                     else facts.source('ANTHROPIC_BASE_URL'), s['name']) for s in steps if not s['ok']]
    return dict(ok=all(s['ok'] for s in steps), provider=provider, steps=steps, skipped=None), found, secrets


# --- the result ---------------------------------------------------------------------------------------------

def secret_values(facts):
    """Every secret value the user's files hold, for the module's no_log_values."""
    values = set()
    policy = facts.policy
    for item in facts.files:
        env = (item.get('data') or {}).get('env') if isinstance(item.get('data'), dict) else None
        if isinstance(env, dict):
            values |= policy.secret_values(env)
    if facts.legacy_env:
        values |= policy.secret_values(facts.legacy_env)
    return values


def user_result(facts, findings, probe=None):
    """The documented per-user shape (RETURN users[]): secrets redacted with SecretPolicy."""
    policy = facts.policy
    env = {}
    for name, entry in sorted(facts.env.items()):
        value = entry['value']
        env[name] = dict(value=REDACTED if policy.is_secret(name, value) else value, scope=entry['scope'],
                         path=entry['path'])
    settings = {}
    for key, entry in sorted(facts.settings.items()):
        settings[key] = dict(value=policy.redact({'x': entry['value']})['x'], scope=entry['scope'], path=entry['path'])
    counts = dict((severity, sum(1 for f in findings if f['severity'] == severity)) for severity in SEVERITIES)
    return dict(
        name=facts.user.name,
        home=facts.user.home,
        provider=facts.provider(),
        providers=facts.providers(),
        cli=dict(facts.cli) if facts.cli else None,
        files=[dict(scope=item['scope'], path=item['path'], exists=item['exists'], error=item['error'],
                    mode='%04o' % item['mode'] if item['mode'] is not None else None) for item in facts.files],
        env=env,
        settings=settings,
        legacy_env=sorted(facts.legacy_env) if facts.legacy_env else [],
        findings=findings,
        counts=counts,
        ok=counts['error'] == 0,
        probe=probe,
    )


def check_options(options):
    """Validate the module's options; raise SettingsError with a message for the user."""
    for key in ('min_version', 'version'):
        if options.get(key) and not parse_version(options[key]):
            raise SettingsError('%s must be a version such as 2.1.332, got %r' % (key, options[key]))
    unknown = [code for code in options.get('ignore') or () if code not in CATALOGUE and code not in CODE_BY_NAME]
    if unknown:
        raise SettingsError('ignore: unknown finding codes %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(CATALOGUE))))
    env = options.get('expected_env') or {}
    for name, value in env.items():
        if isinstance(value, (dict, list)):
            raise SettingsError('expected_env: %s must be a string (or null for "absent"), got %s'
                                % (name, type(value).__name__))


def list_users(names):
    """Users to examine: the names given, else every user with a ~/.claude directory."""
    return list(names) if names else discover_users()
