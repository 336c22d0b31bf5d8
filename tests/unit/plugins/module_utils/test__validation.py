# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 11, class 4: names and values that smuggle lines or bytes into files and scripts.

Examples from the review, then property-based tests (hypothesis): the AWS INI editor round-trips through
botocore's own parser, and no accepted name or value produces a line break or a NUL in any file we write.
"""

from __future__ import annotations

import json
import locale
import os
import sys
import tempfile

import pytest

from hypothesis import HealthCheck, assume, event, given, settings, strategies as st

botocore_configloader = pytest.importorskip('botocore.configloader')

from ansible_collections.devfleet.claude_code.plugins.module_utils._ini import IniError, IniFile  # noqa: E402
from ansible_collections.devfleet.claude_code.plugins.module_utils._aws_config import (  # noqa: E402
    ProfileSpec,
    check_name,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_config import (  # noqa: E402
    HelperError,
    validate_config,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._litellm import (  # noqa: E402
    ProxyConfigError,
    parse_env_file,
    render_env_file,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (  # noqa: E402
    SettingsError,
    dump_settings,
    resolve_target,
    validate_env,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._validate import bad_character  # noqa: E402

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# what str.splitlines() treats as a line break, and what botocore (universal newlines) does
SPLITLINES_BREAKS = '\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029'


def helper_params(**options):
    values = dict((name, None) for name in ('key', 'env_var', 'command', 'secret_id', 'json_key', 'region', 'profile',
                                            'parameter', 'project', 'secret', 'version', 'endpoint_url', 'python'))
    values.update(cache_ttl=300)
    values.update(options)
    return values


# --- the review's examples ------------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['MYKEY\n', 'MY\nKEY', 'MYKEY\r', 'MY KEY', '\x00MYKEY'])
def test_api_key_helper_env_var_must_be_one_name(name):
    with pytest.raises(HelperError, match='env_var'):
        validate_config(helper_params(source='env', env_var=name), '/h/h.sh', '/h/h.key', sys.executable)


@pytest.mark.parametrize('url', ['https://vault.example\n', 'https://a.example/\x0cx', 'https://a b'])
def test_api_key_helper_endpoint_url_must_be_one_line(url):
    with pytest.raises(HelperError, match='endpoint_url'):
        validate_config(helper_params(source='aws_ssm', parameter='p', endpoint_url=url), '/h/h.sh', '/h/h.key',
                        sys.executable)


@pytest.mark.parametrize('name', ['UPSTREAM\n', 'A\nINJECTED', 'X\r', 'LITELLM_MASTER_KEY\x00'])
def test_litellm_environment_names_cannot_inject_lines(name):
    with pytest.raises(ProxyConfigError, match='environment'):
        render_env_file({name: 'v'}, '')


@pytest.mark.parametrize('value', ['a\x0bb', 'a\x0cb', 'a\x1cb', 'a\x7fb', 'a\u2028b'])
def test_litellm_environment_values_with_control_characters_are_refused(value):
    with pytest.raises(ProxyConfigError, match='environment variable X contains'):
        render_env_file({'X': value}, '')


@pytest.mark.parametrize('name', ['claude\n', 'claude\x0c', 'cl\x0caude', 'a\rb', 'claude\x85'])
def test_aws_profile_names_cannot_break_lines(name):
    with pytest.raises(IniError, match='not supported'):
        check_name(name)


@pytest.mark.parametrize('extra', [{'x\ny': '1'}, {'cli_pager\n': 'less'}, {'x\x0c': '1'},
                                   {'cli_pager': 'less\x0cmore'}, {'s3': {'addressing_style\n': 'path'}},
                                   {'s3': {'addressing_style': 'pa\nth'}}])
def test_aws_extra_keys_and_values_cannot_break_lines(extra):
    with pytest.raises(IniError):
        ProfileSpec(dict(name='claude', extra=extra))


@pytest.mark.parametrize('dropin', ['50-vertex\n', '50\nvertex', 'a\x00b', 'x/y'])
def test_dropin_names_are_plain_file_names(dropin):
    with pytest.raises(SettingsError, match='dropin'):
        resolve_target(scope='managed', dropin=dropin, system='Linux')


def test_env_values_with_nul_are_refused():
    with pytest.raises(SettingsError, match='NUL'):
        validate_env({'ANTHROPIC_MODEL': 'sonnet\x00'}, lambda msg: None)
    with pytest.raises(SettingsError, match='not a valid environment variable name'):
        validate_env({'ANTHROPIC_MODEL\n': 'sonnet'}, lambda msg: None)


@pytest.mark.parametrize('char', ['\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029'])
def test_ini_reader_splits_lines_as_botocore_does(tmp_path, char):
    # a file someone else wrote, with a character str.splitlines() breaks on but botocore does not
    text = '[profile claude]\nregion = us-west-2\ncli_pager = less%sx\n' % char
    path = tmp_path / 'config'
    path.write_bytes(text.encode('utf-8'))
    expected = botocore_configloader.raw_config_parse(str(path))
    ini = IniFile.from_bytes(path.read_bytes(), str(path))  # main refused this file, or read it differently
    assert ini.get('profile claude') == expected['profile claude']
    ini.set('profile claude', 'output', 'json')
    path.write_bytes(ini.to_bytes())
    assert botocore_configloader.raw_config_parse(str(path))['profile claude'] == dict(
        expected['profile claude'], output='json')


# --- properties -----------------------------------------------------------------------------------------

def _botocore_reads(text):
    assume(locale.getpreferredencoding(False).lower().replace('-', '') in ('utf8',))
    handle, path = tempfile.mkstemp(suffix='.ini')
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(text.encode('utf-8'))
        return botocore_configloader.raw_config_parse(path)
    finally:
        os.unlink(path)


names = st.text(st.characters(codec='utf-8'), min_size=1, max_size=12)
profile_names = st.one_of(st.text(st.sampled_from('abcXYZ019_.@+-'), min_size=1, max_size=8),
                          st.text(st.sampled_from('ab1_-\n\r\x0c\x0b\x85\u2028 []#;='), min_size=1, max_size=8))
good_keys = st.from_regex(r'\A[a-z][a-z0-9_]{0,8}\Z')
key_names = st.one_of(good_keys, good_keys, good_keys,
                      st.text(st.sampled_from('ab_\n\x0c\r=:[ \x85'), min_size=1, max_size=6))
values = st.text(st.characters(codec='utf-8', exclude_categories=('Cs',)), min_size=0, max_size=20)
good_values = st.text(st.characters(codec='utf-8', exclude_categories=('Cs', 'Cc', 'Zs', 'Zl', 'Zp')),
                      min_size=1, max_size=20)
plain_values = st.one_of(good_values, good_values, values, st.dictionaries(good_keys, good_values, min_size=1, max_size=3),
                         st.dictionaries(key_names, values, min_size=1, max_size=3))
existing = st.sampled_from([
    '',
    '# a comment\n[default]\nregion = eu-west-1\n',
    '[profile other]\r\nregion = us-east-1\r\ns3 =\r\n  addressing_style = path\r\n',
    '[profile x]\nregion = a\x0cb\n\n; trailing comment',
])


@PROPERTY
@given(existing, st.lists(st.tuples(profile_names, key_names, plain_values), min_size=1, max_size=4))
def test_every_file_we_write_botocore_reads_with_the_same_values(start, edits):
    ini = IniFile(start)
    wanted = {}
    for profile, key, value in edits:
        header = 'profile %s' % profile
        try:
            check_name(profile)
            ini.set(header, key, value)
        except IniError:
            continue  # refused: must leave the file as it was (checked below through the round trip)
        event('accepted')
        wanted.setdefault(header, {})[key] = dict((k, str(v)) for k, v in value.items()) if isinstance(
            value, dict) else value
    text = ini.text()
    assert '\x00' not in text
    parsed = _botocore_reads(text)
    reread = IniFile(text)  # we never refuse our own output
    for header, keys in wanted.items():
        for key, value in keys.items():
            assert parsed[header][key] == value
            assert reread.get(header)[key] == value
    for header in reread.headers():
        assert reread.get(header) == parsed[header]


@PROPERTY
@given(st.dictionaries(names, st.one_of(values, st.integers(), st.booleans(), st.none()), max_size=5))
def test_accepted_env_never_puts_a_line_break_or_nul_in_a_name_or_value(env):
    try:
        out = validate_env(env, lambda msg: None)
    except SettingsError:
        return
    for name, value in out.items():
        assert bad_character(name) is None
        assert value is None or '\x00' not in value
    text = dump_settings({'env': out}).decode('utf-8')
    # JSON escapes every control character: the file's only line breaks are its own
    assert not any(ord(char) < 0x20 and char != '\n' for char in text)
    assert json.loads(text) == ({'env': out})


@PROPERTY
@given(st.dictionaries(names, values, max_size=5))
def test_accepted_litellm_environment_is_one_line_per_variable(environment):
    try:
        data = render_env_file(environment, '# header\n')
    except ProxyConfigError:
        return
    text = data.decode('utf-8')
    assert '\x00' not in text
    assert len(text.split('\n')) == len(environment) + 2  # header, one line each, final newline
    assert not any(char in text for char in SPLITLINES_BREAKS if char != '\n')
    assert parse_env_file(data) == environment


@PROPERTY
@given(names)
def test_accepted_helper_env_var_is_one_plain_name(name):
    try:
        validate_config(helper_params(source='env', env_var=name), '/h/h.sh', '/h/h.key', sys.executable)
    except HelperError:
        return
    assert name.isascii() and (name.replace('_', 'a').isalnum()) and not name[0].isdigit()
