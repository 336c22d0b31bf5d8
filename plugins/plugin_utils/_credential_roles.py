# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The credential roles run as data sources, on the controller, with no task. Private to the collection.

With ``claude_code_deferred_credentials`` (the site playbook sets it), the claude_code role writes the AWS profiles
and ADC files of the aws_credentials and gcloud_adc roles in its one claude_code_host call per host, and those roles
are not run at all: on a fleet every task costs the controller a fork per host. What the roles would have checked
and published is computed here instead, from the same files: the role's ``defaults/main.yml`` and its
``meta/argument_specs.yml`` (validated with the same ArgumentSpecValidator as Ansible's role argument validation),
then the role's plan filter, then the checks of the role's assert task, with the same messages.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

import yaml

# libyaml's loader where PyYAML has it: a worker process (one per host and task) parses the files again, and the
# pure-Python loader takes some 30 times as long
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

ROLES = ('aws_credentials', 'gcloud_adc')
_ROLES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'roles')
_CACHE = {}


def _role_files(role):
    """(defaults, argument spec options) of a role of this collection, read once per controller process."""
    if role not in _CACHE:
        with open(os.path.join(_ROLES_DIR, role, 'defaults', 'main.yml'), 'rb') as handle:
            defaults = yaml.load(handle, Loader=_LOADER) or {}  # nosec B506 - a safe loader
        with open(os.path.join(_ROLES_DIR, role, 'meta', 'argument_specs.yml'), 'rb') as handle:
            spec = yaml.load(handle, Loader=_LOADER)['argument_specs']['main']['options']  # nosec B506
        _CACHE[role] = (defaults, spec)
    return _CACHE[role]


def role_variables(role, defined):
    """The variables of ``role`` as its tasks would see them, by name without the role's prefix: its defaults,
    overridden by ``defined`` (the host's variables whose name starts with the role's; others are ignored),
    validated against its argument spec. As with Ansible's role argument validation, the values are checked, not
    converted or filled in (a sub-option the spec gives no default stays absent, as the role's tasks expect).

    Raises AnsibleFilterError with the validator's messages (they name options, never a no_log value).
    """
    if role not in ROLES:
        raise AnsibleFilterError('claude_code_deferred_credentials: unknown role %r (one of %s)'
                                 % (role, ', '.join(ROLES)))
    defaults, spec = _role_files(role)
    params = dict(defaults)
    params.update((name, value) for name, value in (defined or {}).items() if name in spec)
    result = ArgumentSpecValidator(spec).validate(params)
    if result.error_messages:
        raise AnsibleFilterError("%s (run by the claude_code role, claude_code_deferred_credentials): validating "
                                 "arguments against arg spec 'main' failed: %s"
                                 % (role, '; '.join(result.error_messages)))
    prefix = role + '_'
    return dict((name[len(prefix):], value) for name, value in params.items())


def aws_credentials_problem(plan, variables):
    """The message of the aws_credentials role's check (tasks/plan.yml), or '' when it passes."""
    if not plan['profile_known']:
        return ('aws_credentials_claude_profile is %s, which is not in aws_credentials_profiles.'
                % variables['claude_profile'])
    return ''


def gcloud_adc_problem(users):
    """The message of the gcloud_adc role's check (tasks/validate.yml), or '' when it passes."""
    names = [user['name'] for user in users]
    missing = [user['name'] for user in users if user['state'] == 'present' and not user['credentials']]
    if len(names) == len(set(names)) and not missing:
        return ''
    return ('gcloud_adc_users must list each user once (%s), and each user with state present needs credentials, '
            'their own or gcloud_adc_credentials (missing for: %s).'
            % (', '.join(names), ', '.join(missing) or 'nobody'))
