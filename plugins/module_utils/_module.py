# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AnsibleModule that shows only what the collection's redaction (_redact) lets through. Private to the collection.

An option such as ``env`` holds public values (a region, a base URL) and secret ones (a token) side by
side. Marking the whole option no_log would mask every value of it everywhere in the output (a "1"
would become "********" in every result), so instead:

* ``display_params(params)`` returns the module arguments as they may be shown: the invocation log that
  AnsibleModule writes to syslog/journald on the host (inside its constructor, before module code runs)
  and the ``invocation`` returned with -vvv are built from it, not from the raw arguments;
* ``secret_values(params)`` names values that are added to ``no_log_values`` BEFORE that log is written,
  so that results, warnings and errors are masked wherever such a value turns up in free text.
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


class SecretAwareModule(AnsibleModule):
    """AnsibleModule whose invocation (syslog and -vvv) is display_params(params), with secret_values masked."""

    def __init__(self, *args, **kwargs):
        self._secret_values = kwargs.pop('secret_values', None) or (lambda params: ())
        self._display_params = kwargs.pop('display_params', None) or (lambda params: params)
        super(SecretAwareModule, self).__init__(*args, **kwargs)
        self._mask_secrets()  # in case a future ansible-core no longer logs through _log_invocation

    def _mask_secrets(self):
        try:
            values = self._secret_values(self.params)
        except Exception:  # pylint: disable=broad-except
            values = ()  # malformed input: validation reports it; never let masking crash the module
        self.no_log_values.update(value for value in values if value)

    def shown_params(self):
        """The module arguments as they may be shown; every option hidden when they cannot be redacted."""
        try:
            return self._display_params(dict(self.params))
        except Exception:  # pylint: disable=broad-except
            return dict((name, '<secret>') for name in self.params)

    def _log_invocation(self):
        self._mask_secrets()
        params = self.params
        self.params = self.shown_params()
        try:
            super(SecretAwareModule, self)._log_invocation()
        finally:
            self.params = params

    def _return_formatted(self, kwargs):
        # 2.19 always returns the invocation, 2.21 only when asked (and drops it otherwise): give the shown one
        kwargs.setdefault('invocation', {'module_args': self.shown_params()})
        return super(SecretAwareModule, self)._return_formatted(kwargs)
