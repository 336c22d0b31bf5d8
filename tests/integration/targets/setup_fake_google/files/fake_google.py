# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback fake of the Google endpoints that turn ADC files into access tokens, for tests with real clients.

Standard library only. On 127.0.0.1 it serves:
  * the OAuth 2.0 token endpoint, POST /token (the token_uri of authorized_user and service_account files):
    grant_type=refresh_token (client_id, client_secret and refresh_token must be known) and
    grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer (the assertion's RS256 signature is checked against
    the service account's public key, and iss/aud/exp/scope against what Google requires);
  * the Security Token Service, POST /v1/token (the token_url of external_account files):
    grant_type=urn:ietf:params:oauth:grant-type:token-exchange with a known subject_token and its audience;
  * the IAM Credentials API, POST /v1/projects/-/serviceAccounts/EMAIL:generateAccessToken (the
    service_account_impersonation_url): the caller's Bearer token must be one this server issued;
  * Secret Manager's accessSecretVersion, GET /v1/projects/P/secrets/S/versions/V:access: only with a Bearer token
    this server issued that has not expired; the value of ``P/S`` comes from the --secrets JSON file
    ({"P/S": "value"}), re-read on every request so that a test can rotate a secret; 404 NOT_FOUND in Google's
    error format otherwise.
Every access token it issues is new and random; it is recorded with what it was issued for. Every request is
appended to a JSON-lines log with its form or JSON body, headers, status and answer, so a test can assert who
exchanged what, and which token a client then presented elsewhere.

Configuration (--config FILE, JSON; a test writes it):
  {"clients": {"CLIENT_ID": {"secret": "...", "refresh_tokens": {"REFRESH_TOKEN": "email@of.the.user"}}},
   "service_accounts": {"EMAIL": {"modulus": "HEX (openssl rsa -noout -modulus)", "exponent": 65537}},
   "subject_tokens": {"SUBJECT_TOKEN": "AUDIENCE it is valid for"}}

  fake_google.py --config F --port-file F --log F [--secrets F] [--port N]
Started and stopped by setup_loopback_server (through setup_fake_google's start.yml and stop.yml).
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import secrets
import signal
import sys
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'
JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange'
ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
GENERATE = re.compile(r'^/v1/projects/[^/]+/serviceAccounts/(?P<email>[^/:]+):generateAccessToken$')
ACCESS = re.compile(r'^/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/:]+):access$')
# DER prefix of the DigestInfo of a SHA-256 hash in a PKCS#1 v1.5 signature
SHA256_DIGEST_INFO = bytes.fromhex('3031300d060960864801650304020105000420')
LIFETIME = 3600
LOCK = threading.Lock()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def verify_rs256(message, signature, modulus, exponent):
    """PKCS#1 v1.5 RSA signature check of SHA-256(message), with integers only."""
    size = (modulus.bit_length() + 7) // 8
    if len(signature) != size:
        return False
    decoded = pow(int.from_bytes(signature, 'big'), exponent, modulus).to_bytes(size, 'big')
    digest = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    expected = b'\x00\x01' + b'\xff' * (size - len(digest) - 3) + b'\x00' + digest
    return secrets.compare_digest(decoded, expected)


def unsigned_id_token(email, audience):
    """An ID token with an email claim (alg none: clients only read it to name the principal)."""
    header = b64url(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())
    now = int(time.time())
    claims = b64url(json.dumps({'iss': 'https://accounts.google.com', 'aud': audience, 'sub': email,
                                'email': email, 'email_verified': True, 'iat': now, 'exp': now + LIFETIME}).encode())
    return '%s.%s.' % (header, claims)


class OAuthError(Exception):
    def __init__(self, status, error, description):
        Exception.__init__(self, description)
        self.status = status
        self.error = error
        self.description = description


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fake-google/1'

    def log_message(self, *args):  # quiet: the JSON log is the record
        pass

    @property
    def config(self):
        return self.server.config

    def _issue(self, kind, principal, scope):
        token = 'ya29.fake-%s-%s' % (kind, secrets.token_hex(16))
        with LOCK:
            self.server.issued[token] = {'kind': kind, 'principal': principal, 'scope': scope,
                                         'expires': time.time() + LIFETIME}
        return token

    def _record(self, body, status, answer):
        split = urlsplit(self.path)
        entry = {'time': time.time(), 'method': self.command, 'path': split.path, 'query': parse_qs(split.query),
                 'headers': {k.lower(): v for k, v in self.headers.items()}, 'body': body, 'status': status,
                 'answer': answer}
        with LOCK, open(self.server.options.log, 'a') as handle:
            handle.write(json.dumps(entry) + '\n')

    def _send(self, status, data, body):
        self._record(body, status, data)
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json; charset=utf-8')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _google_error(self, status, code, message):
        self._send(status, {'error': {'code': status, 'message': message, 'status': code}}, None)

    def do_GET(self):
        match = ACCESS.match(urlsplit(self.path).path)
        if not match:
            return self._google_error(404, 'NOT_FOUND', 'not served by fake-google: %s' % self.path)
        return self._access_secret_version(unquote(match.group('project')), unquote(match.group('secret')))

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length).decode('utf-8', 'replace') if length else ''
        path = urlsplit(self.path).path
        if (self.headers.get('Content-Type') or '').startswith('application/json'):
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = {'_raw': raw}
        else:
            body = dict((key, values[-1]) for key, values in parse_qs(raw, keep_blank_values=True).items())
        try:
            if path == '/token':
                answer = self._oauth_token(body)
            elif path == '/v1/token':
                answer = self._sts_token(body)
            elif GENERATE.match(path):
                answer = self._generate_access_token(GENERATE.match(path).group('email'), body)
            else:
                raise OAuthError(404, 'not_found', 'not served by fake-google: %s' % path)
        except OAuthError as exc:
            if GENERATE.match(path):
                return self._send(exc.status, {'error': {'code': exc.status, 'message': exc.description,
                                                         'status': exc.error}}, body)
            return self._send(exc.status, {'error': exc.error, 'error_description': exc.description}, body)
        return self._send(200, answer, body)

    # -- OAuth 2.0 token endpoint ---------------------------------------------------------------
    def _oauth_token(self, form):
        grant = form.get('grant_type')
        if grant == 'refresh_token':
            client = self.config.get('clients', {}).get(form.get('client_id'))
            if client is None or client.get('secret') != form.get('client_secret'):
                raise OAuthError(401, 'invalid_client', 'The OAuth client was not found.')
            email = client.get('refresh_tokens', {}).get(form.get('refresh_token'))
            if email is None:
                raise OAuthError(400, 'invalid_grant', 'Token has been expired or revoked.')
            scope = form.get('scope') or CLOUD_PLATFORM
            return {'access_token': self._issue('user', email, scope), 'expires_in': LIFETIME - 1,
                    'token_type': 'Bearer', 'scope': scope,
                    'id_token': unsigned_id_token(email, form.get('client_id'))}
        if grant == JWT_BEARER:
            return self._jwt_grant(form.get('assertion') or '')
        raise OAuthError(400, 'unsupported_grant_type', 'Invalid grant_type: %s' % grant)

    def _jwt_grant(self, assertion):
        parts = assertion.split('.')
        if len(parts) != 3:
            raise OAuthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token')
        try:
            header = json.loads(b64url_decode(parts[0]))
            claims = json.loads(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except ValueError:
            raise OAuthError(400, 'invalid_grant', 'Invalid JWT: not decodable')
        account = self.config.get('service_accounts', {}).get(claims.get('iss'))
        if account is None:
            raise OAuthError(400, 'invalid_grant', 'Invalid JWT Signature: unknown issuer')
        if header.get('alg') != 'RS256' or not verify_rs256(
                ('%s.%s' % (parts[0], parts[1])).encode(), signature,
                int(account['modulus'], 16), int(account.get('exponent', 65537))):
            raise OAuthError(400, 'invalid_grant', 'Invalid JWT Signature.')
        now = time.time()
        # Google accepts its token endpoint's public URL as audience (google-auth always puts it there)
        audiences = ('http://%s:%d/token' % self.server.server_address[:2], 'https://oauth2.googleapis.com/token')
        if claims.get('aud') not in audiences:
            raise OAuthError(400, 'invalid_grant', 'Invalid JWT: audience must be one of %s' % ', '.join(audiences))
        if not claims.get('exp') or claims['exp'] < now or claims['exp'] - claims.get('iat', 0) > 3600:
            raise OAuthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe')
        scope = claims.get('scope')
        if not scope:
            raise OAuthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.')
        return {'access_token': self._issue('sa', claims['iss'], scope), 'expires_in': LIFETIME - 1,
                'token_type': 'Bearer'}

    # -- Security Token Service -----------------------------------------------------------------
    def _sts_token(self, form):
        if form.get('grant_type') != TOKEN_EXCHANGE:
            raise OAuthError(400, 'unsupported_grant_type', 'grant_type must be token-exchange')
        audience = self.config.get('subject_tokens', {}).get(form.get('subject_token'))
        if audience is None:
            raise OAuthError(400, 'invalid_grant', 'The subject token is invalid or expired.')
        if form.get('audience') != audience:
            raise OAuthError(400, 'invalid_target', 'The audience does not match the provider of the subject token.')
        if form.get('requested_token_type') != ACCESS_TOKEN_TYPE:
            raise OAuthError(400, 'invalid_request', 'requested_token_type must be an access token')
        scope = form.get('scope') or ''
        return {'access_token': self._issue('sts', 'principal://' + audience.lstrip('/'), scope),
                'issued_token_type': ACCESS_TOKEN_TYPE, 'token_type': 'Bearer', 'expires_in': LIFETIME}

    # -- IAM Credentials ------------------------------------------------------------------------
    def _generate_access_token(self, email, body):
        auth = self.headers.get('Authorization') or ''
        caller = self.server.issued.get(auth[7:].strip()) if auth.lower().startswith('bearer ') else None
        if caller is None:
            raise OAuthError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
        scope = ' '.join(body.get('scope') or [])
        if not scope:
            raise OAuthError(400, 'INVALID_ARGUMENT', 'Scope required.')
        expire = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=LIFETIME)
        return {'accessToken': self._issue('iam', email, scope),
                'expireTime': expire.strftime('%Y-%m-%dT%H:%M:%SZ')}

    # -- Secret Manager -------------------------------------------------------------------------
    def _access_secret_version(self, project, secret):
        auth = self.headers.get('Authorization') or ''
        caller = self.server.issued.get(auth[7:].strip()) if auth.lower().startswith('bearer ') else None
        if caller is None or caller['expires'] < time.time():
            return self._google_error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
        try:
            with open(self.server.options.secrets) as handle:
                values = json.load(handle)
        except (OSError, TypeError, ValueError):
            values = {}
        value = values.get('%s/%s' % (project, secret))
        if value is None:
            return self._google_error(404, 'NOT_FOUND', 'Secret [projects/%s/secrets/%s] not found or has no versions.'
                                      % (project, secret))
        return self._send(200, {'name': 'projects/%s/secrets/%s/versions/1' % (project, secret),
                                'payload': {'data': base64.b64encode(value.encode()).decode()}}, None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    parser.add_argument('--log', default=os.devnull)
    parser.add_argument('--secrets', help='JSON file of the secrets Secret Manager serves, {"PROJECT/SECRET": "value"}')
    options = parser.parse_args()
    server = ThreadingHTTPServer(('127.0.0.1', options.port), Handler)
    server.daemon_threads = True
    server.options = options
    server.issued = {}
    with open(options.config) as handle:
        server.config = json.load(handle)
    if options.port_file:  # written last: its presence means "ready"
        tmp = options.port_file + '.tmp'
        with open(tmp, 'w') as handle:
            handle.write('%d\n' % server.server_address[1])
        os.rename(tmp, options.port_file)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
