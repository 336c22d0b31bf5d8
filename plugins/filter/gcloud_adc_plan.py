# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: gcloud_adc_plan
short_description: Plan each user's Application Default Credentials and what Claude Code needs from them
version_added: 0.1.0
description:
  - The program of the P(devfleet.claude_code.gcloud_adc#role) role, run on the controller.
  - Fills the role-wide defaults into each user's entry, gives the M(devfleet.claude_code.gcloud_adc) options of
    every user for the claude_code role's one M(devfleet.claude_code.claude_code_host) call (deferred mode), and,
    from the results of the role's own writes, what the role publishes for the P(devfleet.claude_code.claude_code#role)
    role and the status of each user's credentials.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description:
      - The role's variables by name without the C(gcloud_adc_) prefix, as the role's C(vars/main.yml) hands them
        over (see the role's argument spec for each), and C(results), the results of the role's
        M(devfleet.claude_code.gcloud_adc) loop (V([]) before it ran).
      - C(users), C(credentials), C(path), C(quota_project_id), C(verify), C(verify_timeout), C(backup),
        C(project_id), C(region), C(auth_refresh), C(results).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Each user's entry with the role's defaults
  ansible.builtin.debug:
    msg: "{{ (gcloud_adc__inputs | devfleet.claude_code.gcloud_adc_plan).users | map(attribute='name') }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    users:
      description: Each user's entry with C(state), C(credentials), C(path), C(quota_project_id) and C(verify) filled in.
      type: list
      elements: dict
    deferred:
      description: C(user) and C(args) (the M(devfleet.claude_code.gcloud_adc) options) of every user. Holds credentials.
      type: list
      elements: dict
    deferred_claude_code:
      description: What the role publishes as C(gcloud_adc_claude_code) in deferred mode (what does not depend on the files).
      type: dict
    claude_code:
      description: What the role publishes as C(gcloud_adc_claude_code) after its own writes.
      type: dict
    claude_code_users:
      description: What the role publishes as C(gcloud_adc_claude_code_users), per user with credentials.
      type: dict
    status:
      description: What the role publishes as C(gcloud_adc_status), per user.
      type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

REQUIRED = ('users', 'credentials', 'path', 'quota_project_id', 'verify', 'verify_timeout', 'backup', 'project_id',
            'region', 'auth_refresh', 'results')


def _unique(values):
    out = []
    for value in values:
        if value not in out:
            out.append(value)
    return out


def _env(project, region):
    env = {}
    if len(project) > 0:
        env['ANTHROPIC_VERTEX_PROJECT_ID'] = project
    if len(region) > 0:
        env['CLOUD_ML_REGION'] = region
    return env


def gcloud_adc_plan(variables):
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError('gcloud_adc_plan expects a dict of the role variables, got %s'
                                 % type(variables).__name__)
    missing = [name for name in REQUIRED if name not in variables]
    if missing:
        raise AnsibleFilterError('gcloud_adc_plan: missing %s' % ', '.join(missing))
    v = variables
    defaults = {'state': 'present', 'credentials': v['credentials'], 'path': v['path'],
                'quota_project_id': v['quota_project_id'], 'verify': v['verify']}
    users = [dict(defaults, **user) for user in v['users']]

    deferred = []
    for user in users:
        args = {'state': user['state'], 'verify': user['verify'] and user['state'] == 'present',
                'verify_timeout': v['verify_timeout'], 'backup': v['backup']}
        if user['state'] == 'present':
            args['credentials'] = user['credentials']
        if user['path']:
            args['path'] = user['path']
        if user['quota_project_id']:
            args['quota_project_id'] = user['quota_project_id']
        deferred.append({'user': user['name'], 'args': args})

    # After the writes: the project of the credentials (when they agree), GOOGLE_APPLICATION_CREDENTIALS for the
    # whole host only when every user's file is at the same non-default path, gcpAuthRefresh when gcloud is there.
    results = v['results']
    present = [result for result in results if 'type' in result]
    projects = _unique(result['project_id'] for result in present if result.get('project_id'))
    project = v['project_id'] if len(v['project_id']) > 0 else (projects[0] if len(projects) == 1 else '')
    env = _env(project, v['region'])
    paths = _unique(result['path'] for result in present)
    shared_path = ({'GOOGLE_APPLICATION_CREDENTIALS': paths[0]}
                   if len(paths) == 1 and not any(result['default_path'] for result in present) else {})
    settings = ({'gcpAuthRefresh': v['auth_refresh']}
                if len(v['auth_refresh']) > 0 and any(result.get('gcloud_path') for result in results) else {})
    claude_code_users, status = {}, {}
    for result in results:
        if 'type' in result:
            claude_code_users[result['item']] = {
                'env': dict(env, **({} if result['default_path'] else {'GOOGLE_APPLICATION_CREDENTIALS': result['path']})),
                'settings': settings}
        status[result['item']] = {
            'path': result['path'], 'state': 'present' if 'type' in result else 'absent',
            'changed': result['changed'], 'type': result.get('type'), 'principal': result.get('principal'),
            'project_id': result.get('project_id'), 'quota_project_id': result.get('quota_project_id'),
            'verified': result.get('verified', False), 'expiry': result.get('expiry')}
    return {
        'users': users,
        'deferred': deferred,
        'deferred_claude_code': {'env': _env(v['project_id'], v['region']), 'settings': {}},
        'claude_code': {'env': dict(env, **shared_path), 'settings': settings},
        'claude_code_users': claude_code_users,
        'status': status,
    }


class FilterModule(object):

    def filters(self):
        return {'gcloud_adc_plan': gcloud_adc_plan}
