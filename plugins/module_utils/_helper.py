# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apiKeyHelper scripts for Claude Code: what they look like, where they live, how they are checked.

Private to the collection (underscore module); the api_key_helper module is a thin shell around
ApiKeyHelper below. Design notes (also in docs/api_key_helper.md):

* Claude Code runs the apiKeyHelper setting with ``/bin/sh -c``. We register ``. '/path/helper.sh'``:
  the helper is SOURCED by that shell, so a call costs one shell start (no second exec) and ``$PPID``
  is the Claude Code process itself. Checked with the real CLI: dash does not exec the last command of
  ``sh -c``, so with a plain path ``$PPID`` would be a throwaway shell.
* Contract: the key and a newline on stdout, exit 0; or one line on stderr, exit 1. The key only ever
  lives in shell variables and is printed with the ``printf`` builtin: it is never in a process's argv.
* Sources ``file`` (a 0600 key file) and ``env`` are read directly (a few builtins). Sources
  ``command``, ``aws_secretsmanager``, ``aws_ssm`` and ``gcp_secretmanager`` are slow (a CLI, a Python
  start, network), so their helpers keep a per-user cache (0600 in a 0700 directory under
  ``/run/user/UID`` or ``~/.cache``, paths fixed when the helper is installed, see cache_dirs) for
  ``cache_ttl`` seconds. A cached call is POSIX-shell builtins
  only. The cache is replaced with a temporary file and ``mv`` (rename), so concurrent readers see the
  old or the new file, never a torn one. Expiry uses ``/proc/uptime`` plus the boot id on Linux (no fork,
  immune to clock changes), ``date +%s`` elsewhere.
* Refresh after HTTP 401: Claude Code keeps the key in memory for CLAUDE_CODE_API_KEY_HELPER_TTL_MS and
  only asks again before that when a request failed with 401 (it then clears its cache and re-runs the
  helper, in the same request). If the helper answered that second call from its own cache, the stale
  key would fail again. So the helper notes, per caller (``$PPID``: the Claude Code process), which
  cache generation it served; a caller that asks again for a generation it already had gets a fresh
  fetch from the source. A new Claude Code session is served from the cache once; its retry after a 401
  goes to the source. Proven with the real CLI in tests/integration/targets/api_key_helper_cli.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import re
import shlex
import subprocess
import sys

from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import (
    ManagedFile,
    UnsafePathError,
    list_dir,
    lookup_user,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import REDACTED, SecretPolicy, looks_secret
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    ENV_NAME,
    SettingsChange,
    SettingsError,
    apply_settings_change,
    managed_dir,
    resolve_target,
    user_settings_dir,
    validate_env,
    validate_settings,
)

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
TTL_VAR = 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS'
HELPER_NAME = 'api-key-helper'
MAX_KEY_LENGTH = 16384  # what Claude Code accepts from an apiKeyHelper
PRINTABLE_KEY = re.compile(r'\A[\x20-\x7e]+\Z')
ENDPOINT_URL = re.compile(r'\Ahttps?://[\x21-\x7e]+\Z')
CACHE_SUBDIR = 'devfleet-claude-code'
VERIFY_TIMEOUT = 120
VERIFY_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
GCP_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
GCP_ENDPOINT = 'https://secretmanager.googleapis.com'


class HelperError(Exception):
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


def _printable(text):
    """A value made safe for a comment line of the script."""
    return ''.join(ch if ' ' <= ch <= '~' else '?' for ch in str(text))


def _short_hash(text, length=12):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:length]


def helper_command(helper_path):
    """The apiKeyHelper setting: source the script into Claude Code's /bin/sh (see the module docstring)."""
    return '. %s' % shlex.quote(helper_path)


def cache_prefix(helper_path):
    """Cache files of one helper are named <prefix>-<config hash>; the prefix depends on the path only."""
    return 'akh-' + _short_hash(helper_path)


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


# --- the script ------------------------------------------------------------------------------------

