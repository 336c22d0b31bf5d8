# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A loopback fake of the model APIs Claude Code talks to, for tests with the real Claude Code CLI.

Standard library only. It speaks, on 127.0.0.1:
  * Anthropic Messages: POST /v1/messages[?beta=true] (SSE stream or JSON), /v1/messages/count_tokens,
    GET /v1/models, HEAD / - also under any path prefix (/anthropic/v1/messages for pass-through tests);
  * Vertex AI: POST /v1/projects/P/locations/R/publishers/anthropic/models/M:streamRawPredict / :rawPredict;
  * Bedrock runtime: POST /model/ID/invoke-with-response-stream (AWS event-stream framing) and /model/ID/invoke,
    and the control-plane GET /inference-profiles and /inference-profiles/ID (any id is ACTIVE, the list is
    empty) - or, with --bedrock-catalog FILE, the foundation models and inference profiles that file lists
    ({"foundationModels": [ListFoundationModels summaries], "inferenceProfiles": [GetInferenceProfile
    answers]}), with GET /foundation-models[/ID] and AWS-style errors for unknown ids;
  * Anthropic workload identity federation: POST /v1/oauth/token with a jwt-bearer grant (the identity token
    as the assertion) answers an access token `wif-<assertion>`; with --keys-file, the assertion must be one of
    the listed keys, and the issued token is accepted on later requests;
  * with --sso-credentials FILE, the IAM Identity Center portal's GetRoleCredentials
    (GET /federation/credentials?account_id=A&role_name=R, bearer token in x-amz-sso_bearer_token): the file
    holds {"bearerToken": T, "roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken"}}; a request
    with another token gets 401 UnauthorizedException;
Every request is appended to a JSON-lines log (method, path, query, headers, parsed body) so a test can
assert what Claude Code sent. With --keys-file, only requests carrying one of the keys listed in that file
(one per line, re-read on every request so a test can rotate keys) as x-api-key or Authorization: Bearer are
answered; others get HTTP 401 like the real API.

  fake_provider.py --port-file F --log F [--pid-file F] [--port N] [--reply TEXT] [--keys-file F]
                   [--bedrock-catalog F] [--sso-credentials F]
  fake_provider.py --stop --pid-file F
