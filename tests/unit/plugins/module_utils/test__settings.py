# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import pwd

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    REDACTED,
    REDACTED_CHANGED,
    SecretPolicy,
    SettingsChange,
    SettingsError,
    SettingsTarget,
    apply_settings_change,
    dump_settings,
    effective_settings,
    parse_settings,
    resolve_target,
    validate_env,
    validate_settings,
)


class Warnings(list):
    def __call__(self, msg):
        self.append(msg)


# --- env validation --------------------------------------------------------------------------------

def test_env_values_become_strings():
    warn = Warnings()
    env = validate_env({'CLAUDE_CODE_USE_BEDROCK': True, 'API_TIMEOUT_MS': 600000, 'X': 1.5,
                        'AWS_REGION': 'us-west-2', 'AWS_PROFILE': None, 'CLAUDE_CODE_USE_VERTEX': False}, warn)
    assert env == {'CLAUDE_CODE_USE_BEDROCK': '1', 'API_TIMEOUT_MS': '600000', 'X': '1.5',
                   'AWS_REGION': 'us-west-2', 'AWS_PROFILE': None, 'CLAUDE_CODE_USE_VERTEX': '0'}
    assert warn == []


@pytest.mark.parametrize('env, message', [
    ({'1BAD': 'x'}, "'1BAD' is not a valid environment variable name"),
    ({'BAD-NAME': 'x'}, 'not a valid environment variable name'),
    ({'': 'x'}, 'not a valid environment variable name'),
    ({'A': ['x']}, 'A must be a scalar'),
    ({'A': {'b': 1}}, 'A must be a scalar'),
    ({'DISABLE_TELEMETRY': False}, 'switched on by any value'),
    (['A'], 'env must be a dict'),
])
def test_env_errors(env, message):
    with pytest.raises(SettingsError, match=message):
        validate_env(env, Warnings())


def test_env_warns_about_typos_and_deprecated_names():
    warn = Warnings()
    validate_env({'CLAUDE_CODE_USE_BEDROK': '1', 'ANTHROPIC_SMALL_FAST_MODEL': 'x', 'ANTHROPIC_MODEL': 'y',
                  'VERTEX_REGION_CLAUDE_4_0_OPUS': 'europe-west1', 'MY_OWN_VAR': 'z',
                  'DISABLE_TELEMETRY': '0'}, warn)
    assert len(warn) == 3, warn
    assert 'CLAUDE_CODE_USE_BEDROK is not a variable Claude Code' in warn[0]
    assert 'did you mean CLAUDE_CODE_USE_BEDROCK?' in warn[0]
    assert 'ANTHROPIC_SMALL_FAST_MODEL is deprecated; use ANTHROPIC_DEFAULT_HAIKU_MODEL' in warn[1]
    assert "DISABLE_TELEMETRY='0' still switches it on" in warn[2]


def test_settings_validation():
    assert validate_settings({'apiKeyHelper': '/x', 'model': None}) == {'apiKeyHelper': '/x', 'model': None}
    with pytest.raises(SettingsError, match='use the env option'):
        validate_settings({'env': {}})
    with pytest.raises(SettingsError, match='JSON data'):
        validate_settings({'x': object()})


# --- secrets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize('name, value, secret', [
    ('ANTHROPIC_AUTH_TOKEN', 'x', True),
    ('ANTHROPIC_API_KEY', 'x', True),
    ('AWS_SECRET_ACCESS_KEY', 'x', True),
    ('AWS_BEARER_TOKEN_BEDROCK', 'x', True),
    ('CLAUDE_CODE_CLIENT_KEY_PASSPHRASE', 'x', True),
    ('DB_PASSWORD', 'x', True),
    ('ANTHROPIC_CUSTOM_HEADERS', 'X-Team: a', True),
    ('OTEL_EXPORTER_OTLP_HEADERS', 'Authorization=Bearer x', True),
    ('HTTPS_PROXY', 'http://user:pass@proxy:3128', True),
    ('SOME_VAR', 'sk-ant-api03-abc', True),
    ('HTTPS_PROXY', 'http://proxy:3128', False),
    ('CLAUDE_CODE_API_KEY_HELPER_TTL_MS', '3600000', False),
    ('CLAUDE_CODE_CLIENT_KEY', '/etc/ssl/client.key', False),
    ('AWS_WEB_IDENTITY_TOKEN_FILE', '/var/run/token', False),
    ('ANTHROPIC_BASE_URL', 'https://gw', False),
    ('AWS_REGION', 'us-east-1', False),
])
def test_secret_names(name, value, secret):
    assert SecretPolicy().is_secret(name, value) is secret


