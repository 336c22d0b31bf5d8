# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Google Application Default Credentials (ADC) files for Claude Code on Vertex AI. Private to the collection.

Claude Code in Vertex mode authenticates with the Google auth library of its runtime, which reads the ADC file
(~/.config/gcloud/application_default_credentials.json, or GOOGLE_APPLICATION_CREDENTIALS). This module knows
the four types of that file Claude Code accepts, which of their fields are secret, how to check a file with
google-auth (the library Google maintains, on the host) and how to obtain a token from it without showing it.

Design notes:

* Validation is two-staged: a structural check of our own first (type, required fields, shapes), so that the
  common mistakes get a message that names the field and says what to do; then google-auth's own loader
  (google.auth.load_credentials_from_file, on a private temporary copy) so that what we write is exactly what
  Google's libraries accept: it parses the private key of a service account, the impersonation URL, the
  external account's credential source.
* Loading never touches the network: credentials are loaded WITHOUT scopes, because google-auth resolves the
  project of a scoped external_account by calling Cloud Resource Manager. Scopes are added for verification.
* Secret fields (private keys, client secrets, refresh tokens, headers of a URL credential source) never leave
  this module: diffs show "<secret>" / "<secret, changed>", results carry only public fields, and the module
  registers the secret values with no_log_values.
