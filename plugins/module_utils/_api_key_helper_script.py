# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apiKeyHelper scripts for Claude Code: what they look like and where they cache keys. Private.

render_script() turns a HelperConfig (_api_key_helper_config) into the script _api_key_helper.ApiKeyHelper
installs; redact_script() is how a diff shows one. Design notes (also in docs/api_key_helper.md):

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
import os
import re
import shlex

from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_config import MAX_KEY_LENGTH
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_fetcher import fetcher_code
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import REDACTED

CACHE_SUBDIR = 'devfleet-claude-code'


def _printable(text):
    """A value made safe for a comment line of the script."""
    return ''.join(ch if ' ' <= ch <= '~' else '?' for ch in str(text))


def _short_hash(text, length=12):
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:length]


def helper_command(helper_path):
    """The apiKeyHelper setting: source the script into Claude Code's /bin/sh (see this file's docstring)."""
    return '. %s' % shlex.quote(helper_path)


def cache_prefix(helper_path):
    """Cache files of one helper are named <prefix>-<config hash>; the prefix depends on the path only."""
    return 'akh-' + _short_hash(helper_path)


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
# generation that caller was served. See this file's docstring for why.
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
        code = fetcher_code(config.python_config())
        fetch = _PYTHON % dict(python=shlex.quote(config.python), code=code.rstrip('\n'))
    if not config.cached:
        parts += [fetch, '_dfcc_check\n', _EMIT]
        return ''.join(parts).encode('utf-8')
    # the cache name changes with the script, so a helper whose source changed never serves the old key
    name = '%s-%s' % (cache_prefix(helper_path), _short_hash(''.join(parts) + fetch + str(config.cache_ttl), 8))
    parts += [_CACHE_READ % dict(ttl=config.cache_ttl, name=name, select_dir=_select_cache_dir(cache_user)), fetch,
              _CACHE_WRITE % dict(prefix=cache_prefix(helper_path)), _EMIT]
    return ''.join(parts).encode('utf-8')