_HEADER = '''\
#!/bin/sh
# Installed by Ansible (module devfleet.claude_code.api_key_helper); local changes are overwritten.
# Claude Code's apiKeyHelper. It prints the API key and a newline on stdout, or one line on stderr and
# exits non-zero. Claude Code SOURCES it: apiKeyHelper is  %(command)s
# so it runs in Claude Code's /bin/sh and $PPID is the Claude Code process. It also runs on its own.
# Key source: %(describe)s.
'''

_COMMON = '''\
umask 077
_dfcc_what=%(what)s
_dfcc_fail() {
  printf 'api-key-helper: %%s\\n' "$1" >&2
  exit 1
}
_dfcc_check() {
  case $_dfcc_token in
  '') _dfcc_fail "$_dfcc_what gave an empty key" ;;
  *[!\\ -~]*) _dfcc_fail "$_dfcc_what gave more than one line, or characters that are not printable ASCII; Claude Code needs one token" ;;
  esac
  [ ${#_dfcc_token} -le %(max)d ] || _dfcc_fail "$_dfcc_what gave a key longer than %(max)d characters"
}
'''

_EMIT = '''\
printf '%s\\n' "$_dfcc_token"
exit 0
'''

_FILE = '''\
_dfcc_file=%(key_file)s
_dfcc_token=
if [ -r "$_dfcc_file" ]; then
  IFS= read -r _dfcc_token <"$_dfcc_file" || [ -n "$_dfcc_token" ] ||
    _dfcc_fail "the key file $_dfcc_file is empty; run the Ansible task that installs this helper again"
else
  _dfcc_fail "cannot read the key file $_dfcc_file (missing, or not readable by this user); run the Ansible task that installs this helper again"
fi
_dfcc_check
'''

_ENV = '''\
_dfcc_token=${%(var)s:-}
[ -n "$_dfcc_token" ] || _dfcc_fail "%(var)s is not set in Claude Code's environment; export it in the environment Claude Code starts from"
_dfcc_check
'''

# Cache file: "v1 BOOT_ID EXPIRY GENERATION", then the key. Marker files "<cache>.seen-<caller>" hold the
# generation that caller was served. See the module docstring for why.
_CACHE_READ = '''\
_dfcc_ttl=%(ttl)d
_dfcc_name=%(name)s
_dfcc_cache=
_dfcc_caller=${DFCC_API_KEY_HELPER_CALLER:-$PPID}
if [ "${DFCC_API_KEY_HELPER_CACHE:-1}" != 0 ]; then
%(select_dir)s  if [ -n "$_dfcc_dir" ]; then
    _dfcc_cache=$_dfcc_dir/$_dfcc_name
    if [ -r /proc/uptime ] && read -r _dfcc_now _dfcc_x </proc/uptime && read -r _dfcc_boot </proc/sys/kernel/random/boot_id; then
      _dfcc_now=${_dfcc_now%%%%.*}
    else
      _dfcc_now=$(date +%%s) && _dfcc_boot=epoch || _dfcc_cache=
    fi
  fi
fi
if [ -n "$_dfcc_cache" ] && [ -f "$_dfcc_cache" ] &&
  { read -r _dfcc_v _dfcc_b _dfcc_exp _dfcc_gen && IFS= read -r _dfcc_token; } <"$_dfcc_cache" &&
  [ "$_dfcc_v" = v1 ] && [ "$_dfcc_b" = "$_dfcc_boot" ] && [ "$_dfcc_now" -lt "$_dfcc_exp" ] 2>/dev/null; then
  _dfcc_seen=$_dfcc_cache.seen-$_dfcc_caller
  if ! { [ -f "$_dfcc_seen" ] && read -r _dfcc_x <"$_dfcc_seen" && [ "$_dfcc_x" = "$_dfcc_gen" ]; }; then
    { printf '%%s\\n' "$_dfcc_gen" >"$_dfcc_seen"; } 2>/dev/null
    printf '%%s\\n' "$_dfcc_token"
    exit 0
  fi
  # This caller (a Claude Code process) already had this key and asks again: Claude Code does that
  # after an HTTP 401 (or when its own TTL ran out), so the key may be stale: fetch a fresh one.
fi
'''

