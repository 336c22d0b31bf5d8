# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Python program an apiKeyHelper runs for the cloud sources (AWS Secrets Manager, SSM, Google Secret
Manager). Private to the collection; _api_key_helper_script embeds fetcher_code() in the helper script.

It is source text, not code of this module: it runs as the user, with the Python the helper names, at every
key fetch (never as root, never in the module).
"""

from __future__ import annotations

import json

GCP_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
GCP_ENDPOINT = 'https://secretmanager.googleapis.com'

# The fetcher the helper runs with Python for the cloud sources. Python 3.6+; boto3 or google-auth.
# It prints the key on stdout, or one line on stderr and exits 1. The current directory (Claude Code's
# project, which a repository controls) is dropped from sys.path before anything is imported.
FETCHER = r'''import sys
sys.path[:] = [p for p in sys.path if p not in ('', '.')]
import base64
import json
import os

CONFIG = json.loads(%(config)s)


def fail(message):
    sys.stderr.write('api-key-helper: %%s\n' %% ' '.join(str(message).split()))
    sys.exit(1)


def pick(value, what):
    key = CONFIG.get('json_key')
    if key is None:
        return value
    try:
        data = json.loads(value)
    except ValueError:
        fail('%%s is not JSON, so its key %%r cannot be read' %% (what, key))
    if not isinstance(data, dict) or key not in data:
        fail('%%s has no key %%r' %% (what, key))
    if not isinstance(data[key], str):
        fail('%%s: the value of %%r is not a string' %% (what, key))
    return data[key]


def aws():
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, ProfileNotFound
    except ImportError as exc:
        fail('%%s cannot import boto3 (%%s); install boto3 for it, or set the helper\'s python option' %% (sys.executable, exc))
    secrets = CONFIG['source'] == 'aws_secretsmanager'
    what = 'AWS Secrets Manager secret %%s' %% CONFIG['secret_id'] if secrets else 'AWS SSM parameter %%s' %% CONFIG['parameter']
    profile = CONFIG.get('profile')
    try:
        session = boto3.session.Session(profile_name=profile, region_name=CONFIG.get('region'))
        client = session.client('secretsmanager' if secrets else 'ssm', endpoint_url=CONFIG.get('endpoint_url'))
        if secrets:
            answer = client.get_secret_value(SecretId=CONFIG['secret_id'])
            value = answer.get('SecretString')
            if value is None:
                value = answer['SecretBinary']
                value = value.decode('utf-8') if isinstance(value, bytes) else base64.b64decode(value).decode('utf-8')
        else:
            value = client.get_parameter(Name=CONFIG['parameter'], WithDecryption=True)['Parameter']['Value']
    except ProfileNotFound as exc:
        fail('%%s (configure it in ~/.aws/config)' %% exc)
    except NoCredentialsError:
        fail('no AWS credentials%%s: log in (aws sso login%%s) or configure credentials' %% (
            ' for profile %%s' %% profile if profile else '', ' --profile %%s' %% profile if profile else ''))
    except NoRegionError:
        fail('no AWS region for %%s: set the helper\'s region option or a region in the AWS profile' %% what)
    except ClientError as exc:
        error = exc.response.get('Error', {})
        fail('%%s: %%s: %%s' %% (what, error.get('Code', 'error'), error.get('Message', exc)))
    except (BotoCoreError, UnicodeDecodeError, ValueError) as exc:
        fail('%%s: %%s' %% (what, exc))
    return pick(value, what)


def gcp():
    try:
        import google.auth
        import google.auth.exceptions
        import google.auth.transport
    except ImportError as exc:
        fail('%%s cannot import google.auth (%%s); install google-auth for it, or set the helper\'s python option' %% (sys.executable, exc))
    from urllib.error import HTTPError, URLError
    from urllib.parse import quote
    from urllib.request import Request, build_opener

    class Response(google.auth.transport.Response):
        def __init__(self, status, headers, data):
            self._status, self._headers, self._data = status, headers, data

        @property
        def status(self):
            return self._status

        @property
        def headers(self):
            return self._headers

        @property
        def data(self):
            return self._data

    class Transport(google.auth.transport.Request):
        """google-auth's HTTP transport on the standard library (no requests or urllib3 needed)."""

        def __call__(self, url, method='GET', body=None, headers=None, timeout=None, **kwargs):
            try:
                # the default handlers: HTTP(S), and the proxies of HTTPS_PROXY / NO_PROXY
                answer = build_opener().open(Request(url, data=body, headers=headers or {}, method=method), timeout=timeout or 60)
            except HTTPError as exc:
                answer = exc
            except (URLError, OSError) as exc:
                raise google.auth.exceptions.TransportError(exc)
            with answer:
                return Response(answer.status if hasattr(answer, 'status') else answer.code, dict(answer.headers), answer.read())

    what = 'Google Secret Manager secret %%s' %% CONFIG['secret']
    try:
        credentials, adc_project = google.auth.default(scopes=[%(scope)r])
    except google.auth.exceptions.DefaultCredentialsError as exc:
        fail('no Google credentials (%%s); run gcloud auth application-default login or set GOOGLE_APPLICATION_CREDENTIALS' %% exc)
    project = CONFIG.get('project') or adc_project
    if not project:
        fail('no Google Cloud project for %%s: set the helper\'s project option' %% what)
    url = '%%s/v1/projects/%%s/secrets/%%s/versions/%%s:access' %% (
        (CONFIG.get('endpoint_url') or %(endpoint)r).rstrip('/'), quote(project, safe=''),
        quote(CONFIG['secret'], safe=''), quote(CONFIG['version'], safe=''))
    headers = {}
    transport = Transport()
    try:
        credentials.before_request(transport, 'GET', url, headers)
    except google.auth.exceptions.GoogleAuthError as exc:
        fail('Google credentials could not be refreshed (%%s); run gcloud auth application-default login' %% exc)
    answer = transport(url, 'GET', headers=headers)
    try:
        data = json.loads(answer.data.decode('utf-8'))
    except ValueError:
        data = None
    if answer.status != 200:
        error = data.get('error', {}) if isinstance(data, dict) else {}
        fail('%%s in project %%s: HTTP %%s %%s: %%s' %% (what, project, answer.status, error.get('status', ''),
                                                   error.get('message', answer.data[:200])))
    try:
        value = base64.b64decode(data['payload']['data']).decode('utf-8')
    except (KeyError, TypeError, ValueError):
        fail('%%s: unexpected answer from Secret Manager' %% what)
    return pick(value, what)


try:
    value = aws() if CONFIG['source'].startswith('aws_') else gcp()
except KeyboardInterrupt:
    fail('interrupted')
except SystemExit:
    raise
except Exception as exc:  # one line on stderr, never a traceback
    fail('%%s: %%s' %% (type(exc).__name__, exc))
sys.stdout.write(value.strip() + '\n')
'''


def fetcher_code(python_config):
    """The fetcher for one helper: python_config (HelperConfig.python_config(), no secrets) built in."""
    return FETCHER % dict(config=repr(json.dumps(python_config, sort_keys=True)), scope=GCP_SCOPE,
                          endpoint=GCP_ENDPOINT)
