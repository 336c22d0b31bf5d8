# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an apiKeyHelper may be told to do: its sources, their options and the checks on them. Private.

validate_config() turns the api_key_helper module's options into a HelperConfig (or raises HelperError);
helper_argument_spec() is that module's option spec (claude_code_host reuses it for each user).
_api_key_helper_script renders a HelperConfig; _api_key_helper installs it.
"""

from __future__ import annotations

import os
import re

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import ENV_NAME

SOURCES = ('file', 'env', 'command', 'aws_secretsmanager', 'aws_ssm', 'gcp_secretmanager')
CACHED_SOURCES = ('command', 'aws_secretsmanager', 'aws_ssm', 'gcp_secretmanager')
PYTHON_SOURCES = ('aws_secretsmanager', 'aws_ssm', 'gcp_secretmanager')
# the options each source uses; any other source option given is an error (a likely mix-up)
SOURCE_OPTIONS = {
    'file': ('key',),
    'env': ('env_var',),
    'command': ('command',),
    'aws_secretsmanager': ('secret_id', 'json_key', 'region', 'profile', 'endpoint_url', 'python'),
    'aws_ssm': ('parameter', 'json_key', 'region', 'profile', 'endpoint_url', 'python'),
    'gcp_secretmanager': ('secret', 'project', 'version', 'json_key', 'endpoint_url', 'python'),
}
REQUIRED_OPTIONS = {
    'file': ('key',),
    'env': ('env_var',),
    'command': ('command',),
    'aws_secretsmanager': ('secret_id',),
    'aws_ssm': ('parameter',),
    'gcp_secretmanager': ('secret',),
}
LIBRARIES = {
    'aws_secretsmanager': ('boto3', 'boto3'),  # (import name, pip name)
    'aws_ssm': ('boto3', 'boto3'),
    'gcp_secretmanager': ('google.auth', 'google-auth'),
}
MAX_KEY_LENGTH = 16384  # what Claude Code accepts from an apiKeyHelper
PRINTABLE_KEY = re.compile(r'\A[\x20-\x7e]+\Z')
ENDPOINT_URL = re.compile(r'\Ahttps?://[\x21-\x7e]+\Z')


class HelperError(CollectionError):
    """Bad input, or a helper that cannot work on this host. The message is meant for the user."""


def check_key(key, what='key'):
    """Claude Code takes one printable-ASCII token of at most 16384 characters."""
    if not isinstance(key, str) or not key:
        raise HelperError('%s is empty' % what)
    if len(key) > MAX_KEY_LENGTH:
        raise HelperError('%s is longer than %d characters, which Claude Code refuses' % (what, MAX_KEY_LENGTH))
    if not PRINTABLE_KEY.match(key):
        raise HelperError('%s must be one line of printable ASCII characters (no newline, tab or other control '
                          'character), as Claude Code requires of an apiKeyHelper\'s output' % what)
    if key != key.strip():
        raise HelperError('%s starts or ends with spaces; remove them' % what)


class HelperConfig(object):
    """What one helper does: its source and the source's parameters, validated."""

    def __init__(self, source, options, cache_ttl=300, python=None, key_file=None):
        self.source = source
        self.options = dict((name, value) for name, value in options.items() if value is not None)
        self.cache_ttl = cache_ttl
        self.python = python
        self.key_file = key_file

    @property
    def cached(self):
        return self.source in CACHED_SOURCES and self.cache_ttl > 0

    @property
    def uses_python(self):
        return self.source in PYTHON_SOURCES

    def describe(self):
        """One line saying where the key comes from, without secrets."""
        opts = self.options
        if self.source == 'file':
            return 'the key file %s' % self.key_file
        if self.source == 'env':
            return 'the environment variable %s' % opts['env_var']
        if self.source == 'command':
            return 'a command'
        if self.source == 'aws_secretsmanager':
            return 'AWS Secrets Manager secret %s' % opts['secret_id']
        if self.source == 'aws_ssm':
            return 'AWS SSM parameter %s' % opts['parameter']
        return 'Google Secret Manager secret %s' % opts['secret']

    def python_config(self):
        """The parameters the embedded Python fetcher reads (no secrets: names, regions, endpoints)."""
        names = ('secret_id', 'parameter', 'json_key', 'region', 'profile', 'project', 'secret', 'version',
                 'endpoint_url')
        config = dict((name, self.options[name]) for name in names if name in self.options)
        config['source'] = self.source
        return config


