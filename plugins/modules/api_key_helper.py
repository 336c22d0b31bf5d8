#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: api_key_helper
short_description: Install a fast, safe apiKeyHelper script for Claude Code and register it
version_added: 0.1.0
description:
  - Installs a helper script that prints the API key Claude Code sends (in the C(X-Api-Key) header and as the C(Authorization) bearer token),
    and registers it as C(apiKeyHelper) in the user's or the machine's settings, with
    C(CLAUDE_CODE_API_KEY_HELPER_TTL_MS) from O(ttl_ms), through the same code path as
    M(devfleet.claude_code.claude_settings). No long-lived key has to sit in a settings file.
  - The key comes from a O(source) - V(file) (a key stored on the host in a C(0600) file), V(env) (a variable in
    Claude Code's environment), V(command) (any command that prints the key, such as a vault or password-manager
    CLI), V(aws_secretsmanager), V(aws_ssm) (boto3 on the host) or V(gcp_secretmanager) (google-auth on the host,
    with Application Default Credentials).
  - Every helper prints the key and a newline on stdout and nothing else, or one line on stderr and exits
    non-zero (Claude Code shows that line). The key is never in a process argument list, a log, or a file other
    users can read.
  - Helpers of the slow sources (V(command) and the cloud sources) keep a per-user cache (C(0600), under
    C(/run/user/UID) when it exists and belongs to the user, else C(~/.cache); paths fixed when the helper is
    installed, so O(state=absent) removes every cached key) for O(cache_ttl) seconds, so a cached call is a few POSIX-shell builtins,
    not a Python start. When Claude Code asks again after an HTTP 401 (the key was rotated), the helper fetches
    a fresh key from the source instead of answering from its cache. See C(docs/api_key_helper.md).
  - Before anything is written, the module runs the new helper once as O(user), with the cache bypassed, and
    fails with the helper's own message if it cannot produce a key (a missing secret, missing credentials,
    a library the interpreter cannot import). Set O(verify=false) to skip that.
  - With O(env) and O(settings) the same task also sets other keys of the same settings file (a base URL,
    models, ...) in the same write, as M(devfleet.claude_code.claude_settings) does.
author:
  - devfleet.claude_code contributors (@devfleet)
extends_documentation_fragment:
  - devfleet.claude_code.attributes
  - devfleet.claude_code.attributes.ACTION_GROUP_SETTINGS
  - devfleet.claude_code.attributes.FILES
  - devfleet.claude_code.settings.SECRETS