* google-auth ignores the host of an impersonated_service_account file's service_account_impersonation_url and
  always calls iamcredentials.googleapis.com; gcloud and the Go library call the URL in the file. Verification
  honours the file (through the public iam_endpoint_override argument), so that what is verified is what the
  file says.
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
import os
import re
import tempfile
import traceback
import warnings

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError
from ansible_collections.devfleet.claude_code.plugins.module_utils._fs import ManagedFile, lookup_user
from ansible_collections.devfleet.claude_code.plugins.module_utils._json import (
    JsonError,
    dumps as json_dumps,
    loads as json_loads,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import (  # noqa: F401, pylint: disable=unused-import
    REDACTED,
    REDACTED_CHANGED,
    SECRET_VALUE,
    file_diff,
)

try:
    import google.auth
    import google.auth.credentials
    import google.auth.exceptions
    from google.auth import impersonated_credentials
except ImportError:
    HAS_GOOGLE_AUTH = False
    GOOGLE_AUTH_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_GOOGLE_AUTH = True
    GOOGLE_AUTH_IMPORT_ERROR = None

ADC_TYPES = ('authorized_user', 'service_account', 'external_account', 'impersonated_service_account')
SOURCE_TYPES = ('authorized_user', 'service_account')
DEFAULT_ADC_PATH = '.config/gcloud/application_default_credentials.json'
CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'

# fields each type must have (non-empty strings, except where a shape is given below)
REQUIRED_FIELDS = {
    'authorized_user': ('client_id', 'client_secret', 'refresh_token'),
    'service_account': ('client_email', 'private_key', 'token_uri'),
    'external_account': ('audience', 'subject_token_type', 'credential_source'),
    'impersonated_service_account': ('service_account_impersonation_url', 'source_credentials'),
}
OBJECT_FIELDS = ('credential_source', 'source_credentials')
# secret by name, wherever they appear; everything else in an ADC file is an identifier or a URL
SECRET_FIELDS = frozenset(('private_key', 'client_secret', 'refresh_token', 'access_token', 'id_token', 'token',
                           'password', 'passphrase'))
SECRET_FIELD_PATTERN = re.compile(r'secret|password|passphrase|(^|_)token\Z', re.IGNORECASE)
# objects whose every value is secret (a URL credential source may send an Authorization header)
SECRET_OBJECTS = frozenset(('headers',))
IMPERSONATION_URL = re.compile(r'/serviceAccounts/(?P<principal>[^/:]+):generateAccessToken\Z')
GCLOUD_DIRS = ('/usr/lib/google-cloud-sdk/bin', '/usr/local/google-cloud-sdk/bin', '/opt/google-cloud-sdk/bin',
               '/snap/bin', '/usr/local/bin', '/opt/homebrew/bin')


class AdcError(CollectionError):
    """Bad credentials or a failed verification. The message is meant for the user and holds no secret."""


# --- parsing and structure ------------------------------------------------------------------------------

def parse_credentials(value):
    """The credentials option (a dict, or a JSON string such as a key file's content) as a dict."""
    if isinstance(value, dict):
        info = value
    elif isinstance(value, (str, bytes)):
        text = value.decode('utf-8', 'replace') if isinstance(value, bytes) else value
        if not text.strip():
            raise AdcError('credentials is empty; give the content of the credentials file as a dict or a JSON string')
        try:
            info = json_loads(text)
        except JsonError as exc:
            # the message of JsonError holds positions only, never the text
            raise AdcError('credentials is not valid JSON (%s); give the content of the '
                           'credentials file, for example with lookup("file", ...) or from a vaulted variable' % exc)
    else:
        raise AdcError('credentials must be a dict or a JSON string, got %s' % type(value).__name__)
    if not isinstance(info, dict):
        raise AdcError('credentials must be a JSON object such as {"type": "service_account", ...}, got JSON %s'
                       % type(info).__name__)
    return copy.deepcopy(info)


def _check_fields(info, where, credential_type):
    for name in REQUIRED_FIELDS[credential_type]:
        value = info.get(name)
        if name in OBJECT_FIELDS:
            if not isinstance(value, dict) or not value:
                raise AdcError('%s: %s credentials need "%s", an object; it is %s'
                               % (where, credential_type, name, 'missing' if value is None else 'a %s' % type(value).__name__))
        elif not isinstance(value, str) or not value.strip():
            raise AdcError('%s: %s credentials need "%s", a non-empty string; it is %s'
                           % (where, credential_type, name, 'missing' if value is None else 'empty or not a string'))


def _check_type(info, where, allowed):
    credential_type = info.get('type')
    if credential_type not in allowed:
        raise AdcError('%s: "type" must be one of %s, got %s' % (
            where, ', '.join(allowed), 'nothing' if credential_type is None else json.dumps(credential_type)[:80]))
    return credential_type


def check_structure(info, quota_project_id=None):
    """Check the fields of ADC data; return (type, data to write). Raises AdcError naming what is wrong."""
    info = copy.deepcopy(info)
    credential_type = _check_type(info, 'credentials', ADC_TYPES)
    _check_fields(info, 'credentials', credential_type)
    if credential_type == 'service_account':
        if '-----BEGIN' not in info['private_key']:
            raise AdcError('credentials: "private_key" is not a PEM private key (it has no "-----BEGIN" line); '
                           'use the private_key of the JSON key file as it is, newlines included')
    elif credential_type == 'external_account':
        source = info['credential_source']
        if not any(key in source for key in ('file', 'url', 'executable', 'environment_id', 'certificate')):
            raise AdcError('credentials: "credential_source" must name where the subject token comes from '
                           '("file", "url", "executable", or "environment_id" for AWS)')
    elif credential_type == 'impersonated_service_account':
        if not IMPERSONATION_URL.search(info['service_account_impersonation_url']):
            raise AdcError('credentials: "service_account_impersonation_url" must end with '
                           '/serviceAccounts/SERVICE_ACCOUNT_EMAIL:generateAccessToken')
        source = info['source_credentials']
        source_type = _check_type(source, 'credentials.source_credentials', SOURCE_TYPES)
        _check_fields(source, 'credentials.source_credentials', source_type)
        delegates = info.get('delegates')
        if delegates is not None and (not isinstance(delegates, list)
                                      or not all(isinstance(item, str) for item in delegates)):
            raise AdcError('credentials: "delegates" must be a list of service account emails')
    if quota_project_id is not None:
        if quota_project_id:
            info['quota_project_id'] = quota_project_id
        else:
            info.pop('quota_project_id', None)
    if 'quota_project_id' in info and not isinstance(info['quota_project_id'], str):
        raise AdcError('credentials: "quota_project_id" must be a string (a project ID)')
    return credential_type, info


# --- secrets ----------------------------------------------------------------------------------------------

def is_secret_field(name):
    return name in SECRET_FIELDS or bool(SECRET_FIELD_PATTERN.search(name))


def _walk(data, secret=False):
    """Yield (is_secret, value) for every scalar leaf."""
    if isinstance(data, dict):
        for key, value in data.items():
            key = str(key)
            yield from _walk(value, secret or is_secret_field(key) or key in SECRET_OBJECTS)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item, secret)
    elif data is not None and not isinstance(data, bool):
        text = data if isinstance(data, str) else str(data)
        yield secret or bool(SECRET_VALUE.search(text)), text


def secret_values(info):
    """The values of ADC data that must never be shown."""
    return set(value for secret, value in _walk(info) if secret and value)


def public_values(info):
    """Values of ADC data that may be shown (identifiers, URLs), minus anything that is also a secret."""
    secrets = secret_values(info)
    return set(value for secret, value in _walk(info) if not secret and value and value not in secrets
               and not any(value in item for item in secrets))


