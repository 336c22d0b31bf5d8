# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names and values that land in a file or a script: one line, no control characters. Private to the collection.

Every pattern in the collection that accepts a name is anchored with ``\\A...\\Z`` (or used with
``fullmatch``): ``$`` also matches before a trailing newline, so ``^NAME$`` accepts ``"NAME\\n"``.
"""

from __future__ import annotations

import unicodedata

# characters some reader treats as a line break although they are not control characters
LINE_SEPARATORS = frozenset(('\u2028', '\u2029'))


def bad_character(text, allow_tab=False):
    """The first control character (or Unicode line/paragraph separator) in text, or None."""
    for char in text:
        if char == '\t' and allow_tab:
            continue
        if char in LINE_SEPARATORS or unicodedata.category(char) == 'Cc':
            return char
    return None


def describe_character(char):
    names = {'\n': 'a line break (\\n)', '\r': 'a carriage return (\\r)', '\x00': 'a NUL byte', '\t': 'a tab',
             '\x0c': 'a form feed (\\f)', '\x0b': 'a vertical tab (\\v)'}
    return names.get(char, 'the control character U+%04X' % ord(char))


def check_line(what, text, allow_tab=False):
    """Return an error message when text holds a control character, else None. what names the option."""
    char = bad_character(text, allow_tab)
    if char is None:
        return None
    return ('%s contains %s; names and values written to files must be a single line without control '
            'characters' % (what, describe_character(char)))