attributes:
  check_mode:
    support: full
    details:
      - The verification run (O(verify)) reads the key source in check mode too; it writes nothing.
  diff_mode:
    support: full
    details:
      - Shows the settings file (secret values replaced by V(<secret>)) and the helper script. The key file shows
        only V(<secret>), or V(<secret, changed>) when the key changes.
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) installs the helper (and the key file for O(source=file)) and registers it.
      - V(absent) removes the helper, its key file and the user's cached keys, and removes C(apiKeyHelper) and
        C(CLAUDE_CODE_API_KEY_HELPER_TTL_MS) from the settings file when C(apiKeyHelper) is this helper.
    type: str
    choices: [present, absent]
    default: present
  scope:
    description:
      - V(user) installs the helper for O(user) (C(~/.claude/api-key-helper.sh), mode C(0700), owned by the user)
        and registers it in the user's C(~/.claude/settings.json) (or O(config_dir)).
      - V(managed) installs one helper for the whole machine (C(/etc/claude-code/api-key-helper[-<dropin>].sh),
        root-owned, mode C(0755)) and registers it in the managed settings file, or in the drop-in O(dropin).
        It runs as each user, with that user's own credentials and cache. O(source=file) is refused with
        V(managed), because one key readable by every user is not a secret.
    type: str
    choices: [user, managed]
    default: user
  user:
    description:
      - The user whose helper this is (name or uid, from the passwd database). The helper, its key file and its
        cache belong to this user. Required with O(scope=user).
      - Optional with O(scope=managed), where it names the user the verification (O(verify)) runs as.
    type: str
  config_dir:
    description:
      - The user's C(CLAUDE_CONFIG_DIR), when Claude Code runs with one (absolute, or relative to the home
        directory). The helper and the settings file go there instead of C(~/.claude). Only with O(scope=user).
    type: str
  dropin:
    description:
      - With O(scope=managed), register the helper in the drop-in C(managed-settings.d/<dropin>.json) instead of
        the main managed settings file.
    type: str
  helper_path:
    description:
      - Where to install the helper script, instead of the default named in O(scope). An absolute path.
      - The key file of O(source=file) goes beside it, with the suffix C(.key) instead of C(.sh).
    type: path
  source:
    description:
      - Where the helper gets the key. Required with O(state=present).
      - V(file) - the key in O(key), stored on the host in a C(0600) file owned by O(user).
      - V(env) - the environment variable O(env_var), which must be set in the environment Claude Code starts
        from (a login script, a desktop secret agent, a CI secret).
      - V(command) - the shell command O(command), run as the user, that prints the key.
      - V(aws_secretsmanager) - the secret O(secret_id), with O(json_key) for a JSON secret.
      - V(aws_ssm) - the SSM parameter O(parameter), decrypted.
      - V(gcp_secretmanager) - the Secret Manager secret O(secret) version O(version) of O(project).
    type: str
    choices: [file, env, command, aws_secretsmanager, aws_ssm, gcp_secretmanager]
  key:
    description:
      - The API key, with O(source=file). One line of printable ASCII (what Claude Code accepts), at most 16384
        characters. Changing it rewrites the key file; results and diffs only say that it changed.
    type: str
  env_var:
    description:
      - The environment variable that holds the key, with O(source=env).
    type: str
  command:
    description:
      - With O(source=command), a C(/bin/sh) command that prints the key on stdout, such as
        C(vault kv get -field=key secret/claude) or C(op read op://Engineering/Claude/credential).
      - It runs as the user, in their home directory, with no input, inside the helper (it is not passed as
        an argument to another process). On failure its last line of stderr is shown.
      - The module checks its syntax before installing it.
    type: str
  secret_id:
    description:
      - The name or ARN of the AWS Secrets Manager secret, with O(source=aws_secretsmanager).
    type: str
  json_key:
    description:
      - When the secret (or parameter) holds a JSON object, the key of the value to use.
      - With the cloud sources.
    type: str
  region:
    description:
      - The AWS region of the secret or parameter. Defaults to the region of the AWS profile or environment.
    type: str
  profile:
    description:
      - The AWS profile (in the user's C(~/.aws/config)) whose credentials read the secret or parameter.
        Defaults to the usual AWS credential chain (C(AWS_PROFILE), environment, C(default) profile, instance role).
    type: str
  parameter:
    description:
      - The name of the SSM parameter (a C(SecureString) is decrypted), with O(source=aws_ssm).
    type: str
  project:
    description:
      - The Google Cloud project of the secret, with O(source=gcp_secretmanager). Defaults to the project of the
        Application Default Credentials.
    type: str
  secret:
    description:
      - The name of the Google Secret Manager secret, with O(source=gcp_secretmanager).
    type: str
  version:
    description:
      - The secret version, with O(source=gcp_secretmanager). Defaults to V(latest).
    type: str
  endpoint_url:
    description:
      - The API endpoint of the cloud source, for private endpoints (VPC endpoints, Private Service Connect) or
        tests, such as C(https://secretsmanager.eu-west-1.vpce.amazonaws.com) or C(https://secretmanager.example.internal).
        Defaults to the public endpoint.
    type: str
  python:
    description:
      - The Python interpreter the helper runs for the cloud sources; it must import C(boto3) (AWS) or
        C(google.auth) (Google) and be executable by every user that runs the helper.
      - Defaults to the interpreter this module runs with (C(ansible_python_interpreter)).
      - The module checks, as the user, that it can import the library, and fails with what to install if not.
    type: path
  cache_ttl:
    description:
      - Seconds the helper keeps a key it fetched (sources V(command), V(aws_secretsmanager), V(aws_ssm),
        V(gcp_secretmanager)) in the user's cache, shared by all of the user's Claude Code sessions.
        V(0) disables the cache. The sources V(file) and V(env) are read directly and not cached.
      - Keep it shorter than the lifetime of the keys the source hands out.
      - A Claude Code session that asks again for a key it was already given (after an HTTP 401, or when its own
        O(ttl_ms) ran out) always gets a fresh key from the source.
    type: int
    default: 300
  ttl_ms:
    description:
      - How long Claude Code keeps the key in memory before it runs the helper again, in milliseconds; written
        as C(CLAUDE_CODE_API_KEY_HELPER_TTL_MS) in the same settings file. Claude Code's default is 5 minutes.
      - When not given, the variable is left as it is.
    type: int
  verify:
    description:
      - Run the new helper once as O(user) before installing it (cache bypassed, in check mode too), and fail
        without changing anything when it does not print a valid key.
      - Skipped for O(source=file) (the key is checked directly) and O(source=env) (the variable exists only in the
        user's session), and with O(scope=managed) without O(user), where only the library check runs (as
        C(nobody)).
      - Set it to V(false) when the user's credentials do not exist yet at install time (an SSO login to come).
    type: bool
    default: true
  env:
    description:
      - Other environment variables to set in the same settings file's C(env) block, in the same write, exactly
        as the O(devfleet.claude_code.claude_settings#module:env) option of M(devfleet.claude_code.claude_settings)
        (a null value removes a variable).
    type: dict
    default: {}
  settings:
    description:
      - Other top-level settings keys to set in the same write, exactly as the
        O(devfleet.claude_code.claude_settings#module:settings) option of M(devfleet.claude_code.claude_settings).
        C(apiKeyHelper) is refused here, because this module sets it.
    type: dict
    default: {}
  backup:
    description:
      - Keep a copy of the settings file as it was, beside it, before changing it.
    type: bool
    default: false
notes:
  - Supports Linux and macOS hosts. A cached call reads C(/proc/uptime) on Linux and runs C(date) elsewhere.
  - Claude Code re-reads settings at start; running sessions keep the helper they started with.
  - Credentials outrank C(apiKeyHelper) in Claude Code (C(ANTHROPIC_AUTH_TOKEN), C(ANTHROPIC_API_KEY) and cloud
    provider modes win); do not set those for the same user.
seealso:
  - module: devfleet.claude_code.claude_settings
    description: Set the rest of Claude Code's settings.
  - name: Claude Code settings (apiKeyHelper)
    description: How Claude Code runs the helper and caches its key.
    link: https://code.claude.com/docs/en/settings
'''

EXAMPLES = r'''
- name: Key from AWS Secrets Manager for alice, with the gateway settings in the same write
  devfleet.claude_code.api_key_helper:
    user: alice
    source: aws_secretsmanager
    secret_id: prod/claude-code/gateway
    json_key: api_key
    region: eu-west-1
    profile: claude
    ttl_ms: 300000
    env:
      ANTHROPIC_BASE_URL: https://llm-gateway.example.com
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: 1
  become: true

- name: A key from the vault, stored on the host for bob (0600, bob's own)
  devfleet.claude_code.api_key_helper:
    user: bob
    source: file
    key: "{{ vault_bob_anthropic_key }}"
  become: true

- name: Each user's own key from 1Password, for every user of the machine
  devfleet.claude_code.api_key_helper:
    scope: managed
    dropin: 20-api-key-helper
    source: command
    command: op read "op://Engineering/Claude Code/credential"
    cache_ttl: 900
    verify: false
  become: true

- name: Key from SSM Parameter Store through a VPC endpoint, with the interpreter that has boto3
  devfleet.claude_code.api_key_helper:
    user: carol
    source: aws_ssm
    parameter: /claude-code/api-key
    region: us-east-1
    endpoint_url: https://ssm.us-east-1.vpce.amazonaws.com
    python: /opt/claude-tools/bin/python
  become: true

- name: Key from Google Secret Manager with the user's Application Default Credentials
  devfleet.claude_code.api_key_helper:
    user: dave
    source: gcp_secretmanager
    project: my-gcp-project
    secret: claude-code-key
  become: true

- name: Key from a variable the CI runner exports
  devfleet.claude_code.api_key_helper:
    user: ci
    source: env
    env_var: CI_ANTHROPIC_KEY
  become: true

- name: Remove alice's helper, its cached keys and its apiKeyHelper setting
  devfleet.claude_code.api_key_helper:
    user: alice
    state: absent
  become: true
'''

RETURN = r'''
helper_path:
  description: The helper script.
  returned: always
  type: str
  sample: /home/alice/.claude/api-key-helper.sh
helper_command:
  description: The C(apiKeyHelper) value that runs the helper (it is sourced by Claude Code's C(/bin/sh)).
  returned: always
  type: str
  sample: ". /home/alice/.claude/api-key-helper.sh"
key_file:
  description: The file that holds the key, for O(source=file).
  returned: when O(state=present) and O(source=file)
  type: str
  sample: /home/alice/.claude/api-key-helper.key
source:
  description: The key source of the helper.
  returned: when O(state=present)
  type: str
  sample: aws_secretsmanager
python:
  description: The Python interpreter the helper runs for a cloud source.
  returned: when O(state=present) and O(source) is a cloud source
  type: str
  sample: /usr/bin/python3
cache_ttl:
  description: Seconds a fetched key stays in the user's cache; V(0) for the uncached sources.
  returned: when O(state=present)
  type: int
  sample: 300
path:
  description: The settings file that registers the helper.
  returned: always
  type: str
  sample: /home/alice/.claude/settings.json
scope:
  description: The scope of the settings file.
  returned: always
  type: str
  sample: user
env:
  description: The C(env) block of the settings file after the task, secret values replaced by V(<secret>).
  returned: always
  type: dict
  sample: {"ANTHROPIC_BASE_URL": "https://llm-gateway.example.com", "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "300000"}
env_changed:
  description: Names of the variables that were (or would be) added, changed or removed.
  returned: always
  type: list
  elements: str
  sample: [CLAUDE_CODE_API_KEY_HELPER_TTL_MS]
settings_changed:
  description: Top-level keys other than C(env) that were (or would be) added, changed or removed.
  returned: always
  type: list
  elements: str
  sample: [apiKeyHelper]
backup_file:
  description: The copy of the settings file as it was, when O(backup=true) and the file changed.
  returned: changed and O(backup=true)
  type: str
  sample: /home/alice/.claude/settings.json.4242.2026-11-25@12:00:00~
'''

from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper import ApiKeyHelper
from ansible_collections.devfleet.claude_code.plugins.module_utils._api_key_helper_config import (
    HELPER_REQUIRED_IF,
    helper_argument_spec,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import failing_on_errors
from ansible_collections.devfleet.claude_code.plugins.module_utils._module import SecretAwareModule
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import (
    MIN_MASKED_LENGTH,
    REDACTED,
    looks_secret,
    redact_strings,
)
from ansible_collections.devfleet.claude_code.plugins.module_utils._settings import (
    policy_from_params,
    secrets_argument_spec,
)


def secret_values(params):
    values = policy_from_params(params).secret_values(params.get('env'), params.get('settings'))
    command, endpoint = params.get('command'), params.get('endpoint_url')
    if command and (looks_secret(command) or len(command) >= MIN_MASKED_LENGTH):
        values.add(command)
    if endpoint and looks_secret(endpoint):
        values.add(endpoint)
    return values


def display_params(params):
    """The arguments as they may be shown: a command may carry a credential, so it is shown by name only."""
    shown = policy_from_params(params).redact_params(params)
    if params.get('command') is not None:
        shown['command'] = REDACTED
    shown['endpoint_url'] = redact_strings(params.get('endpoint_url'))
    return shown


def main():
    argument_spec = secrets_argument_spec()
    argument_spec.update(helper_argument_spec())
    module = SecretAwareModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=HELPER_REQUIRED_IF,
        secret_values=secret_values,
        display_params=display_params,
    )
    with failing_on_errors(module, 'api_key_helper'):
        helper = ApiKeyHelper(module.params, module.warn, module.no_log_values.add, check_mode=module.check_mode,
                              diff=module._diff)
        result = helper.run(policy_from_params(module.params), backup=module.params['backup'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