def test_secret_lists_override():
    policy = SecretPolicy(secret_env=['ANTHROPIC_BASE_URL', 'MY_KEYBOARD'], public_env=['MY_KEYBOARD', 'BUILD_KEY_ID'])
    assert policy.is_secret('ANTHROPIC_BASE_URL', 'https://x')
    assert policy.is_secret('MY_KEYBOARD', 'de')  # secret_env wins
    assert not policy.is_secret('BUILD_KEY_ID', 'abc')


def test_redaction_marks_changes_without_values():
    policy = SecretPolicy()
    before = {'env': {'ANTHROPIC_AUTH_TOKEN': 'old', 'ANTHROPIC_API_KEY': 'same', 'A': 'b'}, 'apiKeyHelper': 'echo sk-ant-x'}
    after = {'env': {'ANTHROPIC_AUTH_TOKEN': 'new', 'ANTHROPIC_API_KEY': 'same', 'A': 'b'}, 'apiKeyHelper': 'echo sk-ant-x'}
    shown = policy.redact(after, before)
    # A is on no list of public names: shown by name only (issue 11, 3)
    assert shown['env'] == {'ANTHROPIC_AUTH_TOKEN': REDACTED_CHANGED, 'ANTHROPIC_API_KEY': REDACTED, 'A': REDACTED}
    assert shown['apiKeyHelper'] == REDACTED
    assert after['env']['ANTHROPIC_AUTH_TOKEN'] == 'new'  # the input is not modified
    assert policy.secret_values(after['env']) == {'new', 'same'}


# --- parsing and merging ---------------------------------------------------------------------------

@pytest.mark.parametrize('data, message', [
    (b'{"env": {', 'is not valid JSON \\(line 1 column 10'),
    (b'{\n  "a": 1\n  "b": 2\n}', 'line 3 column 3'),
    (b'[1, 2]', 'holds JSON list, not an object'),
    (b'"text"', 'holds JSON str'),
    (b'\xff\xfe', 'is not UTF-8'),
])
def test_parse_errors_say_where(data, message):
    with pytest.raises(SettingsError, match=message):
        parse_settings(data, '/x/settings.json')


def test_parse_accepts_empty_and_bom():
    assert parse_settings(b'', 'p') == {}
    assert parse_settings(b'  \n', 'p') == {}
    assert parse_settings(b'\xef\xbb\xbf{"a": 1}', 'p') == {'a': 1}
    assert parse_settings(None, 'p') is None


def test_dump_matches_claude_code_format():
    assert dump_settings({'env': {'A': 'é'}, 'b': [1, 2]}) == (
        '{\n  "env": {\n    "A": "é"\n  },\n  "b": [\n    1,\n    2\n  ]\n}\n').encode('utf-8')


def test_merge_keeps_unmanaged_keys_and_order():
    current = {'model': 'opus', 'env': {'KEEP': '1', 'CHANGE': 'a', 'DROP': 'x'}, 'feedbackSurveyState': {'n': 3}}
    change = SettingsChange(env={'CHANGE': 'b', 'DROP': None, 'NEW': 'n'}, settings={'apiKeyHelper': '/h', 'model': None})
    new = change.apply(current, 'p')
    assert list(new) == ['env', 'feedbackSurveyState', 'apiKeyHelper']
    assert list(new['env'].items()) == [('KEEP', '1'), ('CHANGE', 'b'), ('NEW', 'n')]
    assert current['env']['DROP'] == 'x'  # input not modified


def test_merge_exclusive_env():
    new = SettingsChange(env={'A': '1', 'B': None}, exclusive_env=True).apply({'env': {'A': '0', 'B': '2', 'C': '3'}}, 'p')
    assert new == {'env': {'A': '1'}}


def test_merge_does_not_add_empty_env():
    assert SettingsChange(env={'A': None}).apply({'x': 1}, 'p') == {'x': 1}


