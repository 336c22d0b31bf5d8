# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
name: split_env
short_description: Split Claude Code env variables into the public and the secret ones
version_added: 0.1.0
description:
  - Takes the C(env) block meant for Claude Code settings and returns it twice, as V(public) and V(secret).
    In V(public), every secret value is replaced by V(null); in V(secret), every public value is. A null in
    the input stays null in both.
  - Secret is decided exactly as the settings modules decide it (names containing C(KEY), C(TOKEN), C(SECRET),
    C(PASSWORD) or C(PASSPHRASE) except paths and TTLs, C(ANTHROPIC_CUSTOM_HEADERS), C(OTEL_EXPORTER_OTLP_*HEADERS),
    values that look like Anthropic keys or URLs with a password), plus O(secret_env) and minus O(public_env).
  - Used by the P(devfleet.claude_code.claude_code#role) role to write the public part into a managed drop-in
    that every user reads and the secret part into each user's own settings file; because a null removes a
    variable, passing V(public) and V(secret) to two M(devfleet.claude_code.claude_settings) calls also removes
    values left in the wrong file by an earlier run.
author:
  - devfleet.claude_code contributors (@devfleet)
options:
  _input:
    description: The env variables, name to value; V(null) means "remove".
    type: dict
    required: true
  secret_env:
    description: Names of further variables that are secret.
    type: list
    elements: str
    default: []
  public_env:
    description: Names of variables that look secret but are not. O(secret_env) wins over this list.
    type: list
    elements: str
    default: []
seealso:
  - module: devfleet.claude_code.claude_settings
'''

EXAMPLES = r'''
- name: Public variables machine-wide, secret ones per user
  vars:
    split: "{{ {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': token} | devfleet.claude_code.split_env }}"
  ansible.builtin.debug:
    msg: "{{ split.public }} / {{ split.secret | dict2items | map(attribute='key') }}"
  # public: {'ANTHROPIC_BASE_URL': 'https://gw.example.com', 'ANTHROPIC_AUTH_TOKEN': None}
  # secret: {'ANTHROPIC_BASE_URL': None, 'ANTHROPIC_AUTH_TOKEN': '...'}
'''

RETURN = r'''
_value:
  description: The input twice, with the values of the other kind replaced by V(null).
  type: dict
  contains:
    public:
      description: The input with secret values replaced by V(null).
      type: dict
    secret:
      description: The input with public values replaced by V(null).
      type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import SecretPolicy


def split_env(env, secret_env=None, public_env=None):
    if not isinstance(env, Mapping):
        raise AnsibleFilterError('split_env expects a dict of env variables, got %s' % type(env).__name__)
    policy = SecretPolicy(secret_env, public_env)
    public, secret = {}, {}
    for name, value in env.items():
        is_secret = value is not None and policy.is_secret(str(name), value)
        public[name] = None if is_secret else value
        secret[name] = value if is_secret else None
    return {'public': public, 'secret': secret}


class FilterModule(object):

    def filters(self):
        return {'split_env': split_env}
