# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The LiteLLM proxy's configuration set: config.yaml, its EnvironmentFile and helper files. Private.

The proxy reads three kinds of files from one directory (``/etc/litellm`` by default):

* ``config.yaml``: models, routes and settings, with every secret written as ``os.environ/NAME``
  (root-owned, readable by the service's group only);
* ``litellm.env``: the secrets, as a systemd EnvironmentFile (root, ``0600``: systemd reads it before it
  drops privileges, the service user never can);
* helper files next to config.yaml, such as the ``custom_auth`` hook LiteLLM imports from there.

They change together, so they are handled as one set: when any of them must change, the NEW set is written to
a private candidate directory and loaded by LiteLLM itself (``ProxyConfig.load_config``, what
``litellm --validate_config`` does, plus checks it lacks: every ``os.environ/`` reference defined, every
``model_list`` entry accepted, the TLS pair loadable), as the service user, with the new environment. Only
when that passes are the live files replaced, each atomically through ``ManagedFile``; the files as they were
are kept in ``.previous/`` so a proxy that still fails to start can be rolled back. Nothing here runs code from
the virtualenv as root: the venv belongs to the service user, so the check runs as that user.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import (
    ManagedFile,
    UnsafePathError,
    lookup_gid,
    locate,
    lookup_user,
    read_file,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import file_diff, mask
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import RunAsError, RunAsTimeout, run_command_as
from ansible_collections.devfleet.claude_code.plugins.module_utils._validate import check_line

# Releases of LiteLLM on PyPI that were compromised (malicious code published under the project's name).
BLOCKED_VERSIONS = ('1.82.7', '1.82.8')

CONFIG_NAME = 'config.yaml'
ENV_NAME = 'litellm.env'
PREVIOUS_DIR = '.previous'
MANIFEST_NAME = 'MANIFEST.json'
RESULT_MARKER = 'DFCC-LITELLM-CHECK '

ENV_NAME_RE = re.compile(r'\A[A-Za-z_][A-Za-z0-9_]*\Z')
FILE_NAME_RE = re.compile(r'\A[A-Za-z0-9_][A-Za-z0-9_.-]*\Z')
_RESERVED = (CONFIG_NAME, ENV_NAME, PREVIOUS_DIR, MANIFEST_NAME)
# a secret shorter than this is not searched for in the public files (too many false positives)
_MIN_SECRET_LEN = 8


class ProxyConfigError(CollectionError):
    """The configuration cannot be used. The message is meant for the user as it is."""


# --- the EnvironmentFile ----------------------------------------------------------------------------------

def quote_env_value(name, value):
    """Quote a value for a systemd EnvironmentFile (double quotes; \\ " $ ` escaped)."""
    if not isinstance(value, str):
        raise ProxyConfigError('environment variable %s must be a string' % name)
    problem = check_line('environment variable %s' % name, value, allow_tab=True)
    if problem:
        raise ProxyConfigError('%s, which an EnvironmentFile cannot hold; give JSON values in compact form '
                               '(to_json) and PEM data as a file' % problem)
    escaped = value.replace('\\', '\\\\').replace('"', '\\"').replace('$', '\\$').replace('`', '\\`')
    return '"%s"' % escaped


def render_env_file(environment, header):
    lines = [header.rstrip('\n')] if header else []
    for name in sorted(environment):
        if not isinstance(name, str) or not ENV_NAME_RE.fullmatch(name):
            raise ProxyConfigError('environment: %r is not a valid environment variable name (letters, digits and '
                                   '"_", not starting with a digit; no line break or other control character)'
                                   % (name,))
        lines.append('%s=%s' % (name, quote_env_value(name, environment[name])))
    return ('\n'.join(lines) + '\n').encode('utf-8')


def parse_env_file(data):
    """Parse an EnvironmentFile written by render_env_file (and plain NAME=value lines) into a dict."""
    result = {}
    if not data:
        return result
    for line in re.split(r'[\r\n]', data.decode('utf-8', 'replace')):  # systemd's line breaks, not str.splitlines'
        line = line.strip()
        if not line or line[0] in '#;' or '=' not in line:
            continue
        name, raw = line.split('=', 1)
        name = name.strip()
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            out = []
            chars = iter(raw[1:-1])
            for char in chars:
                if char == '\\':
                    char = next(chars, '')
                out.append(char)
            raw = ''.join(out)
        elif len(raw) >= 2 and raw[0] == raw[-1] == "'":
            raw = raw[1:-1]
        result[name] = raw
    return result


# --- the validation run, as the service user with the candidate environment ------------------------------

# Runs with the virtualenv's Python, as the service user, in the candidate directory. It prints one line
# starting with RESULT_MARKER followed by JSON: {"ok": bool, "errors": [...], "models": n, "version": "x"}.
CHECK_SCRIPT = r'''
import asyncio, json, os, ssl, sys

BLOCKED = %(blocked)r
MARKER = %(marker)r


def env_refs(node, found):
    if isinstance(node, dict):
        for value in node.values():
            env_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            env_refs(value, found)
    elif isinstance(node, str) and node.startswith('os.environ/'):
        found.add(node[len('os.environ/'):])
    return found


def check(path, tls_cert, tls_key):
    result = {'ok': False, 'errors': [], 'models': 0, 'version': None}
    errors = result['errors']
    try:
        import importlib.metadata as metadata
        result['version'] = metadata.version('litellm')
    except Exception as exc:
        errors.append('LiteLLM is not installed in this virtualenv: %%s' %% exc)
        return result
    if result['version'] in BLOCKED:
        errors.append('LiteLLM %%s is a compromised release; refusing to run it' %% result['version'])
        return result
    import yaml
    try:
        with open(path) as handle:
            config = yaml.safe_load(handle)
    except Exception as exc:
        errors.append('config.yaml is not valid YAML: %%s' %% exc)
        return result
    if not isinstance(config, dict):
        errors.append('config.yaml must hold a mapping at the top level')
        return result
    missing = sorted(name for name in env_refs(config, set()) if not os.environ.get(name))
    if missing:
        errors.append('config.yaml refers to os.environ/%%s, which the environment file does not set'
                      %% ', os.environ/'.join(missing))
    general = config.get('general_settings') or {}
    if not isinstance(general, dict):
        errors.append('general_settings must be a mapping')
        general = {}
    if general.get('allow_requests_on_db_unavailable') and not general.get('database_url'):
        errors.append('general_settings.allow_requests_on_db_unavailable without a database lets every wrong key '
                      'through to the providers; remove it')
    if general.get('database_url'):
        import importlib.util
        import shutil
        if importlib.util.find_spec('prisma') is None and not shutil.which('prisma'):
            errors.append('general_settings.database_url is set, but the prisma package is not installed in the '
                          'virtualenv, so LiteLLM would exit at start: install it (and its query engine, which '
                          'Prisma downloads at first start unless provided) before adding a database')
    if tls_cert:
        try:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls_cert, tls_key)
        except Exception as exc:
            errors.append('the TLS certificate and private key do not load as a pair: %%s' %% exc)
    if errors:
        return result
    from litellm.proxy.proxy_server import ProxyConfig
    try:
        loaded = asyncio.run(ProxyConfig().load_config(router=None, config_file_path=path))[1]
    except BaseException as exc:
        errors.append('LiteLLM rejected config.yaml: %%s: %%s' %% (type(exc).__name__, exc))
        return result
    wanted = [entry.get('model_name') for entry in config.get('model_list') or [] if isinstance(entry, dict)]
    accepted = [entry.get('model_name') for entry in loaded or [] if isinstance(entry, dict)]
    result['models'] = len(accepted)
    if len(accepted) != len(wanted):
        rejected = list(wanted)
        for name in accepted:
            if name in rejected:
                rejected.remove(name)
        errors.append('LiteLLM accepted %%d of the %%d model_list entries; rejected: %%s (check the provider '
                      'prefix of litellm_params.model and the journal of this check for the reason)'
                      %% (len(accepted), len(wanted), ', '.join(str(name) for name in rejected)))
        return result
    result['ok'] = True
    return result


def load_environment(path):
    # only what the service will have: the environment is rebuilt from the file the module wrote
    keep = dict((name, os.environ[name]) for name in ('PATH', 'HOME', 'LANG') if name in os.environ)
    with open(path) as handle:
        loaded = json.load(handle)
    os.environ.clear()  # the module removes the file with the candidate directory
    os.environ.update(keep)
    os.environ.update(loaded)


def main():
    args = sys.argv[1:]
    tls_cert = tls_key = None
    if '--env-file' in args:
        index = args.index('--env-file')
        load_environment(args[index + 1])
        del args[index:index + 2]
    if '--tls' in args:
        index = args.index('--tls')
        tls_cert, tls_key = args[index + 1], args[index + 2]
        del args[index:index + 3]
    try:
        result = check(args[0], tls_cert, tls_key)
    except BaseException as exc:
        result = {'ok': False, 'errors': ['the check failed: %%s: %%s' %% (type(exc).__name__, exc)]}
    sys.stdout.write('\n' + MARKER + json.dumps(result) + '\n')
    sys.stdout.flush()
    os._exit(0)  # LiteLLM leaves threads behind; do not wait for them


main()
''' % dict(blocked=BLOCKED_VERSIONS, marker=RESULT_MARKER)


def run_check(candidate_dir, venv, user, environment, timeout, tls=None, runner=run_command_as):
    """Load the candidate config.yaml with LiteLLM, as `user`, with `environment` only. Returns the result dict.

    runner is _run_as.run_command_as (a spy in tests). The environment goes through a file only `user` can
    read, never the command line (every user can see that).
    """
    python = os.path.join(venv, 'bin', 'python')
    if not os.path.isfile(python):
        raise ProxyConfigError('%s does not exist: install LiteLLM in the virtualenv %s first' % (python, venv))
    account = lookup_user(user)
    script = os.path.join(candidate_dir, '.dfcc_check.py')
    with open(script, 'w') as handle:
        handle.write(CHECK_SCRIPT)
    os.chmod(script, 0o644)
    env = {'HOME': account.home, 'LANG': 'C.UTF-8', 'PATH': '/usr/local/bin:/usr/bin:/bin'}
    env.update(environment)
    env_file = os.path.join(candidate_dir, '.dfcc_check.env')
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as handle:
        if os.geteuid() == 0:
            os.fchown(handle.fileno(), account.uid, account.gid)
        json.dump(env, handle)
    argv = [python, script, os.path.join(candidate_dir, CONFIG_NAME), '--env-file', env_file]
    if tls:
        argv += ['--tls'] + list(tls)
    try:
        rc, out, err = runner(account, argv, timeout=int(timeout), cwd=candidate_dir)
    except RunAsTimeout:
        raise ProxyConfigError('checking the new configuration with LiteLLM took longer than %d seconds' % timeout)
    except RunAsError as exc:
        raise ProxyConfigError('the LiteLLM check could not run: %s' % exc)
    out, err = out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER):])
    err = err.strip().splitlines()
    raise ProxyConfigError('the LiteLLM check (%s as %s) exited with %d without a result: %s'
                           % (python, account.name, rc, ' | '.join(err[-5:]) or out[-500:]))


