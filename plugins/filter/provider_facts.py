# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: provider_facts
short_description: Keep only the env variables and settings keys a Claude Code provider owns
version_added: 0.1.0
description:
  - The credential roles (P(devfleet.claude_code.aws_credentials#role), P(devfleet.claude_code.gcloud_adc#role))
    publish what Claude Code needs as a dict with C(env) and C(settings). Several providers use the same
    credentials (Bedrock, Bedrock Mantle and Claude Platform on AWS all sign with AWS credentials; Vertex AI and
    Claude Platform on Google Cloud use Application Default Credentials), but not every published name suits
    every provider (C(ANTHROPIC_VERTEX_PROJECT_ID) means nothing to C(anthropic_google_cloud)).
  - This filter keeps the names the provider owns and drops the rest, so that a provider never receives another
    provider's variables. Used by the P(devfleet.claude_code.claude_code#role) role.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description:
      - The published facts, a dict with C(env) and C(settings), or with O(per_user=true) a dict of user name to
        such facts.
    type: dict
    required: true
  env_names:
    description: The env variable names the provider owns.
    type: list
    elements: str
    required: true
  settings_keys:
    description: The top-level settings keys the provider owns.
    type: list
    elements: str
    default: []
  per_user:
    description: The input maps user names to facts.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: AWS facts for the Bedrock Mantle provider
  ansible.builtin.debug:
    msg: "{{ aws_credentials_claude_code | devfleet.claude_code.provider_facts(['AWS_PROFILE', 'AWS_REGION'], ['awsAuthRefresh']) }}"
'''

RETURN = r'''
_value:
  description: The input with C(env) and C(settings) restricted to the given names (per user with O(per_user=true)).
  type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _restrict(facts, env_names, settings_keys, where):
    if not isinstance(facts, Mapping):
        raise AnsibleFilterError('provider_facts: %s must be a dict with env and settings, got %s'
                                 % (where, type(facts).__name__))
    env = facts.get('env') or {}
    settings = facts.get('settings') or {}
    if not isinstance(env, Mapping) or not isinstance(settings, Mapping):
        raise AnsibleFilterError('provider_facts: env and settings of %s must be dicts' % where)
    return {
        'env': dict((name, value) for name, value in env.items() if name in env_names),
        'settings': dict((key, value) for key, value in settings.items() if key in settings_keys),
    }


def provider_facts(facts, env_names, settings_keys=None, per_user=False):
    env_names = frozenset(env_names or ())
    settings_keys = frozenset(settings_keys or ())
    if not facts:
        return {}
    if not isinstance(facts, Mapping):
        raise AnsibleFilterError('provider_facts expects a dict, got %s' % type(facts).__name__)
    if per_user:
        return dict((user, _restrict(value, env_names, settings_keys, 'the facts of user %s' % user))
                    for user, value in facts.items())
    return _restrict(facts, env_names, settings_keys, 'the facts')


class FilterModule(object):
    def filters(self):
        return {'provider_facts': provider_facts}
