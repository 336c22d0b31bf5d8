# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet doctor's reports, built on the controller. Private to the collection.

``build_report()`` turns the per-host results of ``claude_code_doctor`` into one report (the JSON file,
documented in docs/doctor.md), ``compare()`` says what changed since a previous one, ``junit()`` and
``html()`` render it. The HTML page is self-contained: inline CSS, inline JS, inline SVG; no external
script, font or image, so it opens from a CI artefact store or a mail attachment without a network.

Everything here sees only what the module returned, and the module never returns a secret value.
"""

from __future__ import annotations

import datetime
import html
from collections import Counter
from xml.sax.saxutils import quoteattr

try:
    import jmespath
    HAS_JMESPATH = True
except ImportError:  # pragma: no cover - checked by the filter
    jmespath = None
    HAS_JMESPATH = False

REPORT_FORMAT = 1
SEVERITIES = ('error', 'warning', 'info')


class ReportError(Exception):
    pass


def _host_entry(name, result):
    """One host of the report from its registered module result (or a failure)."""
    result = result if isinstance(result, dict) else {}
    entry = dict(name=name, ok=True, error=None, cli=result.get('cli'), users=[], findings=[],
                 counts=dict((s, 0) for s in SEVERITIES))
    if not result:
        entry.update(ok=False, error='no doctor result (the host was skipped or the play stopped before it)')
        return entry
    if result.get('unreachable') or result.get('failed'):
        entry.update(ok=False, error=str(result.get('msg') or ('unreachable' if result.get('unreachable') else 'failed')))
        return entry
    entry['users'] = list(result.get('users') or [])
    entry['findings'] = [dict(f) for f in result.get('findings') or []]
    entry['counts'] = dict((s, sum(1 for f in entry['findings'] if f.get('severity') == s)) for s in SEVERITIES)
    entry['ok'] = entry['counts']['error'] == 0
    return entry


def build_report(results, previous=None, now=None, codes=None):
    """results: [(host name, registered result)] in inventory order. previous: an earlier report or None."""
    hosts = [_host_entry(name, result) for name, result in results]
    if codes is None:
        codes = {}
        for dummy, result in results:
            if isinstance(result, dict) and isinstance(result.get('codes'), dict):
                codes = result['codes']
                break
    providers, versions, code_counts, code_users = Counter(), Counter(), Counter(), Counter()
    for host in hosts:
        for user in host['users']:
            providers[user.get('provider') or 'none'] += 1
            cli = user.get('cli') or {}
            versions[cli.get('version') or 'none'] += 1
            for code in set(f['code'] for f in user.get('findings') or []):
                code_users[code] += 1
        for f in host['findings']:
            code_counts[f['code']] += 1
    summary = dict(
        hosts=len(hosts),
        hosts_failed=sorted(h['name'] for h in hosts if h['error']),
        hosts_with_errors=sorted(h['name'] for h in hosts if not h['ok']),
        users=sum(len(h['users']) for h in hosts),
        users_with_errors=sum(1 for h in hosts for u in h['users'] if not u.get('ok', True)),
        findings=dict((s, sum(h['counts'][s] for h in hosts)) for s in SEVERITIES),
        providers=dict(sorted(providers.items())),
        cli_versions=dict(sorted(versions.items())),
        codes=dict(sorted(code_counts.items())),
        codes_users=dict(sorted(code_users.items())),
    )
    report = dict(format=REPORT_FORMAT, generated=(now or datetime.datetime.now(datetime.timezone.utc)).strftime('%Y-%m-%dT%H:%M:%SZ'),
                  summary=summary, hosts=hosts, codes=codes, changes=None)
    if previous:
        report['changes'] = compare(previous, report)
    return report


def _finding_keys(report):
    keys = {}
    for host in report.get('hosts') or []:
        for f in host.get('findings') or []:
            key = (host.get('name'), f.get('user'), f.get('code'), f.get('key') or '', f.get('file') or '')
            keys[key] = f
    return keys


def _user_map(report, field):
    out = {}
    for host in report.get('hosts') or []:
        for user in host.get('users') or []:
            value = user.get(field)
            if field == 'cli':
                value = (value or {}).get('version')
            out[(host.get('name'), user.get('name'))] = value
    return out


def compare(previous, current):
    """What changed between two reports: findings new and gone, hosts added and removed, provider/version moves."""
    if not isinstance(previous, dict) or 'hosts' not in previous:
        raise ReportError('the previous report is not a doctor report (no "hosts")')
    before, after = _finding_keys(previous), _finding_keys(current)

    def row(key, f):
        return dict(host=key[0], user=key[1], code=key[2], key=key[3] or None, file=key[4] or None,
                    severity=f.get('severity'), message=f.get('message'))
    old_hosts = set(h.get('name') for h in previous.get('hosts') or [])
    new_hosts = set(h.get('name') for h in current.get('hosts') or [])
    moves = {}
    for field in ('provider', 'cli'):
        old, new = _user_map(previous, field), _user_map(current, field)
        moves[field] = [dict(host=k[0], user=k[1], before=old[k], after=new[k])
                        for k in sorted(set(old) & set(new), key=str) if old[k] != new[k]]
    return dict(
        since=previous.get('generated'),
        new=[row(k, after[k]) for k in sorted(set(after) - set(before), key=str)],
        resolved=[row(k, before[k]) for k in sorted(set(before) - set(after), key=str)],
        hosts_added=sorted(new_hosts - old_hosts, key=str),
        hosts_removed=sorted(old_hosts - new_hosts, key=str),
        provider_changes=moves['provider'],
        cli_changes=moves['cli'],
    )


def query(data, expression):
    if not HAS_JMESPATH:
        raise ReportError('the jmespath Python library is needed on the controller for queries: pip install jmespath')
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError as exc:
        raise ReportError('invalid JMESPath expression %r: %s' % (expression, exc))


# --- JUnit -----------------------------------------------------------------------------------------------

def _text(value):
    # XML 1.0 cannot hold most control characters; nothing legitimate in a message needs them
    text = html.escape(str(value), quote=False)
    return ''.join(ch for ch in text if ch in '\t\n\r' or ord(ch) >= 0x20)


def _lines(findings):
    return '\n'.join('[%s] %s %s: %s\n  fix: %s' % (f.get('severity'), f.get('code'), f.get('name'), f.get('message'),
                                                    f.get('fix')) for f in findings)


def junit(report):
    """JUnit XML: one test suite, one test case per host and user (class = host, name = user)."""
    cases, failures, errors = [], 0, 0
    for host in report.get('hosts') or []:
        name = host.get('name')
        if host.get('error'):
            errors += 1
            cases.append('    <testcase classname=%s name="(host)"><error message=%s type="unreachable"/></testcase>'
                         % (quoteattr(str(name)), quoteattr(_text(host['error']))))
            continue
        if not host.get('users'):
            cases.append('    <testcase classname=%s name="(no users)"/>' % quoteattr(str(name)))
        for user in host.get('users') or []:
            findings = user.get('findings') or []
            bad = [f for f in findings if f.get('severity') == 'error']
            body = ''
            if bad:
                failures += 1
                body += '<failure message=%s type="doctor">%s</failure>' % (
                    quoteattr(_text(', '.join(sorted(set(f['code'] for f in bad))))), _text(_lines(bad)))
            rest = [f for f in findings if f.get('severity') != 'error']
            if rest:
                body += '<system-out>%s</system-out>' % _text(_lines(rest))
            cases.append('    <testcase classname=%s name=%s>%s</testcase>' % (
                quoteattr(str(name)), quoteattr(str(user.get('name'))), body))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<testsuites name="claude_code_doctor" tests="%d" failures="%d" errors="%d">\n'
            '  <testsuite name="claude_code_doctor" tests="%d" failures="%d" errors="%d" timestamp=%s>\n%s\n'
            '  </testsuite>\n</testsuites>\n' % (len(cases), failures, errors, len(cases), failures, errors,
                                                 quoteattr(str(report.get('generated') or '')), '\n'.join(cases)))


# --- HTML ------------------------------------------------------------------------------------------------

def _e(value):
    return html.escape('' if value is None else str(value), quote=True)


def _bars(title, counts, chart_id):
    """A horizontal bar chart in inline SVG."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    if not items:
        return '<section class="chart" id="%s"><h3>%s</h3><p class="none">nothing</p></section>' % (chart_id, _e(title))
    top = max(v for k, v in items) or 1
    row, width = 22, 260
    parts = []
    for index, (label, value) in enumerate(items):
        y = index * row
        length = max(2, int(width * value / top))
        parts.append('<text x="0" y="%d" class="label">%s</text><rect x="150" y="%d" width="%d" height="16" rx="3"/>'
                     '<text x="%d" y="%d" class="value">%d</text>'
                     % (y + 13, _e(label), y + 1, length, 156 + length, y + 13, value))
    return ('<section class="chart" id="%s"><h3>%s</h3><svg role="img" aria-label="%s" width="460" height="%d" '
            'xmlns="http://www.w3.org/2000/svg">%s</svg></section>'
            % (chart_id, _e(title), _e(title), len(items) * row + 4, ''.join(parts)))