_CACHE_WRITE = '''\
_dfcc_check
if [ -n "$_dfcc_cache" ]; then
  _dfcc_gen=$_dfcc_now.$$
  _dfcc_tmp=$_dfcc_cache.tmp.$$
  if { [ -d "$_dfcc_dir" ] || mkdir -p "$_dfcc_dir"; } 2>/dev/null &&
    { printf 'v1 %%s %%s %%s\\n%%s\\n' "$_dfcc_boot" "$((_dfcc_now + _dfcc_ttl))" "$_dfcc_gen" "$_dfcc_token" >"$_dfcc_tmp"; } 2>/dev/null &&
    mv -f "$_dfcc_tmp" "$_dfcc_cache" 2>/dev/null; then
    # forget who was served the previous key, and drop caches of this helper's earlier configurations
    set --
    for _dfcc_x in "$_dfcc_dir/%(prefix)s"-*; do
      case $_dfcc_x in "$_dfcc_cache" | "$_dfcc_cache".tmp.*) ;; *) [ -e "$_dfcc_x" ] && set -- "$@" "$_dfcc_x" ;; esac
    done
    [ $# -eq 0 ] || rm -f -- "$@" 2>/dev/null
    { printf '%%s\\n' "$_dfcc_gen" >"$_dfcc_cache.seen-$_dfcc_caller"; } 2>/dev/null
  else
    rm -f -- "$_dfcc_tmp" 2>/dev/null
  fi
fi
'''

_COMMAND = '''\
_dfcc_err=$(mktemp 2>/dev/null) || _dfcc_err=/dev/null
_dfcc_token=$(
  cd "${HOME:-/}" 2>/dev/null || cd /
  {
%(command)s
  } </dev/null 2>"$_dfcc_err"
)
_dfcc_rc=$?
_dfcc_last=
if [ "$_dfcc_err" != /dev/null ]; then
  while IFS= read -r _dfcc_x || [ -n "$_dfcc_x" ]; do
    [ -n "$_dfcc_x" ] && _dfcc_last=$_dfcc_x
  done <"$_dfcc_err"
  rm -f -- "$_dfcc_err"
fi
[ "$_dfcc_rc" = 0 ] || _dfcc_fail "the key command failed (exit $_dfcc_rc)${_dfcc_last:+: $_dfcc_last}"
'''

_PYTHON = '''\
_dfcc_python=%(python)s
[ -x "$_dfcc_python" ] ||
  _dfcc_fail "the Python interpreter $_dfcc_python is missing or not executable by $(id -un 2>/dev/null); ask your administrator to set python"
_dfcc_token=$(
  cd "${HOME:-/}" 2>/dev/null || cd /
  "$_dfcc_python" - <<'_DFCC_PYTHON_END'
%(code)s
_DFCC_PYTHON_END
) || exit 1
'''

