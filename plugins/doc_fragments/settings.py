# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # Which Claude Code settings file a module writes, and who owns it.
    DOCUMENTATION = r'''
options:
  scope:
    description:
      - Which Claude Code settings file to manage.
      - V(user) is the user's C(~/.claude/settings.json) (or C(settings.json) in O(config_dir)); it needs O(user).
      - V(project) is C(<project_dir>/.claude/settings.json), shared through the repository; V(local) is
        C(<project_dir>/.claude/settings.local.json), personal and not committed. Both need O(project_dir).
      - V(managed) is the machine-wide policy file, C(/etc/claude-code/managed-settings.json) on Linux and
        C(/Library/Application Support/ClaudeCode/managed-settings.json) on macOS, or one of its drop-ins with
        O(dropin). Managed settings win over every other scope and users cannot override them.
      - Exactly one of O(scope) and O(path) is required.
    type: str
    choices: [user, project, local, managed]
  user:
    description:
      - The user whose settings these are, by name or numeric id, looked up in the passwd database of the host.
      - Required with O(scope=user). With O(scope=project), O(scope=local) or O(path), the file and any
        directory created for it belong to this user.
      - Writing for another user needs root (C(become=true)); links that the user could have planted in
        their home are never followed.
    type: str
  config_dir:
    description:
      - The user's C(CLAUDE_CONFIG_DIR), when Claude Code runs with one; absolute, or relative to the home
        directory (C(~/) is accepted). Only with O(scope=user).
    type: str
  project_dir:
    description:
      - Absolute path of the project (repository) whose C(.claude/) directory holds the file. Required with
        O(scope=project) and O(scope=local).
      - Without O(user), new files belong to the owner of O(project_dir).
    type: path
  dropin:
    description:
      - With O(scope=managed), manage the drop-in C(managed-settings.d/<dropin>.json) instead of the main
        managed file. Claude Code merges drop-ins after the main file in alphabetical order, so several teams or
        roles can own one drop-in each without touching each other's keys.
      - A plain file name; C(.json) is added when missing.
    type: str
  path:
    description:
      - An explicit settings file, for example one passed to C(claude --settings FILE).
      - Exactly one of O(scope) and O(path) is required.
    type: path
  owner:
    description:
      - Owner of the file (name or uid). Defaults to O(user) for user, local and path scopes, to the owner of
        O(project_dir) for project scope, and to root for managed scope.
    type: str
  group:
    description:
      - Group of the file (name or gid). Defaults to the primary group of the owner, or root's group for
        managed scope.
    type: str
  mode:
    description:
      - Permissions of the file, as an octal string such as V("0600"); quote it.
      - Defaults to V("0600") (V("0644") for project scope, which the whole team reads, and for managed scope,
        which every user's Claude Code must read).
      - Directories created on the way get V("0700") in a home directory and V("0755") for project and managed
        scopes.
    type: raw
  backup:
    description:
      - Keep a copy of the file as it was, beside it, named C(<file>.<pid>.<date>@<time>~), before changing it.
      - The copy has mode V("0600") and the file's owner.
    type: bool
    default: false
'''

    # Which env values are secret.
    SECRETS = r'''
options:
  secret_env:
    description:
      - Names of further environment variables whose values are secret, besides those found by name.
      - Found by name are those containing C(KEY), C(TOKEN), C(SECRET), C(PASSWORD) or C(PASSPHRASE) (except
        paths, file descriptors and TTLs such as C(CLAUDE_CODE_API_KEY_HELPER_TTL_MS) or C(CLAUDE_CODE_CLIENT_KEY)),
        C(ANTHROPIC_CUSTOM_HEADERS) and C(OTEL_EXPORTER_OTLP_*HEADERS); values that start with C(sk-ant-) or are URLs
        with a password (C(https://user:pass@proxy)) are secret whatever their name.
      - Secret values never appear in results, diffs, warnings, errors, the C(-vvv) invocation or the host's
        syslog, and are refused in files that every user can read.
      - Beyond secrets, output shows only values that are provably public (a variable or settings key on the list
        in C(docs/security.md), or in O(public_env)); any other value is shown by name as V(<secret>), also when it
        was already in the file and this task does not name it.
    type: list
    elements: str
    default: []
  public_env:
    description:
      - Names of variables that are not secret. Their values are shown in results and diffs (variables on no list
        of public names are shown as V(<secret>) otherwise), and those that look secret by name (for example
        C(MY_KEYBOARD_LAYOUT)) may go into world-readable managed settings. O(secret_env) wins over this list.
    type: list
    elements: str
    default: []
'''