# --- the file set ----------------------------------------------------------------------------------------

class ProxyFiles(object):
    """The proxy's configuration files in one directory, changed together."""

    def __init__(self, directory, config=None, environment=None, files=None, group=None, env_header=''):
        if not os.path.isabs(directory):
            raise ProxyConfigError('path must be absolute, got %r' % (directory,))
        self.directory = directory.rstrip('/') or '/'
        # root owns every file; run without root (tests), the files belong to whoever runs the module
        root = 0 if os.geteuid() == 0 else -1
        self.gid = lookup_gid(group) if group else root
        self.desired = {}
        if config is not None:
            self.desired[CONFIG_NAME] = (_text(config), 0o640, root, self.gid)
        if environment is not None:
            self.desired[ENV_NAME] = (render_env_file(environment, env_header), 0o600, root, root)
        for name, content in sorted((files or {}).items()):
            if not isinstance(name, str) or not FILE_NAME_RE.fullmatch(name) or name in _RESERVED or name.startswith('.'):
                raise ProxyConfigError('%r cannot be used as a file name in %s' % (name, self.directory))
            self.desired[name] = (_text(content), 0o640, root, self.gid)
        self.environment = environment or {}

    def path(self, name):
        return '%s/%s' % (self.directory, name)

    def _managed(self, name, mode, uid, gid):
        return ManagedFile(self.path(name), mode=mode, uid=uid, gid=gid, dir_mode=0o750)

    def current(self):
        out = {}
        for name in self.desired:
            state = read_file(self.path(name))
            out[name] = state
        return out

    def differences(self, current):
        """Names whose content or owner/mode differ from what is wanted."""
        changed = []
        for name, (data, mode, uid, gid) in sorted(self.desired.items()):
            state = current.get(name)
            if (state is None or state.data != data or state.mode != mode
                    or uid not in (-1, state.uid) or gid not in (-1, state.gid)):
                changed.append(name)
        return changed

    def secrets_in_public_files(self):
        """Names of environment variables whose value is also written in a file other users can read."""
        leaked = set()
        for name, (data, dummy, dummy2, dummy3) in self.desired.items():
            if name == ENV_NAME:
                continue
            text = data.decode('utf-8', 'replace')
            for var, value in self.environment.items():
                if isinstance(value, str) and len(value) >= _MIN_SECRET_LEN and value in text:
                    leaked.add(var)
        return sorted(leaked)

    def validate(self, venv, user, environment, timeout, tls_names=None, runner=run_command_as):
        """Write the wanted files to a private candidate directory and let LiteLLM load them there."""
        parent = self.directory if os.path.isdir(self.directory) else None
        candidate = tempfile.mkdtemp(prefix='.candidate-', dir=parent)
        try:
            account = lookup_user(user)
            if os.geteuid() == 0:
                os.chown(candidate, 0, account.gid)
            os.chmod(candidate, 0o750)
            for name, (data, dummy, dummy2, dummy3) in self.desired.items():
                if name == ENV_NAME:
                    continue  # handed over in the process environment, never written for the check
                target = os.path.join(candidate, name)
                with open(target, 'wb') as handle:
                    handle.write(data)
                if os.geteuid() == 0:
                    os.chown(target, 0, account.gid)
                os.chmod(target, 0o640)
            tls = None
            if tls_names:
                tls = [os.path.join(candidate, name) for name in tls_names]
            return run_check(candidate, venv, user, environment, timeout, tls, runner)
        finally:
            shutil.rmtree(candidate, ignore_errors=True)

    def apply(self, current, names):
        """Keep the current files in .previous/, then write the wanted ones (each atomically)."""
        created = []
        locate(self.path(CONFIG_NAME), create=True, dir_mode=0o750, uid=0 if os.geteuid() == 0 else -1,
               gid=self.gid, created=created).close()
        self._save_previous(current)
        for name in names:
            data, mode, uid, gid = self.desired[name]
            self._managed(name, mode, uid, gid).update(lambda old, data=data: data)

    def _save_previous(self, current):
        manifest = {'files': {}, 'absent': []}
        for name, state in sorted(current.items()):
            if state is None:
                manifest['absent'].append(name)
                continue
            manifest['files'][name] = {'mode': state.mode, 'uid': state.uid, 'gid': state.gid}
            ManagedFile(self.path('%s/%s' % (PREVIOUS_DIR, name)), mode=0o600,
                        dir_mode=0o700).update(lambda old, data=state.data: data)
        ManagedFile(self.path('%s/%s' % (PREVIOUS_DIR, MANIFEST_NAME)), mode=0o600,
                    dir_mode=0o700).update(lambda old: json.dumps(manifest, sort_keys=True).encode())

    def rollback(self, check_mode):
        """Put back the files saved by the last apply. Returns the names restored or removed."""
        state = read_file(self.path('%s/%s' % (PREVIOUS_DIR, MANIFEST_NAME)))
        if state is None:
            return []
        manifest = json.loads(state.data.decode('utf-8'))
        touched = []
        for name, attrs in sorted(manifest.get('files', {}).items()):
            saved = read_file(self.path('%s/%s' % (PREVIOUS_DIR, name)))
            if saved is None:
                continue
            root = os.geteuid() == 0
            target = self._managed(name, attrs['mode'], attrs['uid'] if root else -1, attrs['gid'] if root else -1)
            if target.update(lambda old, data=saved.data: data, check_mode=check_mode)['changed']:
                touched.append(name)
        for name in manifest.get('absent', []):
            if ManagedFile(self.path(name), mode=0o600).remove(check_mode=check_mode)['changed']:
                touched.append(name)
        if not check_mode:
            for name in list(manifest.get('files', {})) + [MANIFEST_NAME]:
                ManagedFile(self.path('%s/%s' % (PREVIOUS_DIR, name)), mode=0o600).remove()
        return touched


def _text(value):
    if isinstance(value, bytes):
        return value
    text = str(value)
    if not text.endswith('\n'):
        text += '\n'
    return text.encode('utf-8')


def text_diff(name, before, after):
    """A diff of a file the service group reads (secrets_in_public_files keeps credentials out of them)."""
    return file_diff(name, before, after, lambda data: data.decode('utf-8', 'replace'))


def env_diff(before_data, after_env):
    """A diff of the EnvironmentFile that shows names only."""
    before = parse_env_file(before_data)

    def names(env, changed=lambda name: False):
        return ''.join('%s=%s\n' % (name, mask(changed(name))) for name in sorted(env))
    return file_diff(ENV_NAME, before, after_env, names,
                     lambda env: names(env, lambda name: before.get(name) != env[name]))


def private_key_diff(name, before, after):
    """A diff of the TLS private key: never its content."""
    return file_diff(name, before, after, lambda data: '<private key>\n', lambda data: '<private key, changed>\n')


__all__ = ['BLOCKED_VERSIONS', 'ProxyConfigError', 'ProxyFiles', 'UnsafePathError', 'env_diff', 'parse_env_file',
           'private_key_diff', 'quote_env_value', 'render_env_file', 'run_check', 'text_diff']