# The fetcher the helper runs with Python for the cloud sources. Python 3.6+; boto3 or google-auth.
# It prints the key on stdout, or one line on stderr and exits 1. The current directory (Claude Code's
# project, which a repository controls) is dropped from sys.path before anything is imported.
_FETCHER = r'''import sys
sys.path[:] = [p for p in sys.path if p not in ('', '.')]
import base64
import json
import os

CONFIG = json.loads(%(config)s)


def fail(message):
    sys.stderr.write('api-key-helper: %%s\n' %% ' '.join(str(message).split()))
    sys.exit(1)


def pick(value, what):
    key = CONFIG.get('json_key')
    if key is None:
        return value
    try:
        data = json.loads(value)
    except ValueError:
        fail('%%s is not JSON, so its key %%r cannot be read' %% (what, key))
    if not isinstance(data, dict) or key not in data:
        fail('%%s has no key %%r' %% (what, key))
    if not isinstance(data[key], str):
        fail('%%s: the value of %%r is not a string' %% (what, key))
    return data[key]


def aws():
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ProfileNotFound
    except ImportError as exc:
        fail('%%s cannot import boto3 (%%s); install boto3 for it, or set the helper\'s python option' %% (sys.executable, exc))
    secrets = CONFIG['source'] == 'aws_secretsmanager'
    what = 'AWS Secrets Manager secret %%s' %% CONFIG['secret_id'] if secrets else 'AWS SSM parameter %%s' %% CONFIG['parameter']
    profile = CONFIG.get('profile')
    try:
        session = boto3.session.Session(profile_name=profile, region_name=CONFIG.get('region'))
        client = session.client('secretsmanager' if secrets else 'ssm', endpoint_url=CONFIG.get('endpoint_url'))
        if secrets:
            answer = client.get_secret_value(SecretId=CONFIG['secret_id'])
            value = answer.get('SecretString')
            if value is None:
                value = answer['SecretBinary']
                value = value.decode('utf-8') if isinstance(value, bytes) else base64.b64decode(value).decode('utf-8')
        else:
            value = client.get_parameter(Name=CONFIG['parameter'], WithDecryption=True)['Parameter']['Value']
    except ProfileNotFound as exc:
        fail('%%s (configure it in ~/.aws/config)' %% exc)
    except NoCredentialsError:
        fail('no AWS credentials%%s: log in (aws sso login%%s) or configure credentials' %% (
            ' for profile %%s' %% profile if profile else '', ' --profile %%s' %% profile if profile else ''))
    except NoRegionError:
        fail('no AWS region for %%s: set the helper\'s region option or a region in the AWS profile' %% what)
    except ClientError as exc:
        error = exc.response.get('Error', {})
        fail('%%s: %%s: %%s' %% (what, error.get('Code', 'error'), error.get('Message', exc)))
    except (BotoCoreError, UnicodeDecodeError, ValueError) as exc:
        fail('%%s: %%s' %% (what, exc))
    return pick(value, what)


def gcp():
    try:
        import google.auth
        import google.auth.exceptions
        import google.auth.transport
    except ImportError as exc:
        fail('%%s cannot import google.auth (%%s); install google-auth for it, or set the helper\'s python option' %% (sys.executable, exc))
    from urllib.error import HTTPError, URLError
    from urllib.parse import quote
    from urllib.request import Request, build_opener

    class Response(google.auth.transport.Response):
        def __init__(self, status, headers, data):
            self._status, self._headers, self._data = status, headers, data

        @property
        def status(self):
            return self._status

        @property
        def headers(self):
            return self._headers

        @property
        def data(self):
            return self._data

    class Transport(google.auth.transport.Request):
        """google-auth's HTTP transport on the standard library (no requests or urllib3 needed)."""

        def __call__(self, url, method='GET', body=None, headers=None, timeout=None, **kwargs):
            try:
                # the default handlers: HTTP(S), and the proxies of HTTPS_PROXY / NO_PROXY
                answer = build_opener().open(Request(url, data=body, headers=headers or {}, method=method), timeout=timeout or 60)
            except HTTPError as exc:
                answer = exc
            except (URLError, OSError) as exc:
                raise google.auth.exceptions.TransportError(exc)
            with answer:
                return Response(answer.status if hasattr(answer, 'status') else answer.code, dict(answer.headers), answer.read())

    what = 'Google Secret Manager secret %%s' %% CONFIG['secret']
    try:
        credentials, adc_project = google.auth.default(scopes=[%(scope)r])
    except google.auth.exceptions.DefaultCredentialsError as exc:
        fail('no Google credentials (%%s); run gcloud auth application-default login or set GOOGLE_APPLICATION_CREDENTIALS' %% exc)
    project = CONFIG.get('project') or adc_project
    if not project:
        fail('no Google Cloud project for %%s: set the helper\'s project option' %% what)
    url = '%%s/v1/projects/%%s/secrets/%%s/versions/%%s:access' %% (
        (CONFIG.get('endpoint_url') or %(endpoint)r).rstrip('/'), quote(project, safe=''),
        quote(CONFIG['secret'], safe=''), quote(CONFIG['version'], safe=''))
    headers = {}
    transport = Transport()
    try:
        credentials.before_request(transport, 'GET', url, headers)
    except google.auth.exceptions.GoogleAuthError as exc:
        fail('Google credentials could not be refreshed (%%s); run gcloud auth application-default login' %% exc)
    answer = transport(url, 'GET', headers=headers)
    try:
        data = json.loads(answer.data.decode('utf-8'))
    except ValueError:
        data = None
    if answer.status != 200:
        error = data.get('error', {}) if isinstance(data, dict) else {}
        fail('%%s in project %%s: HTTP %%s %%s: %%s' %% (what, project, answer.status, error.get('status', ''),
                                                   error.get('message', answer.data[:200])))
    try:
        value = base64.b64decode(data['payload']['data']).decode('utf-8')
    except (KeyError, TypeError, ValueError):
        fail('%%s: unexpected answer from Secret Manager' %% what)
    return pick(value, what)


try:
    value = aws() if CONFIG['source'].startswith('aws_') else gcp()
except KeyboardInterrupt:
    fail('interrupted')
except SystemExit:
    raise
except Exception as exc:  # one line on stderr, never a traceback
    fail('%%s: %%s' %% (type(exc).__name__, exc))
sys.stdout.write(value.strip() + '\n')
'''


