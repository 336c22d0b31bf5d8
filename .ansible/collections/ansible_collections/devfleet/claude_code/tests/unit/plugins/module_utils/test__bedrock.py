# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ModelChecker against a stand-in for the boto3 Bedrock client (the real API is checked in integration tests)."""

from __future__ import annotations

import os
import time

import pytest

from ansible_collections.devfleet.claude_code.plugins.module_utils._bedrock import ModelChecker
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import lookup_user
from ansible_collections.devfleet.claude_code.plugins.module_utils._run_as import RunAsError, run_as

SONNET_ARN = 'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-6'


class ClientError(Exception):
    def __init__(self, code, message):
        super(ClientError, self).__init__(message)
        self.response = {'Error': {'Code': code, 'Message': message}}


class FakeBedrock(object):
    def __init__(self):
        self.calls = []

    def list_foundation_models(self):
        self.calls.append('ListFoundationModels')
        return {'modelSummaries': [
            {'modelId': 'anthropic.claude-3-haiku-20240307-v1:0', 'inferenceTypesSupported': ['ON_DEMAND'],
             'modelLifecycle': {'status': 'ACTIVE'}},
            {'modelId': 'anthropic.claude-sonnet-4-6', 'modelArn': SONNET_ARN,
             'inferenceTypesSupported': ['INFERENCE_PROFILE'], 'modelLifecycle': {'status': 'ACTIVE'}},
            {'modelId': 'anthropic.claude-v2', 'inferenceTypesSupported': ['ON_DEMAND'],
             'modelLifecycle': {'status': 'EOL'}},
        ]}

    def list_inference_profiles(self, typeEquals=None, nextToken=None):
        self.calls.append('ListInferenceProfiles')
        if nextToken is None:
            return {'inferenceProfileSummaries': [{'inferenceProfileId': 'eu.anthropic.claude-sonnet-4-6',
                                                   'models': [{'modelArn': SONNET_ARN}]}], 'nextToken': 'p2'}
        return {'inferenceProfileSummaries': [{'inferenceProfileId': 'us.anthropic.claude-sonnet-4-6',
                                               'models': [{'modelArn': SONNET_ARN}]}]}

    def get_inference_profile(self, inferenceProfileIdentifier):
        self.calls.append('GetInferenceProfile')
        if inferenceProfileIdentifier == 'us.anthropic.claude-sonnet-4-6':
            return {'status': 'ACTIVE', 'type': 'SYSTEM_DEFINED', 'models': [{'modelArn': SONNET_ARN}]}
        if inferenceProfileIdentifier.endswith('application-inference-profile/denied'):
            raise ClientError('AccessDeniedException', 'not authorized')
        raise ClientError('ResourceNotFoundException', 'not found')


def test_model_kinds_and_reasons():
    client = FakeBedrock()
    checker = ModelChecker(client, 'us-west-2', '111122223333')
    results = dict((model_id, checker.check(model_id)) for model_id in (
        'us.anthropic.claude-sonnet-4-6', 'anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-sonnet-4-6',
        'anthropic.claude-v2', 'us.anthropic.claude-opus-9',
        'arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/denied',
        'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0',
        'arn:aws:bedrock:us-west-2:111122223333:provisioned-model/x'))
    assert results['us.anthropic.claude-sonnet-4-6']['available'] is True
    assert results['anthropic.claude-3-haiku-20240307-v1:0']['available'] is True
    needs_profile = results['anthropic.claude-sonnet-4-6']
    assert needs_profile['available'] is False
    assert needs_profile['inference_profiles'] == ['eu.anthropic.claude-sonnet-4-6', 'us.anthropic.claude-sonnet-4-6']
    assert 'only be invoked through an inference profile in us-west-2 for account 111122223333' in needs_profile['reason']
    assert 'EOL' in results['anthropic.claude-v2']['reason']
    assert results['us.anthropic.claude-opus-9']['reason'] == (
        'model us.anthropic.claude-opus-9 is not enabled in us-west-2 for account 111122223333 '
        '(no such model or inference profile)')
    denied = results['arn:aws:bedrock:us-west-2:111122223333:application-inference-profile/denied']
    assert denied['kind'] == 'application-inference-profile' and 'bedrock:GetInferenceProfile' in denied['reason']
    assert results['arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0']['available']
    assert results['arn:aws:bedrock:us-west-2:111122223333:provisioned-model/x']['kind'] == 'unknown'
    assert client.calls.count('ListFoundationModels') == 1  # listed once for every id


def test_run_as_returns_the_answer_and_times_out():
    assert run_as(None, lambda: {'pid': os.getpid()})['pid'] != os.getpid()
    with pytest.raises(RunAsError, match='no answer within 1 seconds'):
        run_as(None, lambda: time.sleep(30), timeout=1)
    with pytest.raises(RunAsError, match='ZeroDivisionError'):
        run_as(None, lambda: 1 // 0)


def test_run_as_scrubs_aws_variables(monkeypatch):
    monkeypatch.setenv('AWS_ACCESS_KEY_ID', 'AKIAROOTKEY')
    monkeypatch.setenv('AWS_PROFILE', 'root-profile')
    env = run_as(None, lambda: dict(os.environ), env={'AWS_CONFIG_FILE': '/x/config'})
    assert 'AWS_ACCESS_KEY_ID' not in env and 'AWS_PROFILE' not in env
    assert env['AWS_CONFIG_FILE'] == '/x/config'


@pytest.mark.skipif(os.geteuid() != 0, reason='dropping to another user needs root')
def test_run_as_drops_to_the_user():
    nobody = lookup_user('nobody')
    ids = run_as(nobody, lambda: [os.getuid(), os.geteuid(), os.getgid(), os.environ['HOME'], os.environ['USER']])
    assert ids == [nobody.uid, nobody.uid, nobody.gid, nobody.home, 'nobody']
