# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: aws_credentials_plan
short_description: Plan the AWS profiles of each user and what Claude Code needs from them
version_added: 0.1.0
description:
  - The program of the P(devfleet.claude_code.aws_credentials#role) role, run on the controller.
  - Lists which profile goes to which user, picks the profile Claude Code uses (C(claude_profile), else the
    first profile with state V(present)), and computes what the role publishes for the
    P(devfleet.claude_code.claude_code#role) role (C(AWS_PROFILE), C(AWS_REGION), C(awsAuthRefresh),
    C(awsCredentialExport)) and, with C(deferred), the M(devfleet.claude_code.aws_profile) options of every
    user and profile for the claude_code role's one M(devfleet.claude_code.claude_code_host) call.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description:
      - The role's variables by name without the C(aws_credentials_) prefix, as the role's C(vars/main.yml)
        hands them over; see the role's argument spec for each.
      - C(users), C(profiles), C(sso_sessions), C(claude_profile), C(claude_region), C(claude_auth_refresh),
        C(claude_credential_export), C(deferred), C(exclusive), C(backup).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Which profile goes to which user
  ansible.builtin.debug:
    msg: "{{ aws_credentials__inputs | devfleet.claude_code.aws_credentials_plan }}"
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    plan:
      description:
        - One entry per user and profile, C(user), C(index) (into the profiles) and C(name). It holds no secret
          (the profiles task looks the profile up by index, so that a loop item never holds a key).
      type: list
      elements: dict
    claude_name:
      description: The name of the profile Claude Code uses, or an empty string.
      type: str
    profile_known:
      description: C(claude_profile) is empty or names one of the profiles.
      type: bool
    claude_code:
      description: What the role publishes as C(aws_credentials_claude_code), a dict with C(env) and C(settings).
      type: dict
    deferred:
      description:
        - With C(deferred), C(user) and C(args) (the M(devfleet.claude_code.aws_profile) options) of every
          entry of the plan; empty otherwise. Holds static keys when the profiles have them.
      type: list
      elements: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

REQUIRED = ('users', 'profiles', 'sso_sessions', 'claude_profile', 'claude_region', 'claude_auth_refresh',
            'claude_credential_export', 'deferred', 'exclusive', 'backup')


def _first(items, name):
    return next((item for item in items if item.get('name') == name), {})


def aws_credentials_plan(variables):
    if not isinstance(variables, Mapping):
        raise AnsibleFilterError('aws_credentials_plan expects a dict of the role variables, got %s'
                                 % type(variables).__name__)
    missing = [name for name in REQUIRED if name not in variables]
    if missing:
        raise AnsibleFilterError('aws_credentials_plan: missing %s' % ', '.join(missing))
    v = variables
    profiles = v['profiles']
    plan = [dict(user=user, index=index, name=profile['name'])
            for user in v['users'] for index, profile in enumerate(profiles)
            if profile.get('users') is None or user in profile['users']]

    present = [profile['name'] for profile in profiles if profile.get('state', 'present') == 'present']
    name = v['claude_profile'] if len(v['claude_profile']) > 0 else (present[0] if present else '')
    claude = _first(profiles, name)
    region = v['claude_region'] if len(v['claude_region']) > 0 else claude.get('region', '')
    is_sso = len(claude.get('sso_session', '')) > 0 or len(claude.get('sso_start_url', '')) > 0
    env = {}
    if len(name) > 0:
        env['AWS_PROFILE'] = name
        if len(region) > 0:
            env['AWS_REGION'] = region
    if v['claude_auth_refresh'] == 'auto':
        refresh = ('aws sso login --profile ' + name) if is_sso else ''
    else:
        refresh = v['claude_auth_refresh']
    export = (claude.get('credential_process', '') if v['claude_credential_export'] == 'auto'
              else v['claude_credential_export'])
    settings = {}
    if len(refresh) > 0:
        settings['awsAuthRefresh'] = refresh
    if len(export) > 0:
        settings['awsCredentialExport'] = export

    deferred = []
    if boolean(v['deferred'], strict=False):
        for item in plan:
            profile = profiles[item['index']]
            session = _first(v['sso_sessions'], profile.get('sso_session', ''))
            args = dict((key, value) for key, value in profile.items() if key != 'users')
            args.update(exclusive=boolean(v['exclusive'], strict=False), backup=boolean(v['backup'], strict=False))
            for option, key in (('sso_start_url', 'start_url'), ('sso_region', 'region'),
                                ('sso_registration_scopes', 'registration_scopes')):
                if key in session:
                    args[option] = session[key]
            deferred.append(dict(user=item['user'], args=args))
    return {
        'plan': plan,
        'claude_name': name,
        'profile_known': len(v['claude_profile']) == 0 or name in [profile['name'] for profile in profiles],
        'claude_code': {'env': env, 'settings': settings},
        'deferred': deferred,
    }


class FilterModule(object):

    def filters(self):
        return {'aws_credentials_plan': aws_credentials_plan}
