# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's errors and how a module reports them. Private to the collection.

Every error the collection raises for the user (bad input, a file that cannot be used safely, a check that
failed) is a CollectionError: its message is meant for the user as it is, and it names no secret (free text
is masked by the module's no_log_values on top). ``failing_on_errors(module)`` turns them, and OSError, into
``fail_json``; a module wraps its work in it instead of repeating the except blocks.

This file imports nothing of the collection: every other module_utils file may import it.
"""

from __future__ import annotations

import contextlib


class CollectionError(Exception):
    """Base of the collection's errors. The message is meant for the user as it is."""


def os_error_message(exc, what):
    """An OSError as one line: the file it is about (or what) and the reason, without a traceback."""
    return '%s: %s' % (exc.filename or what, exc.strerror or exc)


@contextlib.contextmanager
def failing_on_errors(module, what='file', result=None):
    """Run the block; a CollectionError or OSError becomes module.fail_json(msg=..., **result).

    what names the file an OSError without a file name is about; result (a dict, read when the error happens) is
    returned along with the message. SystemExit (exit_json, fail_json inside the block) passes through.
    """
    try:
        yield
    except CollectionError as exc:
        module.fail_json(msg=str(exc), **(result or {}))
    except OSError as exc:
        module.fail_json(msg=os_error_message(exc, what), **(result or {}))