_CSS = '''
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em;color:#1d2330;background:#fafbfc}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.2em;margin-top:1.6em}h3{font-size:1em;margin:.2em 0 .5em}
.meta{color:#5b6473}.tiles{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}
.tile{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.7em 1.1em;min-width:7em}
.tile b{display:block;font-size:1.6em}.tile.error b{color:#b42318}.tile.warning b{color:#b54708}.tile.ok b{color:#067647}
.charts{display:flex;gap:1.5em;flex-wrap:wrap}.chart{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:.8em}
.chart rect{fill:#3e6ac9}.chart text{font-size:12px;fill:#1d2330}.chart .value{fill:#5b6473}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #dde1e6;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#eef1f5;cursor:pointer;user-select:none;white-space:nowrap}th.sorted-asc:after{content:" \\25B2"}th.sorted-desc:after{content:" \\25BC"}
tr.sev-error td.sev{color:#b42318;font-weight:600}tr.sev-warning td.sev{color:#b54708}tr.sev-ok td.sev{color:#067647}
.controls{margin:.6em 0;display:flex;gap:.8em;align-items:center;flex-wrap:wrap}input[type=search]{padding:.3em .5em;min-width:22em}
code{font-size:.92em}.fix{color:#344054}.none{color:#5b6473}
'''

