# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""JSON the way the programs that read our files (Node's JSON.parse, google-auth) understand it.

Private to the collection. Python's json module accepts and writes NaN, Infinity and -Infinity, reads numbers
such as 1e400 as infinity (and writes them back as Infinity), raises RecursionError on deep nesting and cannot
encode a lone surrogate ("\\ud800") as UTF-8. Each of these would either crash a module with a traceback or
write a file Claude Code cannot parse. Here:

* ``loads`` rejects NaN/Infinity/-Infinity and numbers that do not fit a double (JSON.parse would read them
  as Infinity, which JSON.stringify writes as null), and nesting deeper than MAX_DEPTH, with JsonError;
* ``dumps`` never writes NaN or Infinity (JsonError), and escapes lone surrogates as ``\\udXXX`` the way
  JSON.stringify does, so any string JSON.parse accepted is written back as it came.
"""

from __future__ import annotations

import json
import math
import re

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError

MAX_DEPTH = 256
_SURROGATE = re.compile('[\ud800-\udfff]')


class JsonError(CollectionError, ValueError):
    """Text or data that is not JSON as Node reads it. The message says where, never what a value is."""


def _constant(name):
    raise JsonError('%s is not a JSON value (JSON.parse rejects it)' % name)


def _float(text):
    value = float(text)
    if math.isinf(value):
        raise JsonError('the number %s is too large for JSON.parse (it would read Infinity)' % _short(text))
    return value


def _int(text):
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (sys.set_int_max_str_digits)
        return _float(text)


def _short(text):
    return text if len(text) <= 24 else text[:12] + '...' + text[-8:]


def _check_depth(value):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > MAX_DEPTH:
            raise JsonError('nested more than %d levels deep' % MAX_DEPTH)
        stack.extend((child, depth + 1) for child in children)


def loads(text):
    """Parse JSON text; raise JsonError (with line and column where the parser gives them)."""
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except JsonError:
        raise
    except RecursionError:
        raise JsonError('nested too deeply to be read')
    except ValueError as exc:  # json.JSONDecodeError included
        lineno, colno = getattr(exc, 'lineno', None), getattr(exc, 'colno', None)
        message = getattr(exc, 'msg', None) or str(exc)
        if lineno is not None:
            raise JsonError('line %s column %s: %s' % (lineno, colno, message))
        raise JsonError(message)
    _check_depth(value)
    return value


def dumps(data, indent=2):
    """Serialise like JSON.stringify(data, null, indent) (key order kept); raise JsonError for non-JSON data."""
    _check_depth(data)
    try:
        text = json.dumps(data, indent=indent, ensure_ascii=False, separators=(',', ': '), allow_nan=False)
    except RecursionError:
        raise JsonError('nested too deeply to be written')
    except ValueError:
        raise JsonError('NaN and Infinity cannot be written as JSON (JSON.parse rejects them)')
    except TypeError as exc:
        raise JsonError(str(exc))
    return _SURROGATE.sub(lambda match: '\\u%04x' % ord(match.group()), text)
