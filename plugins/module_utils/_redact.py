# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one redaction mechanism of the collection: what a module may show, and how it hides the rest.

Private to the collection. Every module builds its invocation log (syslog/journald on the host), its
``invocation`` (shown with -vvv), its result, its diff and its warnings from what this module lets through.

Two questions, two rules:

* **May a value be shown?** Only when it is PROVABLY PUBLIC: its name is on an explicit list of public names
  (``PUBLIC_ENV_NAMES``/``PUBLIC_ENV_FAMILIES`` for environment variables, ``PUBLIC_SETTINGS_KEYS`` for
  top-level settings, the lists the AWS and Google modules pass for their keys) or the task listed it in
  ``public_env``, AND the value itself does not look like a credential (an Anthropic key, a URL with a
  password). Everything else is shown by name only, as ``<secret>`` (``<secret, changed>`` in a diff when it
  changes). A value given as a list or a dict where a string belongs is hidden whole.
* **Is a value a credential?** (``is_secret``: where it may be stored, what ``split_env`` puts in the per-user
  part, what is refused in a file every user reads.) Names with KEY, TOKEN, SECRET, PASSWORD or PASSPHRASE,
  header variables, values that look like keys, and ``secret_env``. This is narrower than "not shown": an
  unknown variable such as ``MY_FLAG`` is hidden in output but may still go into a machine-wide file.

