# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import copy
import datetime
import json
import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.doctor_html import doctor_html
from ansible_collections.devfleet.claude_code.plugins.filter.doctor_junit import doctor_junit
from ansible_collections.devfleet.claude_code.plugins.filter.doctor_query import doctor_query
from ansible_collections.devfleet.claude_code.plugins.filter.doctor_report import doctor_report
from ansible_collections.devfleet.claude_code.plugins.plugin_utils import _doctor_report

NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.timezone.utc)
BROKEN = {'code': 'DFCC112', 'name': 'bedrock-profile-missing', 'severity': 'error', 'file': '/home/bob/.claude/settings.json',
          'key': 'AWS_PROFILE', 'message': 'AWS_PROFILE=nosuch is not a profile <script>alert(1)</script>',
          'fix': 'Create the profile.'}
WARN = {'code': 'DFCC121', 'name': 'deprecated-variable', 'severity': 'warning', 'file': '/etc/x.json',
        'key': 'ANTHROPIC_SMALL_FAST_MODEL', 'message': 'deprecated', 'fix': 'Rename it.'}


def user(name, provider, findings=(), version='2.1.332'):
    findings = [dict(f) for f in findings]
    return dict(name=name, provider=provider, cli={'version': version, 'path': '/usr/local/bin/claude'},
                findings=findings, ok=not any(f['severity'] == 'error' for f in findings))


def result(*users):
    return dict(changed=False, users=list(users), cli=None,
                findings=[dict(f, user=u['name']) for u in users for f in u['findings']],
                codes={'DFCC112': {'name': 'bedrock-profile-missing', 'severity': 'error', 'fix': 'Create the profile.'},
                       'DFCC121': {'name': 'deprecated-variable', 'severity': 'warning', 'fix': 'Rename it.'}})


RESULTS = {
    'dev1': result(user('alice', 'bedrock'), user('bob', 'bedrock', [BROKEN])),
    'dev2': result(user('carol', 'gateway', [WARN], version='2.1.197')),
    'dev3': {'unreachable': True, 'msg': 'Failed to connect to the host via ssh'},
}


def report(previous=None):
    return _doctor_report.build_report(sorted(RESULTS.items()), previous=previous, now=NOW)


def test_summary():
    rep = report()
    summary = rep['summary']
    assert rep['generated'] == '2026-12-03T12:00:00Z' and rep['changes'] is None
    assert summary['hosts'] == 3 and summary['users'] == 3 and summary['users_with_errors'] == 1
    assert summary['providers'] == {'bedrock': 2, 'gateway': 1}
    assert summary['cli_versions'] == {'2.1.197': 1, '2.1.332': 2}
    assert summary['codes'] == {'DFCC112': 1, 'DFCC121': 1}
    assert summary['findings'] == {'error': 1, 'warning': 1, 'info': 0}
    assert summary['hosts_failed'] == ['dev3'] and summary['hosts_with_errors'] == ['dev1', 'dev3']
    dev3 = rep['hosts'][2]
    assert dev3['ok'] is False and 'ssh' in dev3['error']


def test_query_examples():
    rep = report()
    assert _doctor_report.query(rep, "hosts[?findings[?severity=='error']].name") == ['dev1']
    assert _doctor_report.query(rep, "hosts[?!ok].name") == ['dev1', 'dev3']
    assert _doctor_report.query(rep, "hosts[].findings[?code=='DFCC121'][].user") == ['carol']
    assert _doctor_report.query(rep, "summary.providers") == {'bedrock': 2, 'gateway': 1}
    with pytest.raises(_doctor_report.ReportError, match='invalid JMESPath'):
        _doctor_report.query(rep, 'hosts[?')


def test_compare():
    old = report()
    RESULTS_NEW = copy.deepcopy(RESULTS)
    RESULTS_NEW['dev1'] = result(user('alice', 'vertex'), user('bob', 'bedrock'))  # bob fixed, alice moved
    RESULTS_NEW['dev4'] = result(user('dave', 'bedrock', [WARN], version='2.1.400'))
    del RESULTS_NEW['dev2']
    new = _doctor_report.build_report(sorted(RESULTS_NEW.items()), previous=old, now=NOW)
    changes = new['changes']
    assert changes['since'] == '2026-12-03T12:00:00Z'
    assert [(c['host'], c['user'], c['code']) for c in changes['resolved']] == [
        ('dev1', 'bob', 'DFCC112'), ('dev2', 'carol', 'DFCC121')]
    assert [(c['host'], c['user'], c['code']) for c in changes['new']] == [('dev4', 'dave', 'DFCC121')]
    assert changes['hosts_added'] == ['dev4'] and changes['hosts_removed'] == ['dev2']
    assert changes['provider_changes'] == [dict(host='dev1', user='alice', before='bedrock', after='vertex')]
    with pytest.raises(_doctor_report.ReportError):
        _doctor_report.compare({'not': 'a report'}, new)


def test_junit():
    xml = _doctor_report.junit(report())
    root = ET.fromstring(xml)
    assert root.get('tests') == '4' and root.get('failures') == '1' and root.get('errors') == '1'
    cases = dict(((c.get('classname'), c.get('name')), c) for c in root.iter('testcase'))
    assert set(cases) == {('dev1', 'alice'), ('dev1', 'bob'), ('dev2', 'carol'), ('dev3', '(host)')}
    assert cases[('dev1', 'bob')].find('failure').get('message') == 'DFCC112'
    assert 'Create the profile.' in cases[('dev1', 'bob')].find('failure').text
    assert cases[('dev1', 'alice')].find('failure') is None
    assert 'DFCC121' in cases[('dev2', 'carol')].find('system-out').text
    assert cases[('dev3', '(host)')].find('error') is not None


def test_html_is_self_contained_and_escaped():
    page = _doctor_report.html_page(report(previous=report()))
    assert page.startswith('<!DOCTYPE html>')
    assert '<script>alert(1)</script>' not in page and '&lt;script&gt;alert(1)' in page
    for external in ('src=', 'href=', '@import', 'url(', '<link'):
        assert external not in page
    assert page.count('<svg') == 3
    assert 'id="problems"' in page and 'id="filter"' in page
    assert '<b>3</b>hosts' in page and 'What changed' in page


def test_filters():
    rep = doctor_report(RESULTS, hosts=['dev1', 'dev2', 'dev3', 'dev9'])
    assert [h['name'] for h in rep['hosts']] == ['dev1', 'dev2', 'dev3', 'dev9']
    assert rep['hosts'][3]['ok'] is False and 'no doctor result' in rep['hosts'][3]['error']
    hostvars = dict((name, {'doctor_result': value}) for name, value in RESULTS.items())
    assert doctor_report(hostvars, hosts=['dev1'], var='doctor_result')['summary']['users'] == 2
    assert doctor_query(rep, 'summary.hosts') == 4
    assert doctor_junit(rep).startswith('<?xml')
    assert '<title>Fleet</title>' in doctor_html(rep, title='Fleet')
    json.dumps(rep)  # the report is plain JSON data
    with pytest.raises(AnsibleFilterError):
        doctor_query(rep, '')
    with pytest.raises(AnsibleFilterError):
        doctor_html('nope')
    with pytest.raises(AnsibleFilterError):
        doctor_junit(['nope'])
    with pytest.raises(AnsibleFilterError):
        doctor_report('nope')