_JS = '''
(function(){
  var table=document.getElementById('problems');if(!table)return;
  var body=table.tBodies[0],filter=document.getElementById('filter'),sev=document.getElementById('severity'),
      shown=document.getElementById('shown');
  function apply(){
    var q=filter.value.toLowerCase(),s=sev.value,n=0;
    Array.prototype.forEach.call(body.rows,function(r){
      var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!s||r.getAttribute('data-severity')===s);
      r.style.display=ok?'':'none';if(ok)n++;});
    shown.textContent=n;}
  var h=/[#&]filter=([^&]*)/.exec(location.hash),v=/[#&]severity=([^&]*)/.exec(location.hash);
  if(h)filter.value=decodeURIComponent(h[1]);if(v)sev.value=decodeURIComponent(v[1]);
  filter.addEventListener('input',apply);sev.addEventListener('change',apply);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('sorted-asc');
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(c){c.classList.remove('sorted-asc','sorted-desc');});
      th.classList.add(asc?'sorted-asc':'sorted-desc');
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-sort')||a.cells[i].textContent,
        y=b.cells[i].getAttribute('data-sort')||b.cells[i].textContent;return (x<y?-1:x>y?1:0)*(asc?1:-1);});
      rows.forEach(function(r){body.appendChild(r);});});});
  apply();
})();
'''

_SEV_ORDER = {'error': '0', 'warning': '1', 'info': '2', 'ok': '3'}


def _problem_rows(report):
    rows = []
    for host in report.get('hosts') or []:
        if host.get('error'):
            rows.append(('error', host['name'], '', '', 'HOST', host['error'], 'Check the connection to the host.', ''))
            continue
        for user in host.get('users') or []:
            cli = (user.get('cli') or {}).get('version') or ''
            findings = user.get('findings') or []
            if not findings:
                rows.append(('ok', host['name'], user.get('name'), user.get('provider'), '', 'no findings', '', cli))
            for f in findings:
                rows.append((f.get('severity'), host['name'], user.get('name'), user.get('provider'),
                             '%s %s' % (f.get('code'), f.get('name')), f.get('message'), f.get('fix'), cli))
    return rows