Masking by value (Ansible's ``no_log_values``, which replaces every occurrence of a string in all output)
is kept for credentials and for long hidden values only: masking "1" would mangle every result.
"""

from __future__ import annotations

import copy
import re

from ansible_collections.devfleet.claude_code.plugins.module_utils._claude_env_names import KNOWN_NAMES

REDACTED = '<secret>'
REDACTED_CHANGED = '<secret, changed>'

SECRET_NAME = re.compile(r'KEY|TOKEN|SECRET|PASSWORD|PASSPHRASE', re.IGNORECASE)
# names that match SECRET_NAME but hold a path, a number or a file descriptor, not a secret
NOT_SECRET_SUFFIXES = ('_FILE', '_FILE_DESCRIPTOR', '_PATH', '_TTL_MS', '_KEY_ID_FILE', '_TOKENS')
NOT_SECRET_NAMES = frozenset((
    'CLAUDE_CODE_API_KEY_HELPER_TTL_MS',
    'CLAUDE_CODE_CLIENT_KEY',  # path of the mTLS key file; the passphrase is CLAUDE_CODE_CLIENT_KEY_PASSPHRASE
))
# names that do not look secret but usually carry credentials
SECRET_NAMES = frozenset((
    'ANTHROPIC_CUSTOM_HEADERS',
    'OTEL_EXPORTER_OTLP_HEADERS',
    'OTEL_EXPORTER_OTLP_LOGS_HEADERS',
    'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
    'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
))
# an Anthropic key, a URL with a password, an HTTP Authorization value
SECRET_VALUE = re.compile(r'\bsk-ant-|\b[a-z][a-z0-9+.-]*://[^/@\s:]*:[^/@\s]+@|\b(?:Bearer|Basic)\s+\S',
                          re.IGNORECASE)

# Environment variables whose values are public (when they do not look like credentials). Claude Code's own
# CLAUDE_*/ANTHROPIC_* names come from _claude_env_names (generated from the binary) minus the secret-looking
# ones; the rest are the provider and tooling variables the collection's roles and docs use.
PUBLIC_ENV_EXTRA = frozenset((
    'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_BEDROCK', 'AWS_ENDPOINT_URL_BEDROCK_RUNTIME', 'AWS_STS_REGIONAL_ENDPOINTS',
    'CLOUD_ML_REGION', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_QUOTA_PROJECT', 'GOOGLE_APPLICATION_CREDENTIALS',
    'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
    'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE',
    'BASH_DEFAULT_TIMEOUT_MS', 'BASH_MAX_TIMEOUT_MS', 'BASH_MAX_OUTPUT_LENGTH', 'MAX_THINKING_TOKENS',
    'MAX_MCP_OUTPUT_TOKENS', 'MCP_TIMEOUT', 'MCP_TOOL_TIMEOUT', 'USE_BUILTIN_RIPGREP',
    'OTEL_METRICS_EXPORTER', 'OTEL_LOGS_EXPORTER', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
    'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL', 'OTEL_METRIC_EXPORT_INTERVAL',
    'OTEL_LOGS_EXPORT_INTERVAL', 'OTEL_RESOURCE_ATTRIBUTES', 'OTEL_SERVICE_NAME',
))
# families of public names with free-form suffixes (switches and per-model regions)
PUBLIC_ENV_FAMILIES = re.compile(r'\A(?:(?:DISABLE|ENABLE)_[A-Z0-9_]+|VERTEX_REGION_CLAUDE_[A-Z0-9_]+)\Z')

# Top-level settings keys whose values are public (model choices, permissions, switches). Keys that hold a
# command (apiKeyHelper, awsAuthRefresh, awsCredentialExport, gcpAuthRefresh, otelHeadersHelper, statusLine,
# hooks), headers or anything not listed here are shown by name only.
PUBLIC_SETTINGS_KEYS = frozenset((
    '$schema', 'model', 'availableModels', 'modelOverrides', 'permissions', 'forceLoginMethod',
    'forceLoginOrgUUID', 'cleanupPeriodDays', 'includeCoAuthoredBy', 'includeGitInstructions', 'outputStyle',
    'theme', 'language', 'alwaysThinkingEnabled', 'enableAllProjectMcpServers', 'enabledMcpjsonServers',
    'disabledMcpjsonServers', 'disableAllHooks', 'respectGitignore', 'spinnerTipsEnabled', 'autoUpdates',
    'autoUpdatesChannel', 'companyAnnouncements', 'defaultMode', 'additionalDirectories', 'sandbox',
    'feedbackSurveyRate', 'teammateMode', 'enabledPlugins', 'extraKnownMarketplaces', 'strictKnownMarketplaces',
    'allowManagedHooksOnly', 'allowManagedPermissionRulesOnly', 'disableBypassPermissionsMode',
))

# Ansible masks every occurrence of a no_log value in all output; shorter hidden values are not registered
# there (they are hidden where they are shown by name: results, diffs, invocation), credentials always are.
MIN_MASKED_LENGTH = 8

_MISSING = object()


def looks_secret(value):
    """True for a string (or any string inside a list/dict) that looks like a credential."""
    if isinstance(value, str):
        return bool(SECRET_VALUE.search(value))
    if isinstance(value, dict):
        return any(looks_secret(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(looks_secret(item) for item in value)
    return False


def secret_looking_name(name):
    """True for a name such as *_KEY, *_TOKEN, *_secret that usually names a credential (case-insensitive)."""
    name = str(name)
    if name.upper() in NOT_SECRET_NAMES or name.upper().endswith(NOT_SECRET_SUFFIXES):
        return False
    return name.upper() in SECRET_NAMES or bool(SECRET_NAME.search(name))


def mask(changed=False):
    return REDACTED_CHANGED if changed else REDACTED


def strings(value):
    """Every non-empty string in a scalar, list or dict (numbers as text), for masking by value."""
    if isinstance(value, dict):
        return set().union(*[strings(item) for item in value.values()]) if value else set()
    if isinstance(value, (list, tuple, set)):
        return set().union(*[strings(item) for item in value]) if value else set()
    if value is None or isinstance(value, bool):
        return set()
    text = value if isinstance(value, str) else str(value)
    return {text} if text else set()


def redact_mapping(data, is_public, other=_MISSING, scan=True):
    """A copy of a mapping with every value whose key is not public hidden.

    is_public(key, value) decides per key; a public value is still scanned for credential-looking strings
    (scan=True). With other (the mapping before), a hidden value that differs is shown as <secret, changed>.
    """
    if not isinstance(data, dict):
        return data
    before = other if isinstance(other, dict) else {}
    out = {}
    for key, value in data.items():
        if value is not None and not is_public(key, value):
            out[key] = mask(other is not _MISSING and before.get(key, value) != value)
        elif scan:
            out[key] = redact_strings(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def redact_strings(value):
    """A copy with every credential-looking string replaced by <secret>."""
    if isinstance(value, str):
        return REDACTED if SECRET_VALUE.search(value) else value
    if isinstance(value, list):
        return [redact_strings(item) for item in value]
    if isinstance(value, dict):
        return dict((key, redact_strings(item)) for key, item in value.items())
    return value


def file_diff(path, before, after, show, show_after=None, attributes_changed=False):
    """One file's entry in a module's diff (the one place that builds them).

    before/after: the file's old and new content in whatever form show takes (bytes, a parsed document), None when
    the file is absent on that side (shown as ''). show(content) -> str must return only what may be shown: it is
    built from this file's functions (redact_mapping, redact_strings, mask) or states that nothing is shown.
    show_after (default show) renders the new side, to mark hidden values that changed against the old one.
    """
    return dict(before_header=path + (' (owner/mode)' if attributes_changed else ''), after_header=path,
                before='' if before is None else show(before),
                after='' if after is None else (show_after or show)(after))


def outcome_diff(outcome, show, show_after=None, path=None):
    """file_diff() of a ManagedFile outcome (_fs): its bytes before and after, its path (or path)."""
    return file_diff(path or outcome['path'], outcome['before'], outcome['after'], show, show_after,
                     outcome.get('attributes_changed'))


class SecretPolicy(object):
    """What is secret and what may be shown, for env variables and settings keys.

    secret_env: names that are always secret; public_env: names that may be shown (and are not secret) even
    though they look secret or are not on the public list. public_values: exact values the module built
    itself and may show (e.g. the apiKeyHelper command it installs).
    """

    def __init__(self, secret_env=None, public_env=None, public_values=()):
        self.secret_env = frozenset(secret_env or ())
        self.public_env = frozenset(public_env or ()) - self.secret_env
        self.public_values = frozenset(public_values or ())

    # -- credentials (storage decisions) --
    def is_secret(self, name, value=None):
        """True when the variable holds a credential: refused in world-readable files, split off per user."""
        name = str(name)
        if name in self.secret_env:
            return True
        if name in self.public_env:
            return False
        if name in SECRET_NAMES:
            return True
        if looks_secret(value):
            return True
        if isinstance(value, (dict, list, tuple)):
            return True  # not a value Claude Code can use; never place it where others read it
        return secret_looking_name(name)

    # -- display --
    def is_public_env(self, name, value=None):
        """True when the value of env variable name may be shown."""
        name = str(name)
        if name in self.public_env:
            return True
        if self.is_secret(name, value) or isinstance(value, (dict, list, tuple)):
            return False
        return name in KNOWN_NAMES or name in PUBLIC_ENV_EXTRA or bool(PUBLIC_ENV_FAMILIES.match(name))

    def is_public_setting(self, key, value=None):
        """True when the value of top-level settings key may be shown (after scanning for credentials)."""
        if isinstance(value, str) and value in self.public_values:
            return True
        return key in PUBLIC_SETTINGS_KEYS and not looks_secret(value)

    def secret_values(self, env, settings=None):
        """Values to register for masking everywhere: credentials always, other hidden values when long."""
        values = set()
        for name, value in (env or {}).items() if isinstance(env, dict) else ():
            if value is None or self.is_public_env(name, value):
                continue
            for text in strings(value):
                if self.is_secret(name, value) or len(text) >= MIN_MASKED_LENGTH:
                    values.add(text)
        for key, value in (settings or {}).items() if isinstance(settings, dict) else ():
            if value is not None and not self.is_public_setting(key, value):
                values.update(text for text in strings(value) if len(text) >= MIN_MASKED_LENGTH
                              and text not in self.public_values)
            elif value is not None:
                values.update(text for text in strings(value) if SECRET_VALUE.search(text))
        return values

    def redact_env(self, env, other=_MISSING):
        if not isinstance(env, dict):
            return env if env is None else mask()
        return redact_mapping(env, self.is_public_env, other)

    def redact(self, data, other=None):
        """A copy of settings data (a whole file, or {'env': ...}) safe to show.

        With other (the state before), a hidden value that differs from other's is marked as changed, so a
        diff still shows that it changed without showing either value.
        """
        if not isinstance(data, dict):
            return data
        before = other if isinstance(other, dict) else {}
        out = redact_mapping(dict((k, v) for k, v in data.items() if k != 'env'), self.is_public_setting,
                             before if other is not None else _MISSING)
        if 'env' in data:
            env = data['env']
            if isinstance(env, dict):
                other_env = before.get('env') if isinstance(before.get('env'), dict) else {}
                out['env'] = self.redact_env(env, other_env if other is not None else _MISSING)
            else:
                out['env'] = mask()
        return dict((key, out[key]) for key in data)  # keep the order of the file

    def redact_params(self, params, env_options=('env',), settings_options=('settings',)):
        """A copy of module params safe to log: env-like options per variable, settings per key."""
        out = dict(params)
        for option in env_options:
            value = params.get(option)
            if isinstance(value, dict):
                out[option] = self.redact_env(value)
            elif value is not None and value != {}:
                out[option] = mask()
        for option in settings_options:
            value = params.get(option)
            if isinstance(value, dict):
                out[option] = redact_mapping(value, self.is_public_setting)
            elif value is not None and value != {}:
                out[option] = mask()
        return out
