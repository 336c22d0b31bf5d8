# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one harness of the module tests: run a module's main() in-process as Ansible runs it on a host.

Fixtures (pytest loads this file for every test under this folder; ansible-test units runs pytest):
  * ``run``: ``run(module, args, diff=False, check=False)`` runs ``module.main()`` with ``args`` as its module
    arguments, at -vvvv, with the invocation returned as -vvv shows it, and returns ``(raw, result)``: the JSON
    text the module printed and its parsed result (exit_json and fail_json alike).
  * ``host_log``: what modules log on the host (syslog/journald): a list of ``(message, log_args)``.
"""

from __future__ import annotations

import json

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.parameters import PASS_VARS
from ansible.module_utils.testing import patch_module_args


@pytest.fixture
def host_log(monkeypatch):
    """What the modules log to syslog/journald on the host."""
    logged = []
    monkeypatch.setattr(AnsibleModule, 'log', lambda self, msg, log_args=None: logged.append((msg, log_args)))
    return logged


@pytest.fixture
def run(capsys, tmp_path):
    """Run a module in-process; see the module docstring."""
    def run_module(module, args, diff=False, check=False):
        args = dict(args, _ansible_diff=diff, _ansible_check_mode=check, _ansible_verbosity=4,
                    _ansible_remote_tmp=str(tmp_path / 'remote-tmp'), _ansible_keep_remote_files=False)
        # return the invocation (module arguments), as -vvv shows it (2.21+ only returns it when asked)
        if 'inject_invocation' in PASS_VARS:
            args['_ansible_inject_invocation'] = True
        # patch_module_args is the ansible-core API (2.19+) that hands a module its arguments the way each
        # version's AnsiballZ wrapper does (a global before 2.20, a serialization profile since)
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        out = capsys.readouterr().out
        return out, json.loads(out)
    return run_module
