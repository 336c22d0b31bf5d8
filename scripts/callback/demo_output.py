# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Screen output of scripts/demo: ansible-core's default output, with one line per expected wait.

A task that polls (``until``/``retries``, such as waiting for LiteLLM to answer) prints one line when it starts
waiting, with the longest it will wait, instead of a ``FAILED - RETRYING`` line per attempt. With -vv the
default lines come back. scripts/demo selects it with ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_STDOUT_CALLBACK.
"""

from __future__ import annotations

DOCUMENTATION = """
    name: demo_output
    type: stdout
    short_description: default output, one line per expected wait
    description:
        - The default callback, but a task that retries prints one "waiting" line instead of one line per attempt.
    extends_documentation_fragment:
      - default_callback
      - result_format_callback
"""

from ansible.plugins.callback.default import CallbackModule as DefaultCallback


class CallbackModule(DefaultCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'stdout'
    CALLBACK_NAME = 'demo_output'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._waiting = set()

    def v2_runner_retry(self, result):
        if self._display.verbosity >= 2:
            super().v2_runner_retry(result)
            return
        task = getattr(result, 'task', None) or result._task
        data = getattr(result, 'result', None)
        if not isinstance(data, dict):
            data = result._result
        host = getattr(result, 'host', None) or result._host
        key = (host.get_name(), task._uuid)
        if key in self._waiting:
            return
        self._waiting.add(key)
        if self._last_task_banner != task._uuid:
            self._print_task_banner(task)
        try:
            longest = int(data.get('retries', 0)) * int(task.delay or 0)
        except (TypeError, ValueError):
            longest = 0
        name = result.task_name or task.get_name()
        if name[:1].isupper() and name[1:2].islower():
            name = name[0].lower() + name[1:]
        if longest >= 90:
            limit = ' (up to %d min)' % round(longest / 60)
        elif longest:
            limit = ' (up to %d s)' % longest
        else:
            limit = ''
        self._display.display('[%s]: waiting: %s%s' % (self.host_label(result), name, limit))
