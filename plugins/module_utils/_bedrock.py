# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Resolve an AWS profile and check Bedrock model ids with boto3. Private to the collection.

check_profile() runs inside the child process of _run_as (as the user whose profile it is). It returns plain
JSON data and never a credential: only the caller identity, the region, how the credentials were found, and
for each model id whether Claude Code can invoke it in that region.

Model ids Claude Code accepts on Bedrock, and how each is checked:

* an inference profile id (``us.anthropic.claude-sonnet-4-6``, ``global.…``, ``eu.…``) or ARN, or an
  application inference profile ARN (``arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID``):
  GetInferenceProfile; available when its status is ACTIVE;
* a foundation model id (``anthropic.claude-…-v1:0``) or ARN: ListFoundationModels (one call for all of
  them); available when it is listed, its lifecycle is not EOL and it can be invoked on demand. Recent
  Claude models can only be invoked through an inference profile: they are reported unavailable, with the
  system inference profiles that serve them (ListInferenceProfiles).
"""

from __future__ import annotations

import re

ARN = re.compile(r'\Aarn:aws[a-z-]*:bedrock:(?P<region>[a-z0-9-]*):(?P<account>[0-9]{12})?:'
                 r'(?P<type>[a-z-]+)/(?P<id>.+)\Z')
PROFILE_TYPES = ('inference-profile', 'application-inference-profile')

SSO_ERRORS = ('SSOError', 'TokenRetrievalError')  # SSOTokenLoadError, UnauthorizedSSOTokenError are SSOErrors
SSO_HINT = 'the SSO session has expired or was never started: the user must run "aws sso login --profile %s"'


def _error_code(exc):
    response = getattr(exc, 'response', None) or {}
    return (response.get('Error') or {}).get('Code') or type(exc).__name__


def _error_message(exc):
    response = getattr(exc, 'response', None) or {}
    return (response.get('Error') or {}).get('Message') or str(exc)


def _classify(model_id):
    match = ARN.match(model_id)
    if not match:
        return 'id', model_id
    kind = match.group('type')
    if kind in PROFILE_TYPES:
        return kind, model_id
    if kind == 'foundation-model':
        return 'foundation-model', match.group('id')
    return 'unsupported', model_id


def _paginate(client, operation, key, **kwargs):
    items = []
    token = None
    for dummy in range(100):
        args = dict(kwargs)
        if token:
            args['nextToken'] = token
        page = getattr(client, operation)(**args)
        items.extend(page.get(key) or [])
        token = page.get('nextToken')
        if not token:
            break
    return items


class ModelChecker(object):
    """Checks model ids against one Bedrock control-plane client (calls are made lazily and once)."""

    def __init__(self, bedrock, region, account):
        self.bedrock = bedrock
        self.region = region
        self.account = account
        self._foundation = None
        self._system_profiles = None

    def foundation_models(self):
        if self._foundation is None:
            models = self.bedrock.list_foundation_models().get('modelSummaries') or []
            self._foundation = dict((model.get('modelId'), model) for model in models)
        return self._foundation

    def system_profiles(self):
        if self._system_profiles is None:
            self._system_profiles = _paginate(self.bedrock, 'list_inference_profiles', 'inferenceProfileSummaries',
                                              typeEquals='SYSTEM_DEFINED')
        return self._system_profiles

    def where(self):
        return 'in %s for account %s' % (self.region, self.account or 'unknown')

    def check(self, model_id):
        kind, ident = _classify(model_id)
        if kind == 'unsupported':
            return dict(id=model_id, kind='unknown', available=False,
                        reason='%s is not a model id, inference profile id or inference profile ARN that this '
                               'module can check' % model_id)
        if kind in ('id', 'foundation-model'):
            model = self.foundation_models().get(ident)
            if model is not None:
                return self._foundation_result(model_id, model)
            if kind == 'foundation-model':
                return dict(id=model_id, kind='foundation-model', available=False,
                            reason='model %s is not offered %s' % (ident, self.where()))
        return self._profile_result(model_id)

    def _foundation_result(self, model_id, model):
        status = (model.get('modelLifecycle') or {}).get('status') or 'ACTIVE'
        types = model.get('inferenceTypesSupported') or []
        result = dict(id=model_id, kind='foundation-model', available=True, status=status,
                      name=model.get('modelName'), arn=model.get('modelArn'), inference_types=types)
        if status not in ('ACTIVE', 'LEGACY'):
            result.update(available=False, reason='model %s is %s %s' % (model_id, status, self.where()))
        elif types and 'ON_DEMAND' not in types:
            arn = model.get('modelArn') or ''
            profiles = sorted(profile.get('inferenceProfileId') for profile in self.system_profiles()
                              if any(item.get('modelArn', '').endswith('/' + model.get('modelId', ''))
                                     or item.get('modelArn') == arn for item in profile.get('models') or []))
            result.update(available=False, inference_profiles=profiles,
                          reason='model %s can only be invoked through an inference profile %s%s'
                          % (model_id, self.where(), ('; use %s' % ' or '.join(profiles)) if profiles else ''))
        return result

    def _profile_result(self, model_id):
        kind = 'application-inference-profile' if ':application-inference-profile/' in model_id else 'inference-profile'
        try:
            profile = self.bedrock.get_inference_profile(inferenceProfileIdentifier=model_id)
        except Exception as exc:  # pylint: disable=broad-except
            code = _error_code(exc)
            if code in ('ResourceNotFoundException', 'ValidationException'):
                reason = 'model %s is not enabled %s (no such model or inference profile)' % (model_id, self.where())
            elif code == 'AccessDeniedException':
                reason = ('the credentials may not call bedrock:GetInferenceProfile on %s %s (IAM): %s'
                          % (model_id, self.where(), _error_message(exc)))
            else:
                reason = 'checking %s %s failed: %s: %s' % (model_id, self.where(), code, _error_message(exc))
            return dict(id=model_id, kind=kind, available=False, reason=reason)
        status = profile.get('status') or 'ACTIVE'
        result = dict(id=model_id, kind='application-inference-profile' if profile.get('type') == 'APPLICATION' else kind,
                      available=status == 'ACTIVE', status=status, name=profile.get('inferenceProfileName'),
                      arn=profile.get('inferenceProfileArn'),
                      models=[item.get('modelArn') for item in profile.get('models') or [] if item.get('modelArn')])
        if status != 'ACTIVE':
            result['reason'] = 'inference profile %s is %s %s' % (model_id, status, self.where())
        return result


def preload():
    """Import what boto3 needs, and build throwaway clients, in the process that forks the check.

    After dropping to the user the child may not be able to read the Python installation (a pyenv or venv
    under /root): everything it needs must already be imported. Building clients imports the modules botocore
    loads lazily (endpoints, parsers, signers, the idna codec). No file of root's is read for credentials and no
    request is sent.
    """
    import encodings.idna  # noqa: F401, pylint: disable=unused-import,import-outside-toplevel
    import botocore.session  # pylint: disable=import-outside-toplevel
    import botocore.credentials  # noqa: F401, pylint: disable=unused-import,import-outside-toplevel
    import botocore.exceptions  # noqa: F401, pylint: disable=unused-import,import-outside-toplevel
    import botocore.tokens  # noqa: F401, pylint: disable=unused-import,import-outside-toplevel
    import botocore.utils  # noqa: F401, pylint: disable=unused-import,import-outside-toplevel
    import boto3  # noqa: F401, pylint: disable=unused-import,import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    for name in ('importlib.readers', 'importlib.resources.readers', 'certifi'):
        try:
            __import__(name)
        except ImportError:
            pass
    try:
        from botocore.httpsession import create_urllib3_context, get_cert_path  # pylint: disable=import-outside-toplevel
        create_urllib3_context()
        get_cert_path(True)
    except Exception:  # pylint: disable=broad-except
        pass
    session = botocore.session.Session()
    session.set_config_variable('config_file', '/nonexistent/dfcc-preload')
    session.set_config_variable('credentials_file', '/nonexistent/dfcc-preload')
    for service in ('sts', 'bedrock'):
        try:
            session.create_client(service, region_name='us-east-1', aws_access_key_id='AKIAPRELOAD',
                                  aws_secret_access_key='preload', config=Config(retries={'max_attempts': 1}))
        except Exception:  # pylint: disable=broad-except
            pass  # an old botocore without the bedrock model: the check reports it


def check_profile(profile=None, region=None, models=(), sts_endpoint_url=None, bedrock_endpoint_url=None,
                  timeout=30):
    """Resolve a profile as the current process's user, call STS, check model ids. Returns JSON data:

    {'error': message} when the credentials cannot be used, else {'identity', 'region', 'credential_source',
    'models'}.
    """
    import boto3  # pylint: disable=import-outside-toplevel
    import botocore.exceptions  # pylint: disable=import-outside-toplevel
    from botocore.config import Config  # pylint: disable=import-outside-toplevel

    name = profile or 'default'
    sso_errors = tuple(getattr(botocore.exceptions, item) for item in SSO_ERRORS
                       if hasattr(botocore.exceptions, item)) or (botocore.exceptions.BotoCoreError,)
    config = Config(connect_timeout=min(timeout, 10), read_timeout=timeout, retries={'max_attempts': 2})
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        region = session.region_name
        credentials = session.get_credentials()
        if credentials is None:
            return {'error': 'profile %s has no credentials: no static keys, SSO, credential_process or role in the '
                             'files' % name}
        method = credentials.method
        sts = session.client('sts', region_name=region or 'us-east-1', endpoint_url=sts_endpoint_url, config=config)
        identity = sts.get_caller_identity()
    except botocore.exceptions.ProfileNotFound:
        return {'error': 'profile %s is in neither the config nor the credentials file' % name}
    except sso_errors as exc:
        return {'error': '%s (%s)' % (SSO_HINT % name, exc)}
    except botocore.exceptions.CredentialRetrievalError as exc:
        return {'error': 'profile %s: the credentials could not be obtained: %s' % (name, exc)}
    except botocore.exceptions.ClientError as exc:
        return {'error': 'profile %s: STS refused the credentials (%s: %s)'
                         % (name, _error_code(exc), _error_message(exc))}
    except botocore.exceptions.BotoCoreError as exc:
        return {'error': 'profile %s: %s' % (name, exc)}
    result = dict(
        profile=name,
        region=region,
        credential_source=method,
        identity=dict(account=identity.get('Account'), arn=identity.get('Arn'), user_id=identity.get('UserId')),
        models=[],
    )
    if models:
        if not region:
            return {'error': 'profile %s has no region: give region (the Bedrock region Claude Code uses)' % name}
        try:
            bedrock = session.client('bedrock', region_name=region, endpoint_url=bedrock_endpoint_url, config=config)
            checker = ModelChecker(bedrock, region, identity.get('Account'))
            result['models'] = [checker.check(model_id) for model_id in models]
        except botocore.exceptions.ClientError as exc:
            return {'error': 'profile %s: listing Bedrock models %s failed (%s: %s)'
                             % (name, 'in %s' % region, _error_code(exc), _error_message(exc))}
        except botocore.exceptions.BotoCoreError as exc:
            return {'error': 'profile %s: Bedrock: %s' % (name, exc)}
    return result