def redact(data, other=None):
    """A copy of ADC data with secret values replaced; with other (the old data), changed secrets are marked."""
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            other_value = other.get(key) if isinstance(other, dict) else None
            if is_secret_field(str(key)) or str(key) in SECRET_OBJECTS:
                out[key] = _redact_all(value, other_value if isinstance(other, dict) and key in other else value,
                                       other is not None)
            else:
                out[key] = redact(value, other_value if isinstance(other, dict) else None)
        return out
    if isinstance(data, list):
        return [redact(item) for item in data]
    if isinstance(data, str) and SECRET_VALUE.search(data):
        return REDACTED_CHANGED if other is not None and other != data else REDACTED
    return data


def _redact_all(value, old, compare):
    if isinstance(value, dict):
        old = old if isinstance(old, dict) else {}
        return dict((key, _redact_all(item, old.get(key), compare)) for key, item in value.items())
    if isinstance(value, list):
        return [REDACTED for dummy in value]
    return REDACTED_CHANGED if compare and old != value else REDACTED


def changed_fields(before, after, prefix=''):
    """Dotted names of the fields that differ (names only: safe to show for secret fields too)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    names = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict) and str(key) not in SECRET_OBJECTS:
            names.extend(changed_fields(old, new, prefix + str(key) + '.'))
        elif key not in before or key not in after or old != new:
            names.append(prefix + str(key))
    return names


# --- what the file says --------------------------------------------------------------------------------

def principal_of(info):
    """The identity the credentials act as, when the file tells it (not for an authorized_user without account)."""
    credential_type = info.get('type')
    if credential_type == 'service_account':
        return info.get('client_email')
    url = info.get('service_account_impersonation_url')
    if isinstance(url, str):
        match = IMPERSONATION_URL.search(url)
        if match:
            return match.group('principal')
    if credential_type == 'external_account':
        return info.get('audience')
    if credential_type == 'authorized_user':
        return info.get('account') or None
    return None


def render(info):
    """The bytes of an ADC file, as gcloud writes them (JSON indented by 2, trailing newline)."""
    try:
        return (json_dumps(info, indent=2) + '\n').encode('utf-8')
    except JsonError as exc:
        raise AdcError('the credentials cannot be written as JSON that google-auth and Claude Code read (%s)' % exc)


def parse_existing(data):
    """The current file's data as a dict, or None when it is not a JSON object (it will be replaced)."""
    if data is None:
        return None
    try:
        parsed = json_loads(data.decode('utf-8-sig'))
    except (UnicodeDecodeError, JsonError):
        return None
    return parsed if isinstance(parsed, dict) else None


def default_path(home):
    return os.path.join(home, DEFAULT_ADC_PATH)


def resolve_path(path, home):
    """An absolute path; a relative one (or ~/...) is relative to the user's home directory."""
    if path is None or path == '':
        return default_path(home)
    if path == '~' or path.startswith('~/'):
        path = path[2:]
    elif path.startswith('~'):
        raise AdcError('path %r: only ~/ (the user\'s own home) is understood, not ~otheruser' % path)
    if os.path.isabs(path):
        return os.path.normpath(path)
    if home is None:
        raise AdcError('path %r is relative: give an absolute path, or user so that it is relative to their home' % path)
    return os.path.normpath(os.path.join(home, path))


def find_gcloud(get_bin_path, home=None):
    """Path of the gcloud CLI on the host, or None."""
    dirs = list(GCLOUD_DIRS)
    if home:
        dirs.append(os.path.join(home, 'google-cloud-sdk', 'bin'))
    return get_bin_path('gcloud', opt_dirs=dirs)


# --- google-auth ------------------------------------------------------------------------------------------