# Where a helper caches keys is decided when it is installed, so that state: absent knows every place:
# for one user, /run/user/UID (tmpfs) when it exists and is theirs, else HOME/.cache (both fixed paths,
# $XDG_CACHE_HOME and $XDG_RUNTIME_DIR are not consulted); for every user (managed scope), their
# /run/user/UID or their ~/.cache.
_SELECT_USER_DIR = '''\
  if [ -d %(runtime)s ] && [ -O %(runtime)s ]; then
    _dfcc_dir=%(runtime)s/%(subdir)s
  else
    _dfcc_dir=%(home)s/.cache/%(subdir)s
  fi
'''
_SELECT_ANY_DIR = '''\
  _dfcc_dir=
  case ${XDG_RUNTIME_DIR:-} in
    /run/user/[0-9]*) [ -d "$XDG_RUNTIME_DIR" ] && [ -O "$XDG_RUNTIME_DIR" ] && _dfcc_dir=$XDG_RUNTIME_DIR/%(subdir)s ;;
  esac
  if [ -z "$_dfcc_dir" ] && [ -n "${HOME:-}" ]; then
    _dfcc_dir=$HOME/.cache/%(subdir)s
  fi
'''


def cache_dirs(user):
    """The directories a helper installed for user (None: managed scope, every user) may cache keys in."""
    return [os.path.join(runtime_dir(user.uid), CACHE_SUBDIR), os.path.join(user.home, '.cache', CACHE_SUBDIR)]


def runtime_dir(uid):
    return '/run/user/%d' % uid


def _select_cache_dir(user):
    if user is None:
        return _SELECT_ANY_DIR % dict(subdir=CACHE_SUBDIR)
    return _SELECT_USER_DIR % dict(runtime=shlex.quote(runtime_dir(user.uid)), home=shlex.quote(user.home),
                                   subdir=CACHE_SUBDIR)


# the command of a source: command helper, as _COMMAND embeds it (it may carry a credential)
_COMMAND_BODY = re.compile(r'(?<=\n  \{\n).*?(?=\n  \} </dev/null 2>"\$_dfcc_err"\n)', re.DOTALL)


def redact_script(text):
    """A helper script as a diff may show it: the command it runs (this one's or an earlier one's) hidden."""
    return _COMMAND_BODY.sub(REDACTED, text)


