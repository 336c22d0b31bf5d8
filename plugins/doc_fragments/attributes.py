# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    # Attributes shared by the collection's modules. Modules add `support:` per attribute.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode with the same arguments, the second run reports no change.
  platform:
    description: Target operating systems the module runs on.
    support: full
    platforms: posix
'''

    # For modules that write files.
    FILES = r'''
options: {}
attributes:
  safe_file_operations:
    description:
      - Writes files atomically (temporary file in the same directory, fsync, rename), keeps what the file held
        that the module does not manage, and never follows a symlink that a user other than root could have planted.
    support: full
'''

    # For modules that only read.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
  idempotent:
    support: full
'''

    # Members of the action group settings (meta/runtime.yml).
    ACTION_GROUP_SETTINGS = r'''
options: {}
attributes:
  action_group:
    description:
      - Use C(group/devfleet.claude_code.settings) in C(module_defaults) to set defaults for this module.
      - The options the group's modules share are O(user) and O(config_dir).
    support: full
    membership:
      - devfleet.claude_code.settings
'''

    # Members of the action group aws (meta/runtime.yml).
    ACTION_GROUP_AWS = r'''
options: {}
attributes:
  action_group:
    description:
      - Use C(group/devfleet.claude_code.aws) in C(module_defaults) to set defaults for this module.
      - The options the group's modules share are O(user), O(config_file), O(credentials_file) and O(region).
    support: full
    membership:
      - devfleet.claude_code.aws
'''