def _describe(exc):
    """The message of a google-auth exception and of its first cause, without reprs of response objects."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen and len(parts) < 2:
        seen.add(id(exc))
        first = exc.args[0] if exc.args else ''
        text = first if isinstance(first, str) else str(exc)
        if text and not any(text in part for part in parts):
            parts.append(text)
        exc = exc.__cause__ or exc.__context__
    return ': '.join(parts) or 'unknown error'


def _offline(url, method='GET', **kwargs):
    """The transport given to the loader: loading must not reach the network (and must not need requests)."""
    raise google.auth.exceptions.TransportError('loading credentials does not use the network (%s %s)' % (method, url))


def load(info, tmpdir):
    """Load ADC data with google.auth.load_credentials_from_file; return (credentials, project_id, warnings).

    The data goes to a 0600 file in a private directory (the module's temporary directory) for the call, and
    is removed right after. Loading is offline (no scopes: see the module docstring).
    """
    fd, name = tempfile.mkstemp(prefix='adc-', suffix='.json', dir=tmpdir)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(render(info))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try:
                credentials, project_id = google.auth.load_credentials_from_file(name, request=_offline)
            except (google.auth.exceptions.GoogleAuthError, ValueError, TypeError, KeyError) as exc:
                text = _describe(exc).replace(name, 'credentials')
                raise AdcError('google-auth %s rejects the %s credentials: %s' % (
                    getattr(google.auth, '__version__', '?'), info.get('type'), text))
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass
    notes = []
    for item in caught:
        if issubclass(item.category, DeprecationWarning):
            continue  # google-auth's own advice to its callers, not about the credentials
        notes.append(str(item.message).replace(name, 'the credentials'))
    return credentials, project_id, notes


class _Request(object):
    """A google-auth transport with a timeout (google-auth's default is 120 s per request)."""

    def __init__(self, timeout):
        self.timeout = timeout
        try:
            import google.auth.transport.requests as transport
            self._request = transport.Request()
        except ImportError:
            import urllib3
            import google.auth.transport.urllib3 as transport
            self._request = transport.Request(urllib3.PoolManager())

    def __call__(self, url, method='GET', body=None, headers=None, timeout=None, **kwargs):
        return self._request(url, method=method, body=body, headers=headers, timeout=timeout or self.timeout, **kwargs)


def transport_available():
    for name in ('requests', 'urllib3'):
        try:
            __import__(name)
            return True
        except ImportError:
            continue
    return False


def _email_from_id_token(id_token):
    """The email claim of an ID token (not verified: it is only shown as who the token belongs to)."""
    if not isinstance(id_token, str) or id_token.count('.') != 2:
        return None
    payload = id_token.split('.')[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)).decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return None
    return claims.get('email') if isinstance(claims, dict) else None


def _honour_token_uri(info, credentials, notes, where='credentials'):
    """authorized_user credentials that call the file's token_uri (google-auth always uses Google's)."""
    token_uri = info.get('token_uri')
    if not token_uri or token_uri == getattr(credentials, 'token_uri', token_uri):
        return credentials
    notes.append('%s: verify used the token_uri of the file (%s), but Claude Code and google-auth ignore the '
                 'token_uri of authorized_user credentials and always use %s' % (where, token_uri, credentials.token_uri))
    return credentials.with_token_uri(token_uri)


def _impersonation_honouring_url(info, credentials, notes):
    """impersonated_service_account credentials that call the file's service_account_impersonation_url."""
    url = info['service_account_impersonation_url']
    source_info = dict(info['source_credentials'])
    if source_info.get('type') == 'authorized_user':
        from google.oauth2 import credentials as user_credentials
        source = user_credentials.Credentials.from_authorized_user_info(source_info)
        source = _honour_token_uri(source_info, source, notes, 'source_credentials')
    else:
        from google.oauth2 import service_account
        source = service_account.Credentials.from_service_account_info(source_info)
    try:
        return impersonated_credentials.Credentials(
            source_credentials=source,
            target_principal=IMPERSONATION_URL.search(url).group('principal'),
            target_scopes=[CLOUD_PLATFORM_SCOPE],
            delegates=info.get('delegates'),
            quota_project_id=info.get('quota_project_id'),
            iam_endpoint_override=url,
        )
    except TypeError:  # a google-auth without iam_endpoint_override: the library's own behaviour
        return google.auth.credentials.with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])


def verify(info, credentials, timeout=30):
    """Obtain an access token. Returns a dict: token, expiry (ISO 8601 UTC or None), principal, notes.

    The token is returned so that the caller can register it as a secret; it must never be shown. notes are
    warnings for the user.
    """
    notes = []
    if info.get('type') == 'impersonated_service_account':
        credentials = _impersonation_honouring_url(info, credentials, notes)
    elif info.get('type') == 'authorized_user':
        credentials = _honour_token_uri(info, credentials, notes)
    else:
        credentials = google.auth.credentials.with_scopes_if_required(credentials, [CLOUD_PLATFORM_SCOPE])
    try:
        credentials.refresh(_Request(timeout))
    except google.auth.exceptions.GoogleAuthError as exc:
        raise AdcError('verify: google-auth could not obtain an access token with the %s credentials: %s'
                       % (info.get('type'), _describe(exc)))
    expiry = getattr(credentials, 'expiry', None)
    if isinstance(expiry, datetime.datetime):
        expiry = expiry.replace(tzinfo=None).isoformat(timespec='seconds') + 'Z'
    principal = (getattr(credentials, 'service_account_email', None)
                 or _email_from_id_token(getattr(credentials, 'id_token', None))
                 or principal_of(info))
    if principal == 'default':  # google-auth's placeholder before a service account is known
        principal = principal_of(info)
    return dict(token=credentials.token, expiry=expiry, principal=principal, notes=notes)