def validate_config(params, helper_path, key_file, default_python):
    """Build a HelperConfig from module params; raise HelperError on input a helper cannot work with."""
    source = params['source']
    given = [name for name in _all_source_options() if params.get(name) is not None]
    unused = sorted(name for name in given if name not in SOURCE_OPTIONS[source])
    if unused:
        raise HelperError('%s %s not used by source %s (it uses %s)' % (
            ', '.join(unused), 'is' if len(unused) == 1 else 'are', source, ', '.join(SOURCE_OPTIONS[source])))
    missing = [name for name in REQUIRED_OPTIONS[source] if not params.get(name)]
    if missing:
        raise HelperError('source %s needs %s' % (source, ', '.join(missing)))
    cache_ttl = params.get('cache_ttl')
    if cache_ttl is None or cache_ttl < 0:
        raise HelperError('cache_ttl must be 0 (no cache) or a number of seconds, got %r' % (cache_ttl,))
    if source == 'file':
        params['key'] = params['key'].strip()  # a YAML block scalar or a file brings a trailing newline
        check_key(params['key'])
    if source == 'env' and not ENV_NAME.fullmatch(params['env_var']):
        raise HelperError('env_var %r is not a valid environment variable name (letters, digits and "_", not '
                          'starting with a digit; no line break or other control character)' % params['env_var'])
    if source == 'command':
        if '\0' in params['command'] or not params['command'].strip():
            raise HelperError('command must be a non-empty shell command')
    endpoint = params.get('endpoint_url')
    if endpoint is not None and not ENDPOINT_URL.fullmatch(endpoint):
        raise HelperError('endpoint_url must be an http:// or https:// URL without spaces or control '
                          'characters')
    for name in ('secret_id', 'parameter', 'json_key', 'region', 'profile', 'project', 'secret', 'version'):
        value = params.get(name)
        if value is not None and (not value or not PRINTABLE_KEY.match(value)):
            raise HelperError('%s must be a non-empty single line of printable characters, got %r' % (name, value))
    options = dict((name, params.get(name)) for name in SOURCE_OPTIONS[source] if name not in ('key', 'python'))
    if source == 'gcp_secretmanager':
        options['version'] = params.get('version') or 'latest'
    python = None
    if source in PYTHON_SOURCES:
        python = params.get('python') or default_python
        if not python or not os.path.isabs(python) or not PRINTABLE_KEY.fullmatch(python):
            raise HelperError('python must be an absolute path to a Python interpreter, got %r' % (python,))
    return HelperConfig(source, options, cache_ttl, python, key_file if source == 'file' else None)


def _all_source_options():
    names = []
    for options in SOURCE_OPTIONS.values():
        names.extend(name for name in options if name not in names)
    return names


# --- the api_key_helper module's options (also claude_code_host's, for each user) ----------------------------

def helper_argument_spec():
    """The api_key_helper module's own options, without secret_env/public_env (a fresh dict each call)."""
    return dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        scope=dict(type='str', choices=['user', 'managed'], default='user'),
        user=dict(type='str'),
        config_dir=dict(type='str'),
        dropin=dict(type='str'),
        helper_path=dict(type='path'),
        source=dict(type='str', choices=list(SOURCES)),
        key=dict(type='str', no_log=True),
        env_var=dict(type='str'),
        command=dict(type='str'),
        secret_id=dict(type='str', no_log=False),
        json_key=dict(type='str', no_log=False),
        region=dict(type='str'),
        profile=dict(type='str'),
        parameter=dict(type='str'),
        project=dict(type='str'),
        secret=dict(type='str', no_log=False),
        version=dict(type='str'),
        endpoint_url=dict(type='str'),
        python=dict(type='path'),
        cache_ttl=dict(type='int', default=300),
        ttl_ms=dict(type='int'),
        verify=dict(type='bool', default=True),
        env=dict(type='dict', default={}),
        settings=dict(type='dict', default={}),
        backup=dict(type='bool', default=False),
    )


HELPER_REQUIRED_IF = [('scope', 'user', ['user']), ('state', 'present', ['source'])]