def test_merge_refuses_env_that_is_not_an_object():
    with pytest.raises(SettingsError, match='"env" is a list'):
        SettingsChange(env={'A': '1'}).apply({'env': ['A=1']}, '/p')


def test_effective_settings_precedence():
    loaded = [
        ('managed', '/m/b.json', {'env': {'A': 'dropin-b'}}),
        ('managed', '/m/a.json', {'env': {'A': 'dropin-a', 'B': 'dropin-a'}}),
        ('managed', '/m/managed.json', {'env': {'C': 'managed'}}),
        ('local', '/p/local.json', None),
        ('user', '/u/settings.json', {'env': {'A': 'user', 'D': 'user'}, 'model': 'opus'}),
    ]
    env, settings = effective_settings(loaded)
    assert {name: entry['value'] for name, entry in env.items()} == {
        'A': 'dropin-b', 'B': 'dropin-a', 'C': 'managed', 'D': 'user'}
    assert env['A']['path'] == '/m/b.json' and env['D']['scope'] == 'user'
    assert settings == {'model': {'value': 'opus', 'scope': 'user', 'path': '/u/settings.json'}}


# --- targets ---------------------------------------------------------------------------------------

def test_targets_by_scope(tmp_path):
    me = pwd.getpwuid(os.geteuid())
    user = resolve_target(scope='user', user=me.pw_name)
    assert (user.path, user.mode, user.uid) == (os.path.join(me.pw_dir, '.claude', 'settings.json'), 0o600, me.pw_uid)
    assert resolve_target(scope='user', user=me.pw_name, config_dir='~/alt').path == os.path.join(me.pw_dir, 'alt', 'settings.json')
    assert resolve_target(scope='user', user=me.pw_name, config_dir='/cfg').path == '/cfg/settings.json'
    project = resolve_target(scope='project', project_dir=str(tmp_path))
    assert (project.path, project.mode, project.dir_mode) == (str(tmp_path / '.claude' / 'settings.json'), 0o644, 0o755)
    local = resolve_target(scope='local', project_dir=str(tmp_path))
    assert (local.path, local.mode) == (str(tmp_path / '.claude' / 'settings.local.json'), 0o600)
    assert resolve_target(scope='managed', system='Linux').path == '/etc/claude-code/managed-settings.json'
    assert resolve_target(scope='managed', system='Darwin', dropin='10-x').path == \
        '/Library/Application Support/ClaudeCode/managed-settings.d/10-x.json'
    assert resolve_target(path='/x/s.json', mode='0640').mode == 0o640


@pytest.mark.parametrize('kwargs, message', [
    (dict(scope='user', user='no-such-user-dfcc'), "user 'no-such-user-dfcc' does not exist"),
    (dict(scope='managed', dropin='../evil'), 'must be a plain file name'),
    (dict(scope='user', user='root', dropin='x'), 'dropin is only valid with scope: managed'),
    (dict(scope='managed', system='Windows'), 'not on Windows'),
    (dict(scope='project', project_dir='relative'), 'must be an absolute path'),
    (dict(path='/x', mode='rw'), 'octal string'),
])
def test_target_errors(kwargs, message):
    with pytest.raises(SettingsError, match=message):
        resolve_target(**kwargs)


def test_secret_refused_in_world_readable_file(tmp_path):
    target = SettingsTarget(str(tmp_path / 'managed.json'), mode=0o644, scope='managed')
    change = SettingsChange(env={'ANTHROPIC_AUTH_TOKEN': 'sk-ant-xyz', 'AWS_REGION': 'us-east-1'})
    with pytest.raises(SettingsError, match='readable by every user .* ANTHROPIC_AUTH_TOKEN looks secret') as err:
        apply_settings_change(target, change, SecretPolicy())
    assert 'sk-ant-xyz' not in str(err.value)
    assert not (tmp_path / 'managed.json').exists()
    change = SettingsChange(env={'MY_KEYBOARD': 'de'})
    with pytest.raises(SettingsError, match='MY_KEYBOARD looks secret'):  # "KEY" in the name
        apply_settings_change(target, change, SecretPolicy())
    result = apply_settings_change(target, change, SecretPolicy(public_env=['MY_KEYBOARD']))
    assert result['changed']
    assert json.loads((tmp_path / 'managed.json').read_text()) == {'env': {'MY_KEYBOARD': 'de'}}


