# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback fake of Google's OAuth token endpoint and the Secret Manager REST API, for tests.

Standard library only. On 127.0.0.1 it serves:
  * POST /token - the OAuth 2.0 token endpoint named as ``token_uri`` in a service-account ADC file. google-auth
    posts a JWT it signed with the account's private key (grant_type jwt-bearer); its claims are checked
    (issuer --client-email, audience this endpoint; the signature is not verified) and a new access token
    (``ya29.fake-N``) is handed out per refresh, valid --token-lifetime seconds. (google-auth 2.63 ignores the
    token_uri of ``authorized_user`` files and always uses Google's, so those cannot be pointed here; the
    refresh_token grant is served too, checked against --refresh-token and --client-id, for libraries that do.)
  * GET /v1/projects/P/secrets/S/versions/V:access - Secret Manager's accessSecretVersion: only with a Bearer
    token this server issued; the value of ``P/S`` comes from the --secrets JSON file ({"P/S": "value"}),
    re-read on every request so a test can rotate a secret; 404 NOT_FOUND in Google's error format otherwise.
Every request is appended to the --log JSON-lines file (method, path, headers, form fields).

  fake_gcp.py --port-file F --log F --secrets F --client-email E [--refresh-token T --client-id C] [--pid-file F]
  fake_gcp.py --stop --pid-file F
"""

import argparse
import base64
import json
import os
import re
import signal
import sys
import threading
import time

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

ACCESS = re.compile(r'^/v1/projects/(?P<project>[^/]+)/secrets/(?P<secret>[^/]+)/versions/(?P<version>[^/:]+):access$')
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _record(self, form=None):
        entry = {'time': time.time(), 'method': self.command, 'path': urlsplit(self.path).path,
                 'headers': {k.lower(): v for k, v in self.headers.items()}, 'form': form}
        with LOCK, open(self.server.options.log, 'a') as handle:
            handle.write(json.dumps(entry) + '\n')

    def _json(self, status, data):
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status, code, message):
        self._json(status, {'error': {'code': status, 'message': message, 'status': code}})

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        form = dict((k, v[0]) for k, v in parse_qs(self.rfile.read(length).decode()).items())
        self._record(form)
        if urlsplit(self.path).path != '/token':
            return self._error(404, 'NOT_FOUND', 'no such endpoint')
        options = self.server.options
        if not self._grant_ok(form):
            return self._json(400, {'error': 'invalid_grant', 'error_description': 'Bad Request'})
        with LOCK:
            self.server.issued += 1
            token = 'ya29.fake-%d' % self.server.issued
            self.server.tokens[token] = time.time() + options.token_lifetime
        self._json(200, {'access_token': token, 'expires_in': options.token_lifetime, 'token_type': 'Bearer',
                         'scope': form.get('scope', '')})

    def _grant_ok(self, form):
        options = self.server.options
        if form.get('grant_type') == 'refresh_token':
            return bool(options.refresh_token) and form.get('refresh_token') == options.refresh_token \
                and form.get('client_id') == options.client_id
        if form.get('grant_type') != 'urn:ietf:params:oauth:grant-type:jwt-bearer':
            return False
        try:
            payload = form['assertion'].split('.')[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + '=' * (-len(payload) % 4)))
        except (KeyError, IndexError, ValueError):
            return False
        return claims.get('iss') == options.client_email and claims.get('aud', '').endswith('/token') \
            and claims.get('exp', 0) > time.time()

    def do_GET(self):
        self._record()
        match = ACCESS.match(urlsplit(self.path).path)
        if not match:
            return self._error(404, 'NOT_FOUND', 'no such endpoint')
        auth = self.headers.get('Authorization') or ''
        token = auth[7:] if auth.startswith('Bearer ') else None
        if token is None or self.server.tokens.get(token, 0) < time.time():
            return self._error(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
        project, secret = unquote(match.group('project')), unquote(match.group('secret'))
        try:
            with open(self.server.options.secrets) as handle:
                secrets = json.load(handle)
        except (OSError, ValueError):
            secrets = {}
        value = secrets.get('%s/%s' % (project, secret))
        if value is None:
            return self._error(404, 'NOT_FOUND', 'Secret [projects/%s/secrets/%s] not found or has no versions.'
                               % (project, secret))
        self._json(200, {'name': 'projects/%s/secrets/%s/versions/1' % (project, secret),
                         'payload': {'data': base64.b64encode(value.encode()).decode()}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port-file')
    parser.add_argument('--pid-file')
    parser.add_argument('--log', default=os.devnull)
    parser.add_argument('--secrets')
    parser.add_argument('--client-email')
    parser.add_argument('--refresh-token')
    parser.add_argument('--client-id')
    parser.add_argument('--token-lifetime', type=int, default=3600)
    parser.add_argument('--stop', action='store_true')
    options = parser.parse_args()
    if options.stop:
        try:
            with open(options.pid_file) as handle:
                os.kill(int(handle.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        return 0
    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    server.options = options
    server.issued = 0
    server.tokens = {}
    if options.pid_file:
        with open(options.pid_file, 'w') as handle:
            handle.write('%d\n' % os.getpid())
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