# --- one ADC file (the gcloud_adc module; claude_code_host for many users at once) ------------------------

def adc_argument_spec():
    """The gcloud_adc module's options (a fresh dict each call)."""
    return dict(
        user=dict(type='str'),
        path=dict(type='str'),
        credentials=dict(type='raw', no_log=True),
        quota_project_id=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        verify=dict(type='bool', default=False),
        verify_timeout=dict(type='int', default=30),
        backup=dict(type='bool', default=False),
    )


ADC_REQUIRED_ONE_OF = [('user', 'path')]
ADC_REQUIRED_IF = [('state', 'present', ['credentials'])]


class AdcFile(object):
    """One ADC file on the host and the change a task wants in it."""

    def __init__(self, module, params=None):
        self.module = module
        self.params = params = module.params if params is None else params
        self.user = lookup_user(params['user']) if params['user'] is not None else None
        home = self.user.home if self.user else None
        self.path = resolve_path(params['path'], home)
        self.default_path = home is not None and self.path == default_path(home)
        uid, gid = (self.user.uid, self.user.gid) if self.user else (-1, -1)
        self.file = ManagedFile(self.path, 0o600, uid, gid, dir_mode=0o700)
        self.result = dict(changed=False, path=self.path, default_path=self.default_path, fields_changed=[],
                           gcloud_path=find_gcloud(module.get_bin_path, home))

    def absent(self):
        outcome = self.file.remove(check_mode=self.module.check_mode, backup=self.params['backup'])
        before = parse_existing(outcome['before'])
        self._outcome(outcome, before, None)

    def present(self, info):
        module = self.module
        credential_type, desired = check_structure(info, self.params['quota_project_id'])
        credentials, project_id, notes = load(desired, module.tmpdir)
        for note in notes:
            module.warn('google-auth: %s' % note)
        self.result.update(type=credential_type, principal=principal_of(desired), project_id=project_id,
                           quota_project_id=desired.get('quota_project_id'), verified=False)
        if self.params['verify']:
            if not transport_available():
                module.fail_json(msg=missing_required_lib('requests (or urllib3), for verify'))
            verified = verify(desired, credentials, self.params['verify_timeout'])
            if verified['token']:
                module.no_log_values.add(verified['token'])
            for note in verified['notes']:
                module.warn(note)
            self.result.update(verified=True, expiry=verified['expiry'],
                               principal=verified['principal'] or self.result['principal'])
        seen = {}

        def new_content(data):
            seen['before'] = current = parse_existing(data)
            if current == desired:
                return None
            return render(desired)

        outcome = self.file.update(new_content, check_mode=module.check_mode, backup=self.params['backup'])
        self._outcome(outcome, seen.get('before'), desired)

    def _outcome(self, outcome, before, after):
        module = self.module
        self.result.update(changed=outcome['changed'], path=outcome['path'])
        if outcome['content_changed']:
            self.result['fields_changed'] = changed_fields(before, after)
        if outcome['backup_file']:
            self.result['backup_file'] = outcome['backup_file']
        if module._diff:
            def show_before(raw):
                if before is None:
                    return '<not a JSON object: %d bytes, not shown>\n' % len(raw)
                return render(redact(before)).decode('utf-8')
            self.result['diff'] = file_diff(
                outcome['path'], outcome['before'], after, show_before,
                lambda data: render(redact(data, before if before is not None else {})).decode('utf-8'),
                outcome['attributes_changed'])


def mask_credentials(module, value=None):
    """Parse the credentials option and fix up what Ansible masks in results.

    credentials is no_log: Ansible masks every string of it everywhere in the output, which would turn
    "service_account" or the client email into ******** in results. The secret fields stay masked (and are added
    one by one, for the JSON string form); the public ones are unmasked so that results can name the principal.
    """
    value = module.params['credentials'] if value is None else value
    if value is None:
        return None
    info = parse_credentials(value)
    secrets = secret_values(info)
    module.no_log_values.update(secrets)
    module.no_log_values.difference_update(public_values(info) - secrets)
    return info
