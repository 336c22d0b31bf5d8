#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: claude_code_doctor
short_description: Find what is wrong with Claude Code for each user of a host
version_added: 0.1.0
description:
  - One call per host, no facts needed. For each listed user (by default every user with a C(~/.claude) directory)
    it reads what Claude Code reads (managed, project and user settings, C(~/.claude.json), the AWS config,
    the gcloud ADC file, the apiKeyHelper script) and returns the effective configuration with the file each
    value comes from, the installed CLI version and a list of findings.
  - Each finding has a stable code (C(DFCC1xx)), a name, a severity, the file it comes from, a message and
    the fix. The codes are listed with their fixes in the collection's C(docs/doctor.md).
  - The CLI version is read from disk (the npm package's C(package.json), or the C(versions/VERSION) directory of
    a native install); Node.js and the CLI are not started.
  - Nothing is written. Secret values never appear in the result; they are redacted as the settings modules do, and
    drift on a secret value is decided by comparing SHA-256 digests.
  - The playbook C(devfleet.claude_code.doctor) runs this module on a fleet and writes JSON, JUnit and HTML reports.
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.INFO_MODULE
  - devfleet.claude_code.settings.SECRETS
options:
  users:
    description:
      - Users to examine, by name. Default (empty) is every user whose home directory has a C(.claude) directory.
      - Reading other users' files needs root (C(become=true)).
    type: list
    elements: str
    default: []
  config_dir:
    description:
      - The users' C(CLAUDE_CONFIG_DIR), if Claude Code runs with one; absolute, or relative to each home directory.
    type: str
  project_dir:
    description:
      - A project whose C(.claude/settings.json) and C(.claude/settings.local.json) to include.
    type: path
  managed:
    description: Whether to include the managed (machine-wide) settings.
    type: bool
    default: true
  cli_paths:
    description:
      - Where to look for the C(claude) command, first found wins. A user's own C(~/.local/bin/claude) (the native
        installer) comes before these.
    type: list
    elements: path
    default: [/usr/local/bin/claude, /usr/bin/claude, /opt/claude-code/bin/claude]
  min_version:
    description: Report C(DFCC142) when the installed CLI is older than this (and C(DFCC141) when there is none).
    type: str
  version:
    description:
      - The pinned CLI version; report C(DFCC143) when the installed one differs (and C(DFCC141) when there is none).
      - Typically C(claude_code_version) of the P(devfleet.claude_code.claude_code#role) role.
    type: str
  expected_env:
    description:
      - The env variables the user should have, name to value; V(null) or V("") means "must not be set". Each
        difference is a C(DFCC151) finding. Secret values are compared by SHA-256 and never shown.
      - Give the P(devfleet.claude_code.claude_code#role) role's computed env to find drift from it.
    type: dict
    default: {}
  expected_settings:
    description: Top-level settings keys the user should have (V(null) means "must not be set"); differences are C(DFCC152).
    type: dict
    default: {}
  ignore:
    description: Finding codes (V(DFCC117)) or names (V(model-pair-incomplete)) not to report.
    type: list
    elements: str
    default: []
  probe:
    description:
      - Also try each user's configuration for real, as the user (needs root). It runs the apiKeyHelper (or takes the
        token from env), C(HEAD) the gateway's base URL (or the Anthropic API), and sends a free
        C(/v1/messages/count_tokens) request with the key. Each step's pass/fail and milliseconds are returned in
        RV(users[].probe); a failed step is a C(DFCC161) finding. The key is never returned.
      - Only gateways and the Anthropic API are probed; for Bedrock and Vertex use M(devfleet.claude_code.bedrock_info)
        and M(devfleet.claude_code.gcloud_adc) with C(verify=true).
      - The helper may refresh its own cache; nothing else is written, so the probe also runs in check mode.
    type: bool
    default: false
  probe_claude:
    description:
      - With O(probe), when the other steps passed, also run C(claude -p) with a one-line prompt as the user (costs
        a real, tiny request).
    type: bool
    default: false
  probe_timeout:
    description: Seconds C(claude -p) may take in the probe.
    type: int
    default: 120
notes:
  - Only what is on disk is seen; variables exported in a user's shell profile and settings given with
    C(claude --settings) are not.
seealso:
  - module: devfleet.claude_code.claude_settings_info
'''

EXAMPLES = r'''
- name: Examine every Claude Code user of the host
  devfleet.claude_code.claude_code_doctor:
  become: true
  register: doctor

- name: Check two developers against the pinned version and what the role would set
  devfleet.claude_code.claude_code_doctor:
    users: [alice, bob]
    version: "2.1.332"
    min_version: "2.1.200"
    expected_env:
      CLAUDE_CODE_USE_BEDROCK: "1"
      AWS_REGION: eu-central-1
      ANTHROPIC_API_KEY: null
  become: true
  register: doctor

- name: Fail on errors
  ansible.builtin.assert:
    that: doctor.counts.error == 0
    fail_msg: "{{ doctor.findings | selectattr('severity', 'eq', 'error') | map(attribute='message') }}"
'''

RETURN = r'''
users:
  description: One entry per user examined, in the order given (or by name).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: User name.
      type: str
      sample: alice
    home:
      description: Home directory.
      type: str
      sample: /home/alice
    provider:
      description:
        - V(bedrock), V(vertex), V(foundry) ... when one C(CLAUDE_CODE_USE_*) switch is on, V(multiple) when several
          are, V(gateway) with C(ANTHROPIC_BASE_URL), V(anthropic) with an API key, token or helper, else V(none).
      type: str
      sample: bedrock
    providers:
      description: Every provider whose switch is on.
      type: list
      elements: str
      sample: [bedrock]
    cli:
      description: The CLI this user runs (their own C(~/.local/bin/claude), else the host's); null when none.
      type: dict
      sample: {"path": "/usr/local/bin/claude", "realpath": "/usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js",
               "version": "2.1.332", "install": "npm"}
    files:
      description: The settings files read, highest precedence first, with their mode and any error.
      type: list
      elements: dict
      sample: [{"scope": "user", "path": "/home/alice/.claude/settings.json", "exists": true, "mode": "0600",
                "error": null}]
    env:
      description: Effective env variables, each with V(value) (secrets as V(<secret>)), V(scope) and V(path).
      type: dict
      sample: {"AWS_REGION": {"value": "eu-central-1", "scope": "managed",
                              "path": "/etc/claude-code/managed-settings.d/50-devfleet-claude-code.json"}}
    settings:
      description: Effective top-level settings keys other than C(env), same shape as RV(users[].env).
      type: dict
      sample: {"apiKeyHelper": {"value": ". '/home/alice/.claude/api-key-helper.sh'", "scope": "user",
                                "path": "/home/alice/.claude/settings.json"}}
    legacy_env:
      description: Names of variables left in C(~/.claude.json), which Claude Code ignores.
      type: list
      elements: str
      sample: []
    findings:
      description: What is wrong, errors first.
      type: list
      elements: dict
      contains:
        code:
          description: Stable code, see C(docs/doctor.md).
          type: str
          sample: DFCC112
        name:
          description: Stable name of the code.
          type: str
          sample: bedrock-profile-missing
        severity:
          description: V(error), V(warning) or V(info).
          type: str
          sample: error
        file:
          description: The file the finding comes from; null when none applies.
          type: str
          sample: /home/alice/.claude/settings.json
        key:
          description: The variable or settings key concerned; null when none applies.
          type: str
          sample: AWS_PROFILE
        message:
          description: What is wrong, with no secret value.
          type: str
          sample: AWS_PROFILE=dev (/home/alice/.claude/settings.json) is not a profile in /home/alice/.aws/config
        fix:
          description: What to do.
          type: str
          sample: Create the profile in ~/.aws/config (devfleet.claude_code.aws_profile) or fix AWS_PROFILE.
    counts:
      description: Number of findings per severity.
      type: dict
      sample: {"error": 1, "warning": 0, "info": 0}
    ok:
      description: True when the user has no error finding.
      type: bool
      sample: false
    probe:
      description:
        - With O(probe), V(ok) (null when skipped), V(skipped) (why, for providers the probe does not cover) and
          V(steps), each with V(name) (V(helper), V(reach), V(auth), V(claude)), V(ok), V(ms) and V(detail).
          Null without O(probe).
      type: dict
      sample:
        ok: false
        provider: gateway
        skipped: null
        steps:
          - {name: helper, ok: true, ms: 12, detail: the apiKeyHelper printed a key}
          - {name: reach, ok: true, ms: 3, detail: "HEAD http://127.0.0.1:4000/ answered HTTP 200"}
          - {name: auth, ok: false, ms: 4, detail: "the key was rejected (count_tokens: HTTP 401): rotated or revoked?"}
findings:
  description: Every user's findings in one list, each with a V(user) key added.
  returned: always
  type: list
  elements: dict
  sample: [{"user": "alice", "code": "DFCC112", "name": "bedrock-profile-missing", "severity": "error",
            "file": "/home/alice/.claude/settings.json", "key": "AWS_PROFILE", "message": "...", "fix": "..."}]
counts:
  description: Number of findings per severity over all users.
  returned: always
  type: dict
  sample: {"error": 1, "warning": 2, "info": 0}
cli:
  description: The host's CLI (first of O(cli_paths) found), or null.
  returned: always
  type: dict
  sample: {"path": "/usr/local/bin/claude", "version": "2.1.332", "install": "npm"}
codes:
  description: Every finding code this version knows, code to V(name), V(severity) and V(fix).
  returned: always
  type: dict
  sample: {"DFCC101": {"name": "multiple-providers", "severity": "error", "fix": "Switch on one provider only ..."}}
'''

import time
from urllib.error import HTTPError

from ansible.module_utils.urls import open_url
from ansible_collections.devfleet.claude_code.plugins.module_utils._doctor import (
    CATALOGUE,
    SEVERITIES,
    check_options,
    collect_user,
    diagnose,
    host_cli,
    list_users,
    probe_user,
    secret_values,
    sort_findings,
    user_result,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import UnsafePathError, lookup_user
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import run_command_as
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    SettingsError,
    policy_from_params,
    secrets_argument_spec,
)


def http(method, url, headers, body, timeout):
    """The HTTP status of one request; OSError when there is none."""
    try:
        response = open_url(url, data=body, headers=headers, method=method, timeout=timeout, follow_redirects='none')
        return response.getcode()
    except HTTPError as exc:
        return exc.code
    except Exception as exc:  # pylint: disable=broad-except
        raise OSError(str(exc)) from exc


def run_user(user, argv, timeout, env):
    return run_command_as(user, argv, timeout=timeout, env=dict({'LANG': 'C.UTF-8'}, **(env or {})))


def main():
    argument_spec = secrets_argument_spec()
    argument_spec.update(
        users=dict(type='list', elements='str', default=[]),
        config_dir=dict(type='str'),
        project_dir=dict(type='path'),
        managed=dict(type='bool', default=True),
        cli_paths=dict(type='list', elements='path',
                       default=['/usr/local/bin/claude', '/usr/bin/claude', '/opt/claude-code/bin/claude']),
        min_version=dict(type='str'),
        version=dict(type='str'),
        expected_env=dict(type='dict', default={}),
        expected_settings=dict(type='dict', default={}),
        ignore=dict(type='list', elements='str', default=[]),
        probe=dict(type='bool', default=False),
        probe_claude=dict(type='bool', default=False),
        probe_timeout=dict(type='int', default=120),
    )
    module = SecretAwareModule(
        argument_spec=argument_spec, supports_check_mode=True,
        secret_values=lambda params: policy_from_params(params).secret_values(params.get('expected_env')))
    params = module.params
    policy = policy_from_params(params)
    try:
        check_options(params)
        names = list_users(params['users'])
        users = [lookup_user(name) for name in names]
    except (SettingsError, UnsafePathError) as exc:
        module.fail_json(msg=str(exc))

    cli = host_cli(params['cli_paths'])
    results, findings = [], []
    for user in users:
        try:
            facts = collect_user(user, policy, params['config_dir'], params['managed'], cli, params['project_dir'])
        except (SettingsError, UnsafePathError) as exc:
            module.fail_json(msg='%s: %s' % (user.name, exc))
        module.no_log_values.update(secret_values(facts))
        found, probe = diagnose(facts, params), None
        if params['probe']:
            probe, failed, secrets = probe_user(facts, params, run_user, http, time.monotonic)
            module.no_log_values.update(secrets)
            found = sort_findings(found + [f for f in failed if f['code'] not in params['ignore']])
        results.append(user_result(facts, found, probe))
        findings.extend(dict(f, user=user.name) for f in found)

    counts = dict((severity, sum(1 for f in findings if f['severity'] == severity)) for severity in SEVERITIES)
    codes = dict((code, dict(name=name, severity=severity, fix=fix)) for code, (name, severity, fix) in CATALOGUE.items())
    module.exit_json(changed=False, users=results, findings=findings, counts=counts, cli=cli, codes=codes)


if __name__ == '__main__':
    main()