def html_page(report, title='Claude Code fleet doctor'):
    summary = report.get('summary') or {}
    findings = summary.get('findings') or {}
    tiles = [('hosts', summary.get('hosts', 0), ''), ('users', summary.get('users', 0), ''),
             ('users with errors', summary.get('users_with_errors', 0), 'error' if summary.get('users_with_errors') else 'ok'),
             ('errors', findings.get('error', 0), 'error' if findings.get('error') else 'ok'),
             ('warnings', findings.get('warning', 0), 'warning' if findings.get('warning') else 'ok'),
             ('unreachable hosts', len(summary.get('hosts_failed') or []), 'error' if summary.get('hosts_failed') else 'ok')]
    out = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<title>%s</title><style>%s</style></head><body>' % (_e(title), _CSS),
           '<h1>%s</h1><p class="meta">Report generated %s; format %s.</p>' % (
               _e(title), _e(report.get('generated')), _e(report.get('format'))),
           '<div class="tiles" id="counts">']
    for label, value, cls in tiles:
        out.append('<div class="tile %s" data-count="%s"><b>%d</b>%s</div>' % (cls, _e(label), value, _e(label)))
    out.append('</div><div class="charts">')
    out.append(_bars('Users per provider', summary.get('providers') or {}, 'chart-providers'))
    out.append(_bars('Users per CLI version', summary.get('cli_versions') or {}, 'chart-versions'))
    out.append(_bars('Findings per code', summary.get('codes') or {}, 'chart-codes'))
    out.append('</div>')

    changes = report.get('changes')
    out.append('<h2 id="changes">What changed</h2>')
    if not changes:
        out.append('<p class="none">No previous report to compare with.</p>')
    else:
        out.append('<p>Since %s: %d new finding(s), %d resolved, %d host(s) added, %d removed, %d provider change(s), '
                   '%d CLI version change(s).</p>' % (
                       _e(changes.get('since')), len(changes.get('new') or []), len(changes.get('resolved') or []),
                       len(changes.get('hosts_added') or []), len(changes.get('hosts_removed') or []),
                       len(changes.get('provider_changes') or []), len(changes.get('cli_changes') or [])))
        items = ['<li class="new">new: %s / %s: %s %s</li>' % (_e(c['host']), _e(c['user']), _e(c['code']), _e(c['message']))
                 for c in changes.get('new') or []]
        items += ['<li class="resolved">resolved: %s / %s: %s</li>' % (_e(c['host']), _e(c['user']), _e(c['code']))
                  for c in changes.get('resolved') or []]
        items += ['<li>%s / %s: %s %s &rarr; %s</li>' % (_e(c['host']), _e(c['user']), what, _e(c['before']), _e(c['after']))
                  for what, key in (('provider', 'provider_changes'), ('CLI', 'cli_changes')) for c in changes.get(key) or []]
        items += ['<li>host added: %s</li>' % _e(h) for h in changes.get('hosts_added') or []]
        items += ['<li>host removed: %s</li>' % _e(h) for h in changes.get('hosts_removed') or []]
        out.append('<ul id="change-list">%s</ul>' % ''.join(items))

    rows = _problem_rows(report)
    out.append('<h2>Hosts and users</h2><div class="controls"><input type="search" id="filter" '
               'placeholder="Filter (host, user, code, text)" aria-label="Filter"><label>Severity <select id="severity">'
               '<option value="">all</option><option>error</option><option>warning</option><option>info</option>'
               '<option>ok</option></select></label><span><span id="shown">%d</span> of %d rows</span></div>'
               % (len(rows), len(rows)))
    out.append('<table id="problems"><thead><tr><th>Severity</th><th>Host</th><th>User</th><th>Provider</th>'
               '<th>CLI</th><th>Finding</th><th>Message</th><th>Fix</th></tr></thead><tbody>')
    for severity, host, user, provider, code, message, fix, cli in rows:
        out.append('<tr class="sev-%s" data-severity="%s"><td class="sev" data-sort="%s">%s</td><td>%s</td><td>%s</td>'
                   '<td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td><td class="fix">%s</td></tr>' % (
                       _e(severity), _e(severity), _SEV_ORDER.get(severity, '9'), _e(severity), _e(host), _e(user),
                       _e(provider), _e(cli), _e(code), _e(message), _e(fix)))
    out.append('</tbody></table>')
    out.append('<h2>Finding codes</h2><table id="codes"><thead><tr><th>Code</th><th>Name</th><th>Severity</th>'
               '<th>Seen</th><th>Fix</th></tr></thead><tbody>')
    seen = summary.get('codes') or {}
    for code, info in sorted((report.get('codes') or {}).items()):
        out.append('<tr><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td class="fix">%s</td></tr>' % (
            _e(code), _e(info.get('name')), _e(info.get('severity')), seen.get(code, 0), _e(info.get('fix'))))
    out.append('</tbody></table><script>%s</script></body></html>\n' % _JS)
    return ''.join(out)
