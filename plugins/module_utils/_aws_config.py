# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWS shared config and credentials files (~/.aws/config, ~/.aws/credentials). Private to the collection.

What the files mean: profiles and SSO sessions, which keys are secret and which may be shown, the checks on
the aws_profile module's options (ProfileSpec), and the two files of one profile (AwsFile, write_profile).
The files are edited with the line-based INI editor of _ini.py, which keeps every line it is not asked to
change.

Section naming, as the SDKs read it:

* config file: ``[default]`` for the default profile, ``[profile NAME]`` for the others,
  ``[sso-session NAME]`` for SSO sessions. botocore splits these headers with shlex, so
  ``[profile  NAME]`` (two spaces) names the same profile.
* credentials file: ``[NAME]`` for every profile, ``[default]`` included; ``[profile NAME]`` there is NOT
  read by the SDKs.
"""

from __future__ import annotations

import os
import re

from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import ManagedFile, lookup_user, read_file
from ansible_collections.devfleet.claude_code.plugins.module_utils._ini import IniError, IniFile, SectionChange, check_value
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import file_diff, looks_secret, redact_mapping, secret_looking_name

# keys whose values are secret wherever they are (both files, every section)
SECRET_KEYS = frozenset(('aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'aws_security_token'))
# keys whose values may be shown (in results and diffs); any other key is shown by name only. credential_process
# (a command) and external_id (a shared secret with the role's owner) are not on it.
PUBLIC_KEYS = frozenset((
    'region', 'output', 'sso_session', 'sso_account_id', 'sso_role_name', 'sso_start_url', 'sso_region',
    'sso_registration_scopes', 'role_arn', 'source_profile', 'credential_source', 'web_identity_token_file',
    'role_session_name', 'duration_seconds', 'mfa_serial', 'ca_bundle', 'endpoint_url', 'endpoint_discovery_enabled',
    'ignore_configured_endpoint_urls', 'services', 's3', 'retry_mode', 'max_attempts', 'parameter_validation',
    'tcp_keepalive', 'defaults_mode', 'use_fips_endpoint', 'use_dualstack_endpoint', 'sts_regional_endpoints',
    'cli_pager', 'cli_timestamp_format', 'cli_follow_urlparam', 'cli_binary_format', 'cli_auto_prompt',
    'cli_history', 'account_id_endpoint_mode', 'aws_account_id', 'request_checksum_calculation',
    'response_checksum_validation', 'sigv4a_signing_region_set', 'metadata_service_timeout',
    'metadata_service_num_attempts', 'ec2_metadata_service_endpoint', 'ec2_metadata_service_endpoint_mode',
    'ec2_metadata_v1_disabled', 'disable_request_compression', 'request_min_compression_size_bytes',
    'auth_scheme_preference', 'sdk_ua_app_id',
))
CREDENTIAL_KEYS = ('aws_access_key_id', 'aws_secret_access_key', 'aws_session_token')

NAME = re.compile(r'\A[A-Za-z0-9][A-Za-z0-9_.@+-]*\Z')


def is_secret_key(key):
    return key in SECRET_KEYS or secret_looking_name(key)


def is_public_key(key, value=None):
    """True when the value of key may be shown: on PUBLIC_KEYS and not looking like a credential."""
    return key in PUBLIC_KEYS and not is_secret_key(key) and not looks_secret(value)


def redact_section(data, other=None):
    """A copy of a section ({key: value}) for results and diffs: values of keys that are not public hidden."""
    if data is None:
        return None
    if other is None:
        return redact_mapping(data, is_public_key)
    return redact_mapping(data, is_public_key, other)


def redacted(ini, other=None):
    """An AWS file's text for a diff: values of keys that are not public hidden (see IniFile.redacted)."""
    return ini.redacted(is_public_key, other)


def check_name(name, what='profile'):
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise IniError('%s name %r is not supported: use letters, digits and "_", ".", "@", "+", "-" '
                       '(starting with a letter or digit; no line break or other control character)' % (what, name))
    return name


def config_header(profile):
    """The config-file section of a profile: [default] or [profile NAME]."""
    return 'default' if profile == 'default' else 'profile %s' % profile


def sso_session_header(name):
    return 'sso-session %s' % name


