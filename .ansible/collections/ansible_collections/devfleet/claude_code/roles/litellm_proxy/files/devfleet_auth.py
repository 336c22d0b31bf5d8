# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""LiteLLM custom_auth hook installed by devfleet.claude_code.litellm_proxy: answer 401 to a wrong key.

Without a database LiteLLM accepts only its master key and answers any other key with HTTP 400 "No connected db"
(500 without the prisma package). Claude Code re-runs its apiKeyHelper only on HTTP 401, so a rotated or expired
key would never be refreshed. This hook, named in general_settings.custom_auth, runs instead of LiteLLM's key
check: it accepts the master key (as proxy admin) and the static client keys of the environment file
(LITELLM_CLIENT_KEY_<NAME>, as internal users named NAME), compared in constant time, and answers every other
key, or none, with 401 "authentication_error". It never lets a request through on error
(unlike general_settings.allow_requests_on_db_unavailable, which must never be set without a database).

Keys are read from the environment once, at import: rotating a key means rewriting the environment file and
restarting the proxy, which the role does.
"""

import hashlib
import hmac
import os

from litellm.proxy._types import LitellmUserRoles, ProxyErrorTypes, ProxyException, UserAPIKeyAuth

_CLIENT_PREFIX = 'LITELLM_CLIENT_KEY_'


def _digest(value):
    return hashlib.sha256(value.encode('utf-8')).digest()


def _load_keys():
    keys = []
    master = os.environ.get('LITELLM_MASTER_KEY') or ''
    if master:
        keys.append((_digest(master), None))
    for name, value in sorted(os.environ.items()):
        if name.startswith(_CLIENT_PREFIX) and value:
            keys.append((_digest(value), name[len(_CLIENT_PREFIX):].lower()))
    return keys


_KEYS = _load_keys()


def _deny(message):
    return ProxyException(message=message, type=ProxyErrorTypes.auth_error, param='api_key', code=401)


async def user_api_key_auth(request, api_key):
    """LiteLLM calls this with the key it found (Authorization: Bearer, x-api-key, or the custom header)."""
    if not api_key or not isinstance(api_key, str):
        raise _deny('Authentication Error: no API key given. Send it as Authorization: Bearer <key> or x-api-key.')
    presented = _digest(api_key.strip())
    match = None
    found = False
    for digest, client in _KEYS:
        if hmac.compare_digest(digest, presented):  # every key is compared: no early exit to time
            found = True
            match = client
    if not found:
        raise _deny('Authentication Error: invalid or expired key.')
    if match is None:
        return UserAPIKeyAuth(api_key=api_key, user_role=LitellmUserRoles.PROXY_ADMIN)
    return UserAPIKeyAuth(api_key=presented.hex(), user_id=match, key_alias=match,
                          user_role=LitellmUserRoles.INTERNAL_USER)