def render_script(config, helper_path, cache_user=None):
    """The helper script for a HelperConfig, as bytes (cache_user: the one user of a user-scope helper)."""
    describe = config.describe()
    parts = [_HEADER % dict(command=_printable(helper_command(helper_path)), describe=_printable(describe)),
             _COMMON % dict(max=MAX_KEY_LENGTH, what=shlex.quote(describe))]
    if config.source == 'file':
        parts += [_FILE % dict(key_file=shlex.quote(config.key_file)), _EMIT]
        return ''.join(parts).encode('utf-8')
    if config.source == 'env':
        parts += [_ENV % dict(var=config.options['env_var']), _EMIT]
        return ''.join(parts).encode('utf-8')
    if config.source == 'command':
        fetch = _COMMAND % dict(command=config.options['command'].rstrip('\n'))
    else:
        code = _FETCHER % dict(config=repr(json.dumps(config.python_config(), sort_keys=True)), scope=GCP_SCOPE,
                               endpoint=GCP_ENDPOINT)
        fetch = _PYTHON % dict(python=shlex.quote(config.python), code=code.rstrip('\n'))
    if not config.cached:
        parts += [fetch, '_dfcc_check\n', _EMIT]
        return ''.join(parts).encode('utf-8')
    # the cache name changes with the script, so a helper whose source changed never serves the old key
    name = '%s-%s' % (cache_prefix(helper_path), _short_hash(''.join(parts) + fetch + str(config.cache_ttl), 8))
    parts += [_CACHE_READ % dict(ttl=config.cache_ttl, name=name, select_dir=_select_cache_dir(cache_user)), fetch,
              _CACHE_WRITE % dict(prefix=cache_prefix(helper_path)), _EMIT]
    return ''.join(parts).encode('utf-8')


# --- running things as the user ------------------------------------------------------------------------

def _as_user(user):
    """subprocess arguments that run a child as user (uid, gid and supplementary groups)."""
    if os.geteuid() == user.uid:
        return {}
    if sys.version_info >= (3, 9):
        return dict(user=user.uid, group=user.gid, extra_groups=os.getgrouplist(user.name, user.gid))

    def demote():  # Python 3.8
        os.setgid(user.gid)
        os.initgroups(user.name, user.gid)
        os.setuid(user.uid)
    return dict(preexec_fn=demote)


def run_as(user, argv, stdin=None, timeout=VERIFY_TIMEOUT, env=None):
    """Run argv as user (a UserInfo) in their home with a login-like environment; (rc, stdout, stderr) bytes."""
    if os.geteuid() not in (0, user.uid):
        raise HelperError('running the helper as %s needs root: run the task with become: true, or verify: false'
                          % user.name)
    environ = dict(HOME=user.home, USER=user.name, LOGNAME=user.name, PATH=os.environ.get('PATH') or VERIFY_PATH,
                   LANG='C.UTF-8')
    environ.update(env or {})
    cwd = user.home if os.path.isdir(user.home) else '/'
    try:
        # not AnsibleModule.run_command: it can neither switch to another user nor time out
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                                stderr=subprocess.PIPE, cwd=cwd, env=environ, close_fds=True, **_as_user(user))
    except OSError as exc:
        raise HelperError('cannot run %s as %s: %s' % (argv[0], user.name, exc.strerror or exc))
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise HelperError('the helper did not finish within %d seconds when run as %s (does its source wait for '
                          'input or a login?); fix the source or set verify: false' % (timeout, user.name))
    return proc.returncode, out, err


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
    proc = subprocess.Popen(['/bin/sh', '-n'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # pylint: disable=ansible-bad-function
                            stderr=subprocess.PIPE, close_fds=True)  # (run_command has no timeout)
    dummy, err = proc.communicate(script, timeout=60)
    if proc.returncode != 0:
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
        before, after = outcome['before'], outcome['after']
        if secret:
            return dict(before_header=self.key_path, after_header=self.key_path,
                        before='' if before is None else '<secret>\n',
                        after='' if after is None else ('<secret, changed>\n' if outcome['content_changed'] and before is not None
                                                        else '<secret>\n'))
        return dict(before_header=self.helper_path, after_header=self.helper_path,
                    before='' if before is None else redact_script(before.decode('utf-8', 'replace')),
                    after='' if after is None else redact_script(after.decode('utf-8', 'replace')))

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


__all__ = ['HELPER_REQUIRED_IF', 'ApiKeyHelper', 'HelperConfig', 'HelperError', 'HelperSettingsChange', 'SOURCES',
           'SettingsError', 'check_key', 'helper_argument_spec', 'helper_command', 'render_script', 'validate_config']