"""

import argparse
import base64
import json
import os
import re
import signal
import struct
import sys
import threading
import time
import zlib

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

VERTEX = re.compile(r'/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)/publishers/anthropic/models/'
                    r'(?P<model>[^/:]+):(?P<method>streamRawPredict|rawPredict)$')
BEDROCK = re.compile(r'/model/(?P<model>.+?)/(?P<method>invoke-with-response-stream|invoke)$')

LOCK = threading.Lock()


def message_events(model, text):
    """The Anthropic streaming events for one text answer."""
    return [
        {'type': 'message_start', 'message': {
            'id': 'msg_fake_%d' % int(time.time() * 1000), 'type': 'message', 'role': 'assistant', 'model': model,
            'content': [], 'stop_reason': None, 'stop_sequence': None,
            'usage': {'input_tokens': 12, 'output_tokens': 1}}},
        {'type': 'content_block_start', 'index': 0, 'content_block': {'type': 'text', 'text': ''}},
        {'type': 'ping'},
        {'type': 'content_block_delta', 'index': 0, 'delta': {'type': 'text_delta', 'text': text}},
        {'type': 'content_block_stop', 'index': 0},
        {'type': 'message_delta', 'delta': {'stop_reason': 'end_turn', 'stop_sequence': None},
         'usage': {'output_tokens': 7}},
        {'type': 'message_stop'},
    ]


def message_json(model, text):
    return {'id': 'msg_fake', 'type': 'message', 'role': 'assistant', 'model': model,
            'content': [{'type': 'text', 'text': text}], 'stop_reason': 'end_turn', 'stop_sequence': None,
            'usage': {'input_tokens': 12, 'output_tokens': 7}}


def eventstream_frame(headers, payload):
    """One message of the AWS event-stream binary framing (all header values are strings, type 7)."""
    encoded = b''
    for name, value in headers.items():
        name_b, value_b = name.encode(), value.encode()
        encoded += bytes([len(name_b)]) + name_b + b'\x07' + struct.pack('>H', len(value_b)) + value_b
    prelude = struct.pack('>II', 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack('>I', zlib.crc32(prelude) & 0xffffffff) + encoded + payload
    return message + struct.pack('>I', zlib.crc32(message) & 0xffffffff)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'fake-provider/1'

    def log_message(self, *args):  # quiet: the JSON log is the record
        pass

    # -- plumbing -------------------------------------------------------------------------------
    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        try:
            return raw, json.loads(raw) if raw else None
        except ValueError:
            return raw, None

    def _record(self, body):
        split = urlsplit(self.path)
        entry = {'time': time.time(), 'method': self.command, 'path': split.path,
                 'query': parse_qs(split.query), 'headers': {k.lower(): v for k, v in self.headers.items()},
                 'body': body}
        with LOCK, open(self.server.options.log, 'a') as handle:
            handle.write(json.dumps(entry) + '\n')

    def _send_json(self, status, data, extra_headers=None):
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _keys(self):
        """The accepted keys: the keys file (re-read on every request) and the tokens issued for them."""
        try:
            with open(self.server.options.keys_file) as handle:
                keys = set(line.strip() for line in handle if line.strip())
        except OSError:
            keys = set()
        return keys | set('wif-' + key for key in keys)

    def _authorized(self):
        if not self.server.options.keys_file:
            return True
        keys = self._keys()
        presented = set()
        if self.headers.get('x-api-key'):
            presented.add(self.headers['x-api-key'].strip())
        auth = self.headers.get('Authorization') or ''
        if auth.lower().startswith('bearer '):
            presented.add(auth[7:].strip())
        return bool(keys & presented)

    def _deny(self):
        self._send_json(401, {'type': 'error', 'error': {'type': 'authentication_error',
                                                         'message': 'invalid x-api-key'}})

    def _aws_error(self, status, code, message):
        self._send_json(status, {'message': message}, {'x-amzn-ErrorType': code})

    def _sso_role_credentials(self):
        with open(self.server.options.sso_credentials) as handle:
            sso = json.load(handle)
        if self.headers.get('x-amz-sso_bearer_token') != sso.get('bearerToken'):
            return self._aws_error(401, 'UnauthorizedException', 'Session token not found or invalid')
        credentials = dict(sso.get('roleCredentials') or {})
        credentials.setdefault('expiration', int((time.time() + 3600) * 1000))
        return self._send_json(200, {'roleCredentials': credentials})

    def _bedrock_catalog(self, path):
        """Answer a Bedrock control-plane GET from the catalog file (re-read per request); False if not one."""
        with open(self.server.options.bedrock_catalog) as handle:
            catalog = json.load(handle)
        models = catalog.get('foundationModels') or []
        profiles = catalog.get('inferenceProfiles') or []
        query = parse_qs(urlsplit(self.path).query)
        if path.rstrip('/').endswith('/foundation-models'):
            self._send_json(200, {'modelSummaries': models})
            return True
        if '/foundation-models/' in path:
            ident = unquote(path.rsplit('/', 1)[1])
            found = [m for m in models if ident in (m.get('modelId'), m.get('modelArn'))]
            if found:
                self._send_json(200, {'modelDetails': found[0]})
            else:
                self._aws_error(404, 'ResourceNotFoundException', 'The model %s does not exist.' % ident)
            return True
        if path.rstrip('/').endswith('/inference-profiles'):
            wanted = (query.get('type') or query.get('typeEquals') or [None])[0]
            self._send_json(200, {'inferenceProfileSummaries': [
                p for p in profiles if wanted is None or p.get('type', 'SYSTEM_DEFINED') == wanted]})
            return True
        if '/inference-profiles/' in path:
            ident = unquote(path.rsplit('/inference-profiles/', 1)[1])
            found = [p for p in profiles if ident in (p.get('inferenceProfileId'), p.get('inferenceProfileArn'))]
            if found:
                self._send_json(200, found[0])
            else:
                self._aws_error(404, 'ResourceNotFoundException', 'Inference profile %s not found.' % ident)
            return True
        return False

    def _reply_text(self):
        return self.server.options.reply

    # -- HTTP verbs -----------------------------------------------------------------------------
    def do_HEAD(self):
        self._record(None)
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def do_GET(self):
        self._record(None)
        path = urlsplit(self.path).path
        if path.endswith('/v1/models'):
            return self._send_json(200, {'data': [{'type': 'model', 'id': 'claude-fake-1', 'display_name': 'Fake'}],
                                         'has_more': False, 'first_id': 'claude-fake-1', 'last_id': 'claude-fake-1'})
        if self.server.options.sso_credentials and path == '/federation/credentials':
            return self._sso_role_credentials()
        if self.server.options.bedrock_catalog and self._bedrock_catalog(path):
            return None
        if path.rstrip('/').endswith('/inference-profiles'):
            return self._send_json(200, {'inferenceProfileSummaries': []})
        if '/inference-profiles/' in path:
            ident = path.rsplit('/', 1)[1]
            return self._send_json(200, {'inferenceProfileId': ident, 'inferenceProfileName': ident,
                                         'status': 'ACTIVE', 'type': 'SYSTEM_DEFINED', 'models': []})
        if path in ('/', '/health', '/health/liveliness'):
            return self._send_json(200, {'status': 'ok'})
        return self._send_json(404, {'type': 'error', 'error': {'type': 'not_found_error', 'message': path}})

    def do_POST(self):
        raw, body = self._body()
        self._record(body if body is not None else base64.b64encode(raw).decode())
        path = urlsplit(self.path).path
        if not path.endswith('/v1/oauth/token') and not self._authorized():
            return self._deny()
        body = body if isinstance(body, dict) else {}
        if path.endswith('/v1/oauth/token'):
            return self._token_exchange(body)
        vertex = VERTEX.search(path)
        bedrock = BEDROCK.search(path)
        if vertex:
            model = vertex.group('model')
            return self._answer(model, vertex.group('method') == 'streamRawPredict')
        if bedrock:
            model = bedrock.group('model')
            if bedrock.group('method') == 'invoke':
                return self._send_json(200, message_json(model, self._reply_text()))
            return self._answer_eventstream(model)
        if path.endswith('/v1/messages/count_tokens'):
            return self._send_json(200, {'input_tokens': 42})
        if path.endswith('/v1/messages'):
            return self._answer(body.get('model', 'unknown'), bool(body.get('stream')))
        return self._send_json(404, {'type': 'error', 'error': {'type': 'not_found_error', 'message': path}})

    # -- answers --------------------------------------------------------------------------------
    def _token_exchange(self, body):
        """Workload identity federation: trade an identity token (JWT bearer grant) for an access token."""
        assertion = body.get('assertion') or ''
        if body.get('grant_type') != 'urn:ietf:params:oauth:grant-type:jwt-bearer' or not assertion:
            return self._send_json(400, {'error': 'invalid_request'})
        if self.server.options.keys_file and assertion not in self._keys():
            return self._send_json(401, {'error': 'invalid_grant'})
        return self._send_json(200, {'access_token': 'wif-' + assertion, 'token_type': 'Bearer',
                                     'expires_in': 3600})

    def _answer(self, model, stream):
        if not stream:
            return self._send_json(200, message_json(model, self._reply_text()))
        self.send_response(200)
        self.send_header('Content-Type', 'text/event-stream')
        self.send_header('Cache-Control', 'no-cache')
        self.send_header('Connection', 'close')
        self.end_headers()
        for event in message_events(model, self._reply_text()):
            self.wfile.write(('event: %s\ndata: %s\n\n' % (event['type'], json.dumps(event))).encode())
            self.wfile.flush()
        self.close_connection = True

    def _answer_eventstream(self, model):
        self.send_response(200)
        self.send_header('Content-Type', 'application/vnd.amazon.eventstream')
        self.send_header('Connection', 'close')
        self.end_headers()
        for event in message_events(model, self._reply_text()):
            if event['type'] == 'ping':
                continue
            chunk = json.dumps({'bytes': base64.b64encode(json.dumps(event).encode()).decode()}).encode()
            self.wfile.write(eventstream_frame({':event-type': 'chunk', ':content-type': 'application/json',
                                                ':message-type': 'event'}, chunk))
            self.wfile.flush()
        self.close_connection = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    parser.add_argument('--pid-file')
    parser.add_argument('--log', default=os.devnull)
    parser.add_argument('--reply', default='Hello from the fake provider.')
    parser.add_argument('--keys-file')
    parser.add_argument('--bedrock-catalog', help='JSON file of Bedrock foundation models and inference profiles')
    parser.add_argument('--sso-credentials', help='JSON file: the SSO bearer token and the role credentials')
    parser.add_argument('--stop', action='store_true', help='stop the server named by --pid-file')
    options = parser.parse_args()
    if options.stop:
        try:
            with open(options.pid_file) as handle:
                os.kill(int(handle.read().strip()), signal.SIGTERM)
        except (OSError, ValueError):
            pass
        return 0
    server = ThreadingHTTPServer(('127.0.0.1', options.port), Handler)
    server.daemon_threads = True
    server.options = options
    if options.pid_file:
        with open(options.pid_file, 'w') as handle:
            handle.write('%d\n' % os.getpid())
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