def find_config_profile(ini, profile):
    """The config-file section of a profile, refusing spellings that botocore would read ambiguously.

    Returns the section or None. [profile default] is read as the default profile as well; when it exists
    alongside [default] the SDKs pick one by file order, so that is refused.
    """
    if profile == 'default':
        sections = ([ini.find('default')] if ini.find('default') else []) + ini.find_named('profile', 'default')
    else:
        sections = ini.find_named('profile', profile)
    if len(sections) > 1:
        where = ', '.join('[%s] line %d' % (section.header, section.start + 1) for section in sections)
        raise IniError('%s has profile %s in %d sections (%s); the SDKs would use only one of them. '
                       'Merge them by hand first; the file was left untouched'
                       % (ini.path, profile, len(sections), where))
    return sections[0] if sections else None


def find_sso_session(ini, name):
    sections = ini.find_named('sso-session', name)
    if len(sections) > 1:
        raise IniError('%s has sso-session %s in %d sections; merge them by hand first; the file was left '
                       'untouched' % (ini.path, name, len(sections)))
    return sections[0] if sections else None


# -- one profile, as the aws_profile module manages it ---------------------------------------------------

# option name -> config-file key, in the order new keys are written
PROFILE_OPTIONS = (
    'region', 'output',
    'sso_session', 'sso_account_id', 'sso_role_name',
    'credential_process',
    'role_arn', 'source_profile', 'credential_source', 'web_identity_token_file', 'role_session_name',
    'external_id', 'duration_seconds', 'mfa_serial',
)
SSO_SESSION_OPTIONS = ('sso_start_url', 'sso_region', 'sso_registration_scopes')
STATIC_KEY_OPTIONS = (('access_key_id', 'aws_access_key_id'), ('secret_access_key', 'aws_secret_access_key'),
                      ('session_token', 'aws_session_token'))
CREDENTIAL_SOURCES = ('Environment', 'Ec2InstanceMetadata', 'EcsContainer')
OUTPUTS = ('json', 'yaml', 'yaml-stream', 'text', 'table')
REGION = re.compile(r'\A[a-z]{2,}(-[a-z]+)+-[0-9]+\Z')
ACCOUNT_ID = re.compile(r'\A[0-9]{12}\Z')
ROLE_ARN = re.compile(r'\Aarn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+\Z')
SESSION_NAME = re.compile(r'\A[A-Za-z0-9_+=,.@-]{2,64}\Z')
# keys that extra must not set, and where they belong instead
_EXTRA_REFUSED = dict(
    [(key, 'it belongs in the credentials file: use the %s option' % option) for option, key in STATIC_KEY_OPTIONS]
    + [('aws_security_token', 'it belongs in the credentials file: use the session_token option')]
    + [(key, 'use the %s option' % key) for key in PROFILE_OPTIONS]
    + [(key, 'it belongs in the [sso-session] section: use the %s option with sso_session' % key)
       for key in ('sso_registration_scopes',)]
)