def test_apply_reports_and_diffs_without_secrets(tmp_path):
    path = tmp_path / 'settings.json'
    path.write_text(json.dumps({'env': {'ANTHROPIC_AUTH_TOKEN': 'old-token-1'}, 'theme': 'dark'}))
    target = SettingsTarget(str(path))
    change = SettingsChange(env={'ANTHROPIC_AUTH_TOKEN': 'new-token-2', 'ANTHROPIC_BASE_URL': 'http://gw'})
    result = apply_settings_change(target, change, SecretPolicy(), diff=True, check_mode=True)
    text = json.dumps(result)
    assert 'old-token-1' not in text and 'new-token-2' not in text
    assert result['changed'] and result['env_changed'] == ['ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL']
    assert '"ANTHROPIC_AUTH_TOKEN": "<secret>"' in result['diff']['before']
    assert '"ANTHROPIC_AUTH_TOKEN": "<secret, changed>"' in result['diff']['after']
    assert json.loads(path.read_text())['env']['ANTHROPIC_AUTH_TOKEN'] == 'old-token-1'  # check mode
    result = apply_settings_change(target, change, SecretPolicy())
    assert json.loads(path.read_text()) == {
        'env': {'ANTHROPIC_AUTH_TOKEN': 'new-token-2', 'ANTHROPIC_BASE_URL': 'http://gw'}, 'theme': 'dark'}
    again = apply_settings_change(target, change, SecretPolicy())
    assert not again['changed'] and again['env_changed'] == []


def test_invalid_file_left_byte_identical(tmp_path):
    path = tmp_path / 'settings.json'
    original = b'{"env": {"A": "1"},, }'
    path.write_bytes(original)
    with pytest.raises(SettingsError, match='line 1 column 20'):
        apply_settings_change(SettingsTarget(str(path)), SettingsChange(env={'B': '2'}), SecretPolicy())
    assert path.read_bytes() == original


def test_nothing_to_write_creates_no_file(tmp_path):
    target = SettingsTarget(str(tmp_path / 'settings.json'))
    result = apply_settings_change(target, SettingsChange(env={'A': None}), SecretPolicy())
    assert not result['changed']
    assert not (tmp_path / 'settings.json').exists()


# --- JSON as Node reads it (issue 11, class 5) ---------------------------------------------------------------

@pytest.mark.parametrize('text, message', [
    (b'{"a": NaN}', 'NaN is not a JSON value'),
    (b'{"a": Infinity}', 'Infinity is not a JSON value'),
    (b'{"a": -Infinity}', '-Infinity is not a JSON value'),
    (b'{"a": 1e400}', 'too large for JSON.parse'),
    (b'{"a": -1e400}', 'too large for JSON.parse'),
    (b'{"a": ' + b'9' * 5000 + b'}', 'too large for JSON.parse'),
    (b'{"a": ' + b'[' * 100000 + b']' * 100000 + b'}', 'nested'),
    (b'{"a": ' + b'[' * 300 + b']' * 300 + b'}', 'nested more than 256 levels'),
])
def test_parse_rejects_what_json_parse_rejects_or_cannot_keep(tmp_path, text, message):
    with pytest.raises(SettingsError, match='is not valid JSON .*%s' % message):
        parse_settings(text, '/x/settings.json')
    path = tmp_path / 'settings.json'
    path.write_bytes(text)
    with pytest.raises(SettingsError, match='is not valid JSON'):
        apply_settings_change(SettingsTarget(str(path)), SettingsChange(env={'B': '2'}), SecretPolicy())
    assert path.read_bytes() == text


def test_lone_surrogate_round_trips_like_json_stringify(tmp_path):
    path = tmp_path / 'settings.json'
    path.write_bytes(b'{"note": "\\ud800 and \\udfff", "pair": "\\ud83d\\ude00"}')
    result = apply_settings_change(SettingsTarget(str(path)), SettingsChange(env={'B': '2'}), SecretPolicy(),
                                   diff=True)
    assert result['changed']
    written = path.read_bytes()
    assert b'"\\ud800 and \\udfff"' in written and '"😀"'.encode() in written
    assert json.loads(written)['note'] == '\ud800 and \udfff'


