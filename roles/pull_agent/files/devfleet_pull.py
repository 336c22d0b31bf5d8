# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Entry point of the pull agent (installed by devfleet.claude_code.pull_agent; systemd or launchd runs it).

    <venv>/bin/python <home>/lib/devfleet_pull.py [--full] /etc/devfleet-pull/agent.json

The code lives in the collection's module_utils (_pull_agent.py, _fs.py, _errors.py), copied next to this file.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ansible_collections.devfleet.claude_code.plugins.module_utils._pull_agent import main  # noqa: E402  pylint: disable=wrong-import-position

sys.exit(main())
