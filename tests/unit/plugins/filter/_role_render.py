# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render a role's vars/main.yml as ansible-core does: defaults < role vars < inventory, with Templar."""

from __future__ import annotations

import json
import os

import yaml

ROLES = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles')
FIXTURES = os.path.join(os.path.dirname(__file__), 'fixtures')


def _trusted(value):
    try:
        from ansible.template import trust_as_template
    except ImportError:  # ansible-core < 2.19 trusts every string
        return value
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((k, _trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    return value


def role_variables(role, inventory):
    """The variables a task of ROLE sees: the role's defaults, its vars, then INVENTORY (extra facts included)."""
    variables = {}
    for name in ('defaults', 'vars'):
        with open(os.path.join(ROLES, role, name, 'main.yml')) as f:
            variables.update(yaml.safe_load(f) or {})
    variables = _trusted(variables)  # the role's own files: trusted templates
    # inventory and facts are data, not templates (as ansible-core treats them)
    for name, value in inventory.items():
        if name in variables and not name.startswith(role + '_'):
            raise AssertionError('%s is not an inventory variable of %s' % (name, role))
        variables[name] = value
    return variables


def render(role, inventory, names):
    """NAMES of ROLE rendered for INVENTORY, as plain JSON-able data."""
    from ansible.template import Templar

    variables = role_variables(role, inventory)
    templar = Templar(loader=None, variables=variables)
    out = {}
    for name in names:
        out[name] = templar.template(variables[name])
    return json.loads(json.dumps(out))  # plain data, key order kept


def load_fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return yaml.safe_load(f) if name.endswith('.yml') else json.load(f)


def published_facts(role, tasks_file, inventory):
    """The facts the set_fact tasks of ROLE's TASKS_FILE publish for INVENTORY, each task templated as ansible-core
    runs it (a loop: once per item, with the facts of the earlier items)."""
    from ansible.template import Templar

    with open(os.path.join(ROLES, role, 'tasks', tasks_file)) as f:
        tasks = yaml.safe_load(f)
    variables = role_variables(role, inventory)
    facts = {}
    for task in tasks:
        set_fact = task['ansible.builtin.set_fact']
        loop = task.get('loop')
        items = Templar(loader=None, variables=variables).template(_trusted(loop)) if loop else [None]
        for item in items:
            scope = dict(variables, **facts)
            if item is not None:
                scope['item'] = item
            templar = Templar(loader=None, variables=scope)
            facts.update((name, templar.template(_trusted(value))) for name, value in set_fact.items())
    return json.loads(json.dumps(facts))