@pytest.mark.parametrize('value', [float('nan'), float('inf'), -float('inf'), [float('nan')]])
def test_nan_and_infinity_are_never_written(value):
    with pytest.raises(SettingsError, match='JSON'):
        validate_settings({'x': value})
    with pytest.raises(SettingsError, match='NaN and Infinity cannot be written'):
        dump_settings({'x': value})


# --- property-based: merge, redact and dump (hypothesis) -------------------------------------------------------

hypothesis = pytest.importorskip('hypothesis')
st = pytest.importorskip('hypothesis.strategies')

PROPERTY = hypothesis.settings(max_examples=40, deadline=None, database=None,
                               suppress_health_check=list(hypothesis.HealthCheck))
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)  # lone surrogates included
JSON_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2 ** 63, max_value=2 ** 63)
                | st.floats(allow_nan=False, allow_infinity=False) | ANY_TEXT)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(ANY_TEXT, children, max_size=4), max_leaves=25)
ENV_NAMES = st.text(alphabet='ABCXYZ_019', min_size=1, max_size=8).filter(lambda name: not name[0].isdigit())


def strict_loads(data):
    """What Node's JSON.parse accepts of what we write: UTF-8, no NaN/Infinity, no number it reads as Infinity."""
    def refuse(name):
        raise AssertionError('%s written' % name)

    def number(text):
        value = float(text)
        assert value not in (float('inf'), -float('inf')), text
        return value
    return json.loads(data.decode('utf-8', 'strict'), parse_constant=refuse, parse_float=number)


def json_text(value, ascii_only, indent):
    return json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode('utf-8', 'surrogatepass')


@PROPERTY
@hypothesis.given(st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=6), st.sampled_from([None, 2, 4]))
@hypothesis.example({'\ud800': [1e308, -0.0, 2 ** 63, '\udfff'], 'e': {}}, 2)
def test_any_json_node_accepts_round_trips(value, indent):
    text = json_text(value, True, indent)  # \u escapes: the only way a file carries lone surrogates
    parsed = parse_settings(text, '/p')
    assert parsed == value
    written = dump_settings(parsed)
    assert strict_loads(written) == value
    assert dump_settings(parse_settings(written, '/p')) == written


@PROPERTY
@hypothesis.given(st.recursive(
    JSON_SCALARS | st.floats() | st.sampled_from([float('nan'), float('inf'), -float('inf')]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(ANY_TEXT, children, max_size=3),
    max_leaves=12))
def test_nothing_node_rejects_is_ever_written(value):
    try:
        written = dump_settings({'x': value})
    except SettingsError:
        return
    assert strict_loads(written) == {'x': value}


@PROPERTY
@hypothesis.given(
    st.dictionaries(ANY_TEXT.filter(lambda key: key != 'env'), JSON_VALUES, max_size=5),
    st.dictionaries(ENV_NAMES, ANY_TEXT, max_size=5),
    st.dictionaries(ENV_NAMES, st.none() | st.text(max_size=8), max_size=5),
    st.dictionaries(st.sampled_from(['model', 'theme', 'apiKeyHelper']), st.none() | JSON_VALUES, max_size=2))
def test_merge_keeps_every_key_it_does_not_manage(others, env, change_env, change_settings):
    current = dict(others, env=env)
    change = SettingsChange(env=change_env, settings=change_settings)
    merged = parse_settings(dump_settings(change.apply(parse_settings(json_text(current, True, 2), '/p'), '/p')), '/p')
    for key, value in others.items():
        if key not in change_settings:
            assert merged[key] == value
    for key, value in change_settings.items():
        assert merged.get(key) == value
    for name, value in env.items():
        if name not in change_env:
            assert merged['env'][name] == value
    for name, value in change_env.items():
        assert merged['env'].get(name) == value


@PROPERTY
@hypothesis.given(st.dictionaries(ENV_NAMES, ANY_TEXT, max_size=6), st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=3))
def test_redacted_settings_are_always_writable(env, others):
    data = dict(others, env=env)
    for redacted in (SecretPolicy().redact(data), SecretPolicy().redact(data, {'env': {}})):
        strict_loads(dump_settings(redacted))
