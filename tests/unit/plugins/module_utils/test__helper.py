# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The helper scripts, run with the real /bin/sh: contract, cache, refresh after a 401, concurrency, secrecy."""

from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap

from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper import HelperSettingsChange
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_config import (
    SOURCES,
    HelperConfig,
    HelperError,
    check_key,
    validate_config,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_script import cache_dirs, helper_command, render_script
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import SettingsChange

KEY = 'sk-ant-api03-UNIT-HELPER-KEY'
ALL_OPTIONS = ('key', 'env_var', 'command', 'secret_id', 'json_key', 'region', 'profile', 'parameter', 'project',
               'secret', 'version', 'endpoint_url', 'python')


def params(source, **options):
    values = dict((name, None) for name in ALL_OPTIONS)
    values.update(source=source, cache_ttl=300)
    values.update(options)
    return values


def config(source, cache_ttl=300, **options):
    return validate_config(params(source, cache_ttl=cache_ttl, **options), '/h/api-key-helper.sh',
                           '/h/api-key-helper.key', sys.executable)


class Helper(object):
    """A rendered helper in a temporary home, run as Claude Code runs it: /bin/sh -c '. PATH'."""

    def __init__(self, tmp_path, cfg):
        self.home = tmp_path / 'home'
        self.home.mkdir(exist_ok=True)
        self.path = str(tmp_path / 'api-key-helper.sh')
        if cfg.source == 'file':
            cfg.key_file = str(tmp_path / 'api-key-helper.key')
        with open(self.path, 'wb') as handle:
            handle.write(render_script(cfg, self.path))
        os.chmod(self.path, 0o700)
        self.env = dict(HOME=str(self.home), PATH=os.environ.get('PATH', '/usr/bin:/bin'))
        self.cache_dir = self.home / '.cache' / 'devfleet-claude-code'

    def run(self, caller=None, cwd=None, **env):
        environ = dict(self.env, **env)
        if caller is not None:
            environ['DFCC_API_KEY_HELPER_CALLER'] = str(caller)
        proc = subprocess.run(['/bin/sh', '-c', helper_command(self.path)], env=environ, cwd=cwd or str(self.home),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=False)
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def cache_files(self):
        if not self.cache_dir.exists():
            return []
        return sorted(p for p in self.cache_dir.iterdir() if '.seen-' not in p.name and '.tmp.' not in p.name)


@pytest.fixture
def vault(tmp_path):
    """A 'vault CLI' for the command source: prints the key in a file, counts its calls."""
    secret = tmp_path / 'vault-secret'
    secret.write_text(KEY + '\n')
    calls = tmp_path / 'vault-calls'
    command = 'echo call >>%s; cat %s' % (calls, secret)
    return dict(secret=secret, calls=calls, command=command)


def calls(vault):
    return len(vault['calls'].read_text().splitlines()) if vault['calls'].exists() else 0


# --- input validation ------------------------------------------------------------------------------------

@pytest.mark.parametrize('key, message', [
    ('', 'empty'),
    ('a\nb', 'one line of printable ASCII'),
    ('tab\there', 'one line of printable ASCII'),
    ('caf\u00e9', 'one line of printable ASCII'),
    (' padded', 'starts or ends with spaces'),
    ('x' * 16385, 'longer than 16384'),
])
def test_check_key_refuses_what_claude_code_refuses(key, message):
    with pytest.raises(HelperError, match=message):
        check_key(key)


def test_check_key_accepts_a_token():
    check_key('sk-ant-api03-' + 'A' * 90)


@pytest.mark.parametrize('source, options, message', [
    ('file', dict(key=KEY, secret_id='x'), 'secret_id is not used by source file'),
    ('aws_ssm', dict(parameter='/p', secret='s', project='p'), 'project, secret are not used by source aws_ssm'),
    ('aws_secretsmanager', dict(), 'source aws_secretsmanager needs secret_id'),
    ('env', dict(env_var='1BAD'), 'not a valid environment variable name'),
    ('command', dict(command='   '), 'non-empty shell command'),
    ('aws_ssm', dict(parameter='/p', endpoint_url='ftp://x'), 'http:// or https://'),
    ('aws_ssm', dict(parameter='/p', python='python3'), 'absolute path'),
    ('gcp_secretmanager', dict(secret='s', version='a\nb'), 'version must be'),
    ('command', dict(command='x', region='r'), 'region is not used by source command'),
])
def test_validate_config_errors(source, options, message):
    with pytest.raises(HelperError, match=message):
        config(source, **options)


def test_validate_config_defaults():
    cfg = config('gcp_secretmanager', secret='claude')
    assert cfg.options['version'] == 'latest' and cfg.python == sys.executable and cfg.cached
    assert not config('file', key=KEY).cached
    assert not config('command', cache_ttl=0, command='x').cached
    with pytest.raises(HelperError, match='cache_ttl'):
        config('command', cache_ttl=-1, command='x')


@pytest.mark.parametrize('source, options', [
    ('file', dict(key=KEY)),
    ('env', dict(env_var='MY_KEY')),
    ('command', dict(command='vault read -field=key secret/claude # a comment')),
    ('aws_secretsmanager', dict(secret_id="it's/a \"name\" $HOME `x`", json_key='k', region='eu-west-1')),
    ('aws_ssm', dict(parameter='/claude/key', profile='p', endpoint_url='http://127.0.0.1:9')),
    ('gcp_secretmanager', dict(secret='s', project='p', version='3')),
])
def test_every_script_is_valid_shell_and_python(tmp_path, source, options):
    cfg = config(source, **options)
    assert cfg.source in SOURCES
    script = render_script(cfg, '/home/x/.claude/api-key-helper.sh')
    proc = subprocess.run(['/bin/sh', '-n'], input=script, stderr=subprocess.PIPE, check=False)
    assert proc.returncode == 0, proc.stderr
    text = script.decode()
    assert text.startswith('#!/bin/sh\n')
    if source.startswith(('aws', 'gcp')):
        code = text.split("<<'_DFCC_PYTHON_END'\n", 1)[1].split('\n_DFCC_PYTHON_END\n', 1)[0]
        compile(code, 'fetcher', 'exec')
        literal = code.split('CONFIG = json.loads(', 1)[1].split(')\n', 1)[0]
        assert json.loads(ast.literal_eval(literal))['source'] == source


def test_the_key_only_meets_shell_builtins():
    """The key lives in $_dfcc_token; every line that uses it must be a builtin (no argv of another process)."""
    for cfg in (config('file', key=KEY), config('env', env_var='K'), config('command', command='x'),
                config('aws_ssm', parameter='/p')):
        for line in render_script(cfg, '/h/x.sh').decode().splitlines():
            if '$_dfcc_token' not in line and '${#_dfcc_token}' not in line:
                continue
            stripped = line.strip()
            assert stripped.startswith(('printf ', '{ printf ', 'case ', '[ ${#_dfcc_token}', "''", '*[', '_dfcc_token=${',
                                        '[ -n "$_dfcc_token" ]', '{ read', 'IFS= read', '_dfcc_token=$(')), line


# --- the contract, per source ----------------------------------------------------------------------------

def test_file_source(tmp_path):
    helper = Helper(tmp_path, config('file', key=KEY))
    key_file = tmp_path / 'api-key-helper.key'
    assert helper.run() == (1, '', 'api-key-helper: cannot read the key file %s (missing, or not readable by this '
                                   'user); run the Ansible task that installs this helper again\n' % key_file)
    key_file.write_text(KEY + '\n')
    assert helper.run() == (0, KEY + '\n', '')
    key_file.write_text(KEY)  # no trailing newline
    assert helper.run() == (0, KEY + '\n', '')
    key_file.write_text('')
    rc, out, err = helper.run()
    assert rc == 1 and out == '' and 'is empty' in err
    key_file.write_text('sk-bad\x01key\n')
    rc, out, err = helper.run()
    assert rc == 1 and out == '' and 'not printable ASCII' in err and err.count('\n') == 1


def test_env_source(tmp_path):
    helper = Helper(tmp_path, config('env', env_var='DFCC_UNIT_KEY'))
    assert helper.run(DFCC_UNIT_KEY=KEY) == (0, KEY + '\n', '')
    assert helper.run() == (1, '', "api-key-helper: DFCC_UNIT_KEY is not set in Claude Code's environment; export it "
                                   "in the environment Claude Code starts from\n")


def test_command_source_failure_is_one_line_with_the_reason(tmp_path, vault):
    helper = Helper(tmp_path, config('command', command='echo progress >&2; echo "vault: permission denied" >&2; exit 3'))
    assert helper.run(caller=1) == (1, '', 'api-key-helper: the key command failed (exit 3): vault: permission denied\n')
    assert helper.cache_files() == []  # a failure is never cached


@pytest.mark.parametrize('output, message', [
    ('printf "a\\nb\\n"', 'more than one line'),
    ('printf ""', 'gave an empty key'),
    ('printf "x%.0s" $(seq 16385)', 'longer than 16384'),
])
def test_command_output_must_be_one_token(tmp_path, output, message):
    helper = Helper(tmp_path, config('command', command=output))
    rc, out, err = helper.run(caller=1)
    assert rc == 1 and out == '' and message in err and err.count('\n') == 1
    assert helper.cache_files() == []


# --- the cache and the refresh after a 401 ---------------------------------------------------------------

def test_cache_serves_new_sessions_and_refreshes_a_session_that_asks_again(tmp_path, vault):
    helper = Helper(tmp_path, config('command', command=vault['command']))
    assert helper.run(caller=100) == (0, KEY + '\n', '')
    assert calls(vault) == 1
    vault['secret'].write_text('rotated-key\n')
    # new Claude Code sessions get the cached key without running the command
    assert helper.run(caller=200)[1] == KEY + '\n'
    assert helper.run(caller=300)[1] == KEY + '\n'
    assert calls(vault) == 1
    # session 200 asks again: Claude Code only does that after a 401 (or its own TTL), so fetch a fresh key
    assert helper.run(caller=200)[1] == 'rotated-key\n'
    assert calls(vault) == 2
    # the refreshed cache serves the others, including a session that had the old key
    assert helper.run(caller=100)[1] == 'rotated-key\n'
    assert helper.run(caller=400)[1] == 'rotated-key\n'
    assert calls(vault) == 2
    # and the refreshing session, asking yet again, refreshes again
    assert helper.run(caller=200)[1] == 'rotated-key\n'
    assert calls(vault) == 3


def test_caller_defaults_to_the_parent_process(tmp_path, vault):
    """Sourced by `sh -c`, $PPID is whoever started that shell (Claude Code): one process asking twice refreshes."""
    helper = Helper(tmp_path, config('command', command=vault['command']))
    twice = subprocess.run(['/bin/sh', '-c', 'sh -c ". %s"; sh -c ". %s"' % (helper.path, helper.path)],
                           env=helper.env, stdout=subprocess.PIPE, timeout=60, check=True)
    assert twice.stdout.decode() == (KEY + '\n') * 2
    assert calls(vault) == 2  # the inner shells share a parent: the second call is a refresh
    helper.run()
    assert calls(vault) == 2  # another parent: served from the cache


def test_cache_files_are_private_and_hold_the_key_once(tmp_path, vault):
    helper = Helper(tmp_path, config('command', command=vault['command']))
    helper.run(caller=1)
    (cache,) = helper.cache_files()
    assert stat.S_IMODE(helper.cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    meta, key = cache.read_text().splitlines()
    assert key == KEY and meta.startswith('v1 ')
    for marker in helper.cache_dir.iterdir():
        assert stat.S_IMODE(marker.stat().st_mode) == 0o600
        if marker != cache:
            assert KEY not in marker.read_text()


def test_expired_or_other_boot_cache_is_not_used(tmp_path, vault):
    helper = Helper(tmp_path, config('command', command=vault['command']))
    helper.run(caller=1)
    (cache,) = helper.cache_files()
    meta, key = cache.read_text().splitlines()
    version, boot, expiry, generation = meta.split()
    cache.write_text('%s %s %d %s\n%s\n' % (version, boot, 0, generation, key))
    helper.run(caller=2)
    assert calls(vault) == 2
    cache.write_text('%s %s %s %s\n%s\n' % (version, 'another-boot', expiry, generation, key))
    helper.run(caller=3)
    assert calls(vault) == 3
    cache.write_text('garbage\n')
    assert helper.run(caller=4) == (0, KEY + '\n', '')
    assert calls(vault) == 4


def test_cache_can_be_bypassed_or_switched_off(tmp_path, vault):
    helper = Helper(tmp_path, config('command', command=vault['command']))
    helper.run(caller=1, DFCC_API_KEY_HELPER_CACHE='0')
    helper.run(caller=2, DFCC_API_KEY_HELPER_CACHE='0')
    assert calls(vault) == 2 and helper.cache_files() == []
    (tmp_path / 'u').mkdir()
    uncached = Helper(tmp_path / 'u', config('command', cache_ttl=0, command=vault['command']))
    uncached.run(caller=1)
    uncached.run(caller=2)
    assert calls(vault) == 4 and uncached.cache_files() == []
    assert 'read -r _dfcc_now' not in open(uncached.path).read()


def test_cache_ignores_xdg_variables_that_state_absent_cannot_know(tmp_path, vault):
    # issue 11 (7): a cache under $XDG_CACHE_HOME (or a runtime dir outside /run/user) was never removed
    helper = Helper(tmp_path, config('command', command=vault['command']))
    runtime, cache = tmp_path / 'xdg-run', tmp_path / 'xdg-cache'
    runtime.mkdir(mode=0o700)
    helper.run(caller=1, XDG_RUNTIME_DIR=str(runtime), XDG_CACHE_HOME=str(cache))
    assert not (runtime / 'devfleet-claude-code').exists() and not cache.exists()
    assert len(helper.cache_files()) == 1


def test_user_helper_caches_in_the_paths_fixed_at_install(tmp_path, vault):
    class User(object):
        uid = 2 ** 31 - 7  # no /run/user/<uid>: the home's .cache is the place
        home = str(tmp_path / 'installed-home')
    cfg = config('command', command=vault['command'])
    helper = Helper(tmp_path, cfg)
    with open(helper.path, 'wb') as handle:
        handle.write(render_script(cfg, helper.path, User()))
    assert cache_dirs(User()) == ['/run/user/%d/devfleet-claude-code' % User.uid,
                                  str(tmp_path / 'installed-home' / '.cache' / 'devfleet-claude-code')]
    rc, out, err = helper.run(caller=1, XDG_CACHE_HOME=str(tmp_path / 'xdg-cache'))
    assert rc == 0 and out == KEY + '\n'
    assert [p.name[:4] for p in (tmp_path / 'installed-home' / '.cache' / 'devfleet-claude-code').iterdir()] == \
        ['akh-', 'akh-']
    assert helper.cache_files() == [] and not (tmp_path / 'xdg-cache').exists()


def test_changed_configuration_never_serves_the_old_key(tmp_path, vault):
    helper = Helper(tmp_path, config('command', command=vault['command']))
    helper.run(caller=1)
    other = tmp_path / 'other-secret'
    other.write_text('key-of-the-new-source\n')
    with open(helper.path, 'wb') as handle:  # the module rewrites the helper with another source
        handle.write(render_script(config('command', command='cat %s' % other), helper.path))
    assert helper.run(caller=2)[1] == 'key-of-the-new-source\n'
    assert len(helper.cache_files()) == 1  # the old configuration's cache was dropped


def test_concurrent_sessions_never_see_a_torn_key(tmp_path):
    """Readers (new sessions) and refreshing writers at once: every answer is one whole valid key."""
    source = tmp_path / 'source'
    keys = ['short-key-%d' % n for n in range(3)] + ['a-much-longer-key-' + 'X' * 3000]
    source.write_text(keys[0] + '\n')
    # the command picks a key from a counter, so refreshes alternate between short and long keys
    command = textwrap.dedent('''\
        n=$(cat %(dir)s/n 2>/dev/null || echo 0); echo $((n + 1)) >%(dir)s/n
        case $((n %% 4)) in 0) echo short-key-0;; 1) echo short-key-1;; 2) echo short-key-2;;
        *) printf 'a-much-longer-key-%%s\\n' "$(printf 'X%%.0s' $(seq 3000))";; esac''') % dict(dir=tmp_path)
    helper = Helper(tmp_path, config('command', command=command))
    helper.run(caller='writer')

    def call(n):
        # callers 0..9 keep asking again (refreshing); the others are new sessions served from the cache
        return helper.run(caller='w%d' % (n % 10) if n % 3 == 0 else 'r%d' % n)

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(call, range(240)))
    assert all(rc == 0 and err == '' for rc, out, err in results), results
    assert set(out for rc, out, err in results) <= set(key + '\n' for key in keys)
    assert len(set(out for rc, out, err in results)) > 1  # refreshes did happen meanwhile


def test_no_external_command_ever_sees_the_key(tmp_path, vault):
    """Shims log the arguments of every external command the helper runs (mv, rm, mkdir, mktemp, id...)."""
    shims = tmp_path / 'shims'
    shims.mkdir()
    log = tmp_path / 'argv.log'
    for name in ('mv', 'rm', 'mkdir', 'mktemp', 'id', 'date', 'cat', 'seq'):
        real = shutil.which(name)
        if real:
            (shims / name).write_text('#!/bin/sh\nprintf "%%s\\n" "$0 $*" >>%s\nexec %s "$@"\n' % (log, real))
            (shims / name).chmod(0o755)
    helper = Helper(tmp_path, config('command', command=vault['command']))
    path = '%s:%s' % (shims, helper.env['PATH'])
    for caller in (1, 2, 2, 3, 2):
        assert helper.run(caller=caller, PATH=path)[1] == KEY + '\n'
    logged = log.read_text()
    assert 'mv ' in logged and 'cat ' in logged  # the shims did run
    assert KEY not in logged


# --- the Python fetcher (with stand-ins for boto3; the integration tests use the real libraries) ----------

FAKE_BOTO3 = {
    'boto3/__init__.py': 'from . import session\n',
    'boto3/session.py': textwrap.dedent('''\
        import json, os
        from botocore.exceptions import ClientError, NoCredentialsError

        class Client(object):
            def __init__(self, service, endpoint_url):
                self.service = service
            def get_secret_value(self, SecretId):
                data = json.load(open(os.environ['FAKE_AWS']))
                if SecretId not in data:
                    raise ClientError({'Error': {'Code': 'ResourceNotFoundException',
                                                 'Message': "Secrets Manager can't find the specified secret."}},
                                      'GetSecretValue')
                value = data[SecretId]
                return {'SecretBinary': value[4:].encode()} if value.startswith('bin:') else {'SecretString': value}

        class Session(object):
            def __init__(self, profile_name=None, region_name=None):
                if profile_name == 'nocreds':
                    raise NoCredentialsError()
            def client(self, service, endpoint_url=None):
                return Client(service, endpoint_url)
        '''),
    'botocore/__init__.py': '',
    'botocore/exceptions.py': textwrap.dedent('''\
        class BotoCoreError(Exception):
            pass
        class ClientError(Exception):
            def __init__(self, response, operation):
                self.response = response
        class NoCredentialsError(BotoCoreError):
            pass
        class NoRegionError(BotoCoreError):
            pass
        class ProfileNotFound(BotoCoreError):
            pass
        '''),
}


@pytest.fixture
def fake_aws(tmp_path):
    lib = tmp_path / 'lib'
    for name, text in FAKE_BOTO3.items():
        (lib / name).parent.mkdir(parents=True, exist_ok=True)
        (lib / name).write_text(text)
    secrets = tmp_path / 'secrets.json'
    secrets.write_text(json.dumps({'plain': KEY, 'json': json.dumps({'api_key': KEY, 'n': 1}), 'bin': 'bin:' + KEY}))
    return dict(PYTHONPATH=str(lib), FAKE_AWS=str(secrets))


@pytest.mark.parametrize('options, expected', [
    (dict(secret_id='plain'), (0, KEY + '\n', '')),
    (dict(secret_id='bin'), (0, KEY + '\n', '')),
    (dict(secret_id='json', json_key='api_key'), (0, KEY + '\n', '')),
    (dict(secret_id='json', json_key='n'), (1, '', "api-key-helper: AWS Secrets Manager secret json: the value of 'n' is not a string\n")),
    (dict(secret_id='json', json_key='missing'), (1, '', "api-key-helper: AWS Secrets Manager secret json has no key 'missing'\n")),
    (dict(secret_id='plain', json_key='k'), (1, '', "api-key-helper: AWS Secrets Manager secret plain is not JSON, so its key 'k' cannot be read\n")),
    (dict(secret_id='nope'),
     (1, '', "api-key-helper: AWS Secrets Manager secret nope: ResourceNotFoundException: "
             "Secrets Manager can't find the specified secret.\n")),
    (dict(secret_id='plain', profile='nocreds'),
     (1, '', 'api-key-helper: no AWS credentials for profile nocreds: log in (aws sso login --profile nocreds) or '
             'configure credentials\n')),
])
def test_aws_fetcher(tmp_path, fake_aws, options, expected):
    helper = Helper(tmp_path, config('aws_secretsmanager', cache_ttl=0, **options))
    assert helper.run(**fake_aws) == expected


def test_fetcher_ignores_modules_in_the_project_directory(tmp_path, fake_aws):
    """Claude Code runs the helper in the project directory; a repository must not be able to plant json.py."""
    project = tmp_path / 'project'
    project.mkdir()
    for name in ('json.py', 'boto3.py', 'base64.py'):
        (project / name).write_text('import sys\nsys.stderr.write("PLANTED MODULE RAN\\n")\nsys.exit(9)\n')
    helper = Helper(tmp_path, config('aws_secretsmanager', cache_ttl=0, secret_id='plain'))
    assert helper.run(cwd=str(project), **fake_aws) == (0, KEY + '\n', '')


def test_missing_library_and_interpreter(tmp_path):
    helper = Helper(tmp_path, config('gcp_secretmanager', cache_ttl=0, secret='s'))
    rc, out, err = helper.run(PYTHONPATH=str(tmp_path / 'empty'))
    if rc == 0 or 'cannot import google.auth' not in err:  # google-auth installed here: hide it
        (tmp_path / 'hide' / 'google').mkdir(parents=True)
        (tmp_path / 'hide' / 'google' / '__init__.py').write_text('raise ImportError("hidden for the test")\n')
        rc, out, err = helper.run(PYTHONPATH=str(tmp_path / 'hide'))
    assert rc == 1 and out == '' and 'cannot import google.auth' in err and 'install google-auth' in err
    cfg = validate_config(params('aws_ssm', cache_ttl=0, parameter='/p'), '/h/x.sh', '/h/x.key', '/nonexistent/python3')
    helper = Helper(tmp_path, cfg)
    rc, out, err = helper.run()
    assert rc == 1 and 'the Python interpreter /nonexistent/python3 is missing or not executable' in err


# --- settings --------------------------------------------------------------------------------------------

def test_settings_change_sets_and_removes_only_its_own_helper():
    command = helper_command('/home/a/.claude/api-key-helper.sh')
    present = HelperSettingsChange({'CLAUDE_CODE_API_KEY_HELPER_TTL_MS': '60000'}, {'model': 'opus'}, command,
                                   '/home/a/.claude/api-key-helper.sh', True)
    after = present.apply({'env': {'X': '1'}, 'apiKeyHelper': 'old'}, 'p')
    assert after == {'env': {'X': '1', 'CLAUDE_CODE_API_KEY_HELPER_TTL_MS': '60000'}, 'model': 'opus',
                     'apiKeyHelper': command}
    absent = HelperSettingsChange({}, {}, command, '/home/a/.claude/api-key-helper.sh', False)
    assert absent.apply(after, 'p') == {'env': {'X': '1'}, 'model': 'opus'}
    foreign = {'env': {'CLAUDE_CODE_API_KEY_HELPER_TTL_MS': '1'}, 'apiKeyHelper': '/usr/local/bin/mine'}
    assert absent.apply(foreign, 'p') == foreign
    assert isinstance(absent, SettingsChange)


def test_helper_command_quotes_paths():
    assert helper_command('/Library/Application Support/ClaudeCode/api-key-helper.sh') == \
        ". '/Library/Application Support/ClaudeCode/api-key-helper.sh'"
    assert isinstance(HelperConfig('env', {'env_var': 'K'}).describe(), str)