def _text(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    return value


class ProfileSpec(object):
    """One profile as the aws_profile module was asked to make it, validated.

    config: {key: value, '' removes}, sso_session section values, credentials values; all strings.
    """

    def __init__(self, params):
        self.name = check_name(params['name'])
        self.state = params.get('state') or 'present'
        self.exclusive = bool(params.get('exclusive'))
        self.config = {}
        self.session = {}
        self.credentials = {}
        self.session_name = None
        if self.state == 'present':
            self._validate(params)

    def _validate(self, params):
        for option in PROFILE_OPTIONS:
            value = params.get(option)
            if value is not None:
                self.config[option] = _text(value)
        legacy_sso = params.get('sso_start_url') is not None and not params.get('sso_session')
        for option in SSO_SESSION_OPTIONS:
            value = params.get(option)
            if value is None:
                continue
            if option == 'sso_registration_scopes':
                if legacy_sso or not params.get('sso_session'):
                    raise IniError('sso_registration_scopes needs sso_session: only [sso-session] sections have '
                                   'registration scopes')
                value = ','.join(str(scope).strip() for scope in value)
            if legacy_sso:
                self.config[option] = _text(value)
            else:
                self.session[option] = _text(value)
        for option, key in STATIC_KEY_OPTIONS:
            value = params.get(option)
            if value is not None:
                self.credentials[key] = value
        extra = params.get('extra') or {}
        for key, value in extra.items():
            if key in _EXTRA_REFUSED:
                raise IniError('extra: %s is not allowed here; %s' % (key, _EXTRA_REFUSED[key]))
            if value is None:
                self.config[key] = ''
            elif isinstance(value, dict):
                self.config[key] = dict((sub, _text(item)) for sub, item in value.items())
            elif isinstance(value, (list, tuple)):
                raise IniError('extra: %s must be a string, a number, a boolean or a dict of those' % key)
            else:
                self.config[key] = _text(value)
        self.session_name = self.config.get('sso_session') or None
        if self.session_name:
            check_name(self.session_name, 'sso_session')
        self._check_values(legacy_sso)

    def _check_values(self, legacy_sso):
        config, given = self.config, dict((k, v) for k, v in self.config.items() if v != '')
        region = given.get('region')
        if region and not REGION.fullmatch(region):
            raise IniError('region %r is not an AWS region name such as us-west-2' % region)
        for option in ('sso_region',):
            value = self.session.get(option) or given.get(option)
            if value and not REGION.fullmatch(value):
                raise IniError('%s %r is not an AWS region name such as us-east-1' % (option, value))
        if given.get('output') and given['output'] not in OUTPUTS:
            raise IniError('output must be one of %s, got %r' % (', '.join(OUTPUTS), given['output']))
        if given.get('sso_account_id') and not ACCOUNT_ID.fullmatch(given['sso_account_id']):
            raise IniError('sso_account_id must be the 12 digits of an AWS account, quoted so YAML keeps leading '
                           'zeros, got %r' % given['sso_account_id'])
        if given.get('role_arn') and not ROLE_ARN.fullmatch(given['role_arn']):
            raise IniError('role_arn %r is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)' % given['role_arn'])
        if given.get('role_session_name') and not SESSION_NAME.fullmatch(given['role_session_name']):
            raise IniError('role_session_name must be 2 to 64 characters of letters, digits and "+=,.@_-"')
        if given.get('credential_source') and given['credential_source'] not in CREDENTIAL_SOURCES:
            raise IniError('credential_source must be one of %s' % ', '.join(CREDENTIAL_SOURCES))
        if given.get('duration_seconds'):
            try:
                seconds = int(given['duration_seconds'])
            except ValueError:
                seconds = 0
            if not 900 <= seconds <= 43200:
                raise IniError('duration_seconds must be between 900 and 43200, got %r' % given['duration_seconds'])
        if given.get('source_profile') is not None:
            check_name(given['source_profile'], 'source_profile')
        sources = [key for key in ('source_profile', 'credential_source', 'web_identity_token_file') if key in given]
        if given.get('role_arn') and not sources:
            raise IniError('role_arn needs one of source_profile, credential_source or web_identity_token_file: '
                           'the credentials that assume the role')
        if len(sources) > 1:
            raise IniError('%s are mutually exclusive: the SDKs refuse a profile with more than one' % ', '.join(sources))
        for key in ('source_profile', 'credential_source', 'web_identity_token_file', 'role_session_name',
                    'external_id', 'duration_seconds', 'mfa_serial'):
            if key in given and not given.get('role_arn'):
                raise IniError('%s is only used with role_arn' % key)
        kinds = []
        if given.get('role_arn'):
            kinds.append('role_arn')
        if given.get('sso_session') or legacy_sso:
            kinds.append('sso')
        if given.get('credential_process'):
            kinds.append('credential_process')
        if self.credentials.get('aws_access_key_id') and not (
                given.get('role_arn') and given.get('source_profile') == self.name):
            kinds.append('static keys')
        if len(kinds) > 1:
            raise IniError('a profile takes its credentials from one source, got %s. (Static keys go with role_arn '
                           'only when source_profile is the profile itself.)' % ' and '.join(kinds))
        if self.credentials:
            if not (self.credentials.get('aws_access_key_id') and self.credentials.get('aws_secret_access_key')):
                raise IniError('access_key_id and secret_access_key go together (session_token is optional)')
            for key, value in self.credentials.items():
                check_value(key, value)
        if legacy_sso:
            missing = [key for key in ('sso_region', 'sso_account_id', 'sso_role_name') if not given.get(key)]
            if missing:
                raise IniError('sso_start_url without sso_session is the legacy SSO profile format, which needs %s '
                               'as well; better, give sso_session to write an [sso-session] section'
                               % ', '.join(missing))
        elif self.session and not self.session_name:
            raise IniError('%s describe an [sso-session] section: give sso_session, its name'
                           % ', '.join(sorted(self.session)))
        if bool(given.get('sso_account_id')) != bool(given.get('sso_role_name')):
            raise IniError('sso_account_id and sso_role_name go together: the account and the role to get '
                           'credentials for')
        if given.get('sso_account_id') and not (given.get('sso_session') or legacy_sso):
            raise IniError('sso_account_id and sso_role_name need sso_session (or the legacy sso_start_url)')
        for key, value in config.items():
            if value != '':
                check_value(key, value)
        for key, value in self.session.items():
            check_value(key, value)

    # -- applying to files --------------------------------------------------------------------------
    def apply_config(self, ini):
        """Change the config file (an IniFile) in place; return ['[section] key', ...] that changed."""
        changed = []
        existing = find_config_profile(ini, self.name)
        header = existing.header if existing is not None else config_header(self.name)
        if self.state == 'absent':
            keys = SectionChange(absent=True).apply(ini, header)
            return ['[%s] %s' % (header, key) for key in keys]
        if self.session_name:
            session = find_sso_session(ini, self.session_name)
            session_header = session.header if session is not None else sso_session_header(self.session_name)
            current = ini.get(session_header) or {}
            if not self.session.get('sso_start_url') and not current.get('sso_start_url'):
                raise IniError('profile %s uses sso_session %s, which has no sso_start_url in %s: give sso_start_url '
                               'and sso_region (the SSO portal of the session)'
                               % (self.name, self.session_name, ini.path))
            if not self.session.get('sso_region') and not current.get('sso_region'):
                raise IniError('sso_session %s has no sso_region in %s: give sso_region (the region of the IAM '
                               'Identity Center instance)' % (self.session_name, ini.path))
            keys = SectionChange(self.session).apply(ini, session_header)
            changed.extend('[%s] %s' % (session_header, key) for key in keys)
        values = dict((key, value) for key, value in self.config.items() if value != '')
        removed = [key for key, value in self.config.items() if value == '']
        keys = SectionChange(values, removed, exclusive=self.exclusive).apply(ini, header)
        changed.extend('[%s] %s' % (header, key) for key in keys)
        return changed

    def apply_credentials(self, ini):
        """Change the credentials file in place; return ['[section] key', ...] that changed."""
        header = self.name
        if self.state == 'absent':
            keys = SectionChange(absent=True).apply(ini, header)
        else:
            removed = [key for key, value in self.credentials.items() if value == '']
            values = dict((key, value) for key, value in self.credentials.items() if value != '')
            if self.exclusive:
                # the role owns the profile: only the static keys given stay in its credentials section
                current = ini.get(header) or {}
                removed.extend(key for key in CREDENTIAL_KEYS if key in current and key not in values)
            keys = SectionChange(values, removed, drop_if_empty=True, create=bool(values)).apply(ini, header)
        return ['[%s] %s' % (header, key) for key in keys]

    def config_view(self, ini):
        section = find_config_profile(ini, self.name)
        return ini.get(section.header) if section is not None else None

    def session_view(self, ini):
        if not self.session_name:
            return None
        section = find_sso_session(ini, self.session_name)
        return ini.get(section.header) if section is not None else None


# --- one profile in a user's two files (the aws_profile module; claude_code_host for many at once) ---------

def profile_argument_spec():
    """The aws_profile module's options (a fresh dict each call: callers may change it)."""
    return dict(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        user=dict(type='str'),
        config_file=dict(type='path'),
        credentials_file=dict(type='path'),
        exclusive=dict(type='bool', default=False),
        region=dict(type='str'),
        output=dict(type='str'),
        sso_session=dict(type='str'),
        sso_start_url=dict(type='str'),
        sso_region=dict(type='str'),
        sso_registration_scopes=dict(type='list', elements='str'),
        sso_account_id=dict(type='str'),
        sso_role_name=dict(type='str'),
        credential_process=dict(type='str'),
        role_arn=dict(type='str'),
        source_profile=dict(type='str'),
        credential_source=dict(type='str', choices=list(CREDENTIAL_SOURCES)),
        role_session_name=dict(type='str'),
        external_id=dict(type='str'),
        duration_seconds=dict(type='int'),
        mfa_serial=dict(type='str'),
        web_identity_token_file=dict(type='str', no_log=False),
        access_key_id=dict(type='str', no_log=True),
        secret_access_key=dict(type='str', no_log=True),
        session_token=dict(type='str', no_log=True),
        extra=dict(type='dict', default={}),
        backup=dict(type='bool', default=False),
    )


PROFILE_REQUIRED_ONE_OF = [('user', 'config_file')]
PROFILE_MUTUALLY_EXCLUSIVE = [('source_profile', 'credential_source', 'web_identity_token_file')]
PROFILE_REQUIRED_TOGETHER = [('access_key_id', 'secret_access_key'), ('sso_account_id', 'sso_role_name')]
PROFILE_REQUIRED_BY = dict(session_token=['access_key_id', 'secret_access_key'], sso_registration_scopes=['sso_session'])


class AwsFile(object):
    """One of the two files: where it is, and how this task changes it."""

    def __init__(self, path, uid, gid, apply):
        self.path = path
        self.managed = ManagedFile(path, 0o600, uid, gid, 0o700)
        self.apply = apply
        self.changed_keys = []
        self.before = None
        self.after = None

    def plan(self):
        """Apply the change in memory to the current content: raises on a file or input we cannot use."""
        state = read_file(self.path)
        self.render(state.data if state else None)

    def render(self, data):
        ini = IniFile.from_bytes(data, self.path)
        self.before = IniFile(ini.text(), self.path, ini.bom)
        self.changed_keys = self.apply(ini)
        self.after = ini
        new = ini.to_bytes()
        if data is None and not new:
            return None  # nothing to write and no file: do not create an empty one
        return None if new == (data or b'') else new

    def write(self, check_mode, backup):
        return self.managed.update(self.render, check_mode=check_mode, backup=backup)


def write_profile(params, check_mode=False, diff=False):
    """Write one profile as the aws_profile module's params say; return its result.

    Every error (IniError, UnsafePathError, OSError) is raised before the first write: files untouched.
    """
    spec = ProfileSpec(params)
    uid = gid = -1
    home = None
    if params.get('user') is not None:
        info = lookup_user(params['user'])
        uid, gid, home = info.uid, info.gid, info.home
    config_path = params.get('config_file') or os.path.join(home, '.aws', 'config')
    credentials_path = params.get('credentials_file') or (os.path.join(home, '.aws', 'credentials') if home else None)
    if spec.credentials and credentials_path is None:
        raise IniError('static keys go to the credentials file: give credentials_file (or user)')
    files = [AwsFile(config_path, uid, gid, spec.apply_config)]
    if credentials_path is not None:
        files.append(AwsFile(credentials_path, uid, gid, spec.apply_credentials))
    for aws_file in files:
        aws_file.plan()
    outcomes = [aws_file.write(check_mode, params.get('backup')) for aws_file in files]

    config, credentials = files[0], (files[1] if len(files) > 1 else None)
    result = dict(
        changed=any(outcome['changed'] for outcome in outcomes),
        config_file=outcomes[0]['path'],
        profile=redact_section(spec.config_view(config.after)),
        credentials=sorted((credentials.after.get(spec.name) or {}) if credentials else {}),
        changed_keys=config.changed_keys + (credentials.changed_keys if credentials else []),
    )
    if credentials is not None:
        result['credentials_file'] = outcomes[1]['path']
    if spec.session_name:
        result['sso_session'] = redact_section(spec.session_view(config.after))
    backups = [outcome['backup_file'] for outcome in outcomes if outcome['backup_file']]
    if backups:
        result['backup_files'] = backups
    if diff:
        result['diff'] = []
        for aws_file, outcome in zip(files, outcomes):
            result['diff'].append(file_diff(outcome['path'], aws_file.before, aws_file.after,
                                            redacted, lambda ini, old=aws_file.before: redacted(ini, old),
                                            outcome['attributes_changed']))
    return result
