# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AnsibleModule for options that are secret only in part. Private to the collection.

An option such as ``env`` holds public values (a region, a base URL) and secret ones (a token) side by
side. Marking the whole option no_log would mask every value of it everywhere in the output (a "1"
would become "********" in every result), so instead the module names the secret values, and this
class adds them to ``no_log_values`` BEFORE AnsibleModule logs its invocation to syslog/journald
on the host: AnsibleModule writes that log inside its constructor, before module code can run.
Results, warnings, errors and the ``invocation`` shown with -vvv are masked from the same set.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


class SecretAwareModule(AnsibleModule):
    """AnsibleModule that masks the values secret_values(params) returns everywhere, syslog included."""

    def __init__(self, *args, **kwargs):
        self._secret_values = kwargs.pop('secret_values')
        super(SecretAwareModule, self).__init__(*args, **kwargs)
        self._mask_secrets()  # in case a future ansible-core no longer logs through _log_invocation

    def _mask_secrets(self):
        try:
            values = self._secret_values(self.params)
        except Exception:  # pylint: disable=broad-except
            values = ()  # malformed input: validation reports it; never let masking crash the module
        self.no_log_values.update(value for value in values if value)

    def _log_invocation(self):
        self._mask_secrets()
        super(SecretAwareModule, self)._log_invocation()
