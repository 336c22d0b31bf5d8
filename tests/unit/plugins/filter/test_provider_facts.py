# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.devfleet.claude_code.plugins.filter.provider_facts import FilterModule, provider_facts

ADC = {'env': {'ANTHROPIC_VERTEX_PROJECT_ID': 'p', 'CLOUD_ML_REGION': 'us-east5',
               'GOOGLE_APPLICATION_CREDENTIALS': '/etc/gcloud/adc.json'},
       'settings': {'gcpAuthRefresh': 'gcloud auth application-default login'}}


def test_keeps_only_the_names_the_provider_owns():
    out = provider_facts(ADC, ['GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG'], ['gcpAuthRefresh'])
    assert out == {'env': {'GOOGLE_APPLICATION_CREDENTIALS': '/etc/gcloud/adc.json'},
                   'settings': {'gcpAuthRefresh': 'gcloud auth application-default login'}}


def test_vertex_keeps_everything():
    names = ['ANTHROPIC_VERTEX_PROJECT_ID', 'CLOUD_ML_REGION', 'GOOGLE_APPLICATION_CREDENTIALS']
    assert provider_facts(ADC, names, ['gcpAuthRefresh']) == ADC


def test_per_user_and_empty_input():
    users = {'alice': ADC, 'bob': {'env': {'GOOGLE_APPLICATION_CREDENTIALS': '/home/bob/adc.json'}}}
    out = provider_facts(users, ['GOOGLE_APPLICATION_CREDENTIALS'], [], per_user=True)
    assert out == {'alice': {'env': {'GOOGLE_APPLICATION_CREDENTIALS': '/etc/gcloud/adc.json'}, 'settings': {}},
                   'bob': {'env': {'GOOGLE_APPLICATION_CREDENTIALS': '/home/bob/adc.json'}, 'settings': {}}}
    assert provider_facts({}, ['X']) == {}
    assert provider_facts(None, ['X']) == {}


def test_bad_input():
    with pytest.raises(AnsibleFilterError):
        provider_facts(['x'], ['X'])
    with pytest.raises(AnsibleFilterError):
        provider_facts({'alice': 'x'}, ['X'], per_user=True)
    with pytest.raises(AnsibleFilterError):
        provider_facts({'env': ['x']}, ['X'])
    assert 'provider_facts' in FilterModule().filters()
