# -*- coding: utf-8 -*-
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A line-based editor of INI files as the AWS SDKs read them (IniFile, SectionChange). Private.

configparser cannot be used to edit these files: it drops comments, blank lines and the order and
spelling of what it does not understand. IniFile is a small line-based editor instead. It parses a file
the way the AWS SDKs do (Python's RawConfigParser as botocore configures it: ``=`` or ``:`` between key
and value, full-line ``#``/``;`` comments, no inline comments, keys case-insensitive, values continued on
deeper-indented lines, which botocore reads as nested sections such as ``s3 =``), and changes only the
lines of the keys and sections it is asked to change. Every other line stays byte for byte.

A file the SDKs would refuse (duplicate sections or keys, a key before any section, a line that is
neither) is refused here too, with the line number, so that nothing is written on top of it.

What the sections and keys mean (profiles, SSO sessions, which keys are secret) is _aws_config's business.
"""

from __future__ import annotations

import re
import shlex

from ansible_collections.devfleet.claude_code.plugins.module_utils._errors import CollectionError
from ansible_collections.devfleet.claude_code.plugins.module_utils._redact import mask
from ansible_collections.devfleet.claude_code.plugins.module_utils._validate import check_line

KEY = re.compile(r'\A[a-z][a-z0-9_]*\Z')
_SECTION = re.compile(r'\[(?P<header>.+)\]')  # configparser's SECTCRE, matched on the stripped line
_OPTION = re.compile(r'(?P<option>.*?)\s*(?P<vi>[=:])\s*(?P<value>.*)\Z', re.DOTALL)  # configparser's OPTCRE
# botocore reads the files with open() in text mode: universal newlines, so only \r\n, \r and \n end a line
# (str.splitlines would also split on \f, \v, \x1c-\x1e, \x85, U+2028 and U+2029, which botocore keeps)
_LINE = re.compile(r'[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z')
_COMMENT_PREFIXES = ('#', ';')
NESTED_INDENT = '  '


class IniError(CollectionError, ValueError):
    """A file the SDKs would not read, or input that cannot be written. The message is for the user."""


class _Entry(object):
    __slots__ = ('key', 'start', 'end', 'value', 'lineno')

    def __init__(self, key, start, value):
        self.key = key          # lower-cased, as configparser's optionxform makes it
        self.start = start      # index of the "key = value" line
        self.end = start + 1    # one past the last continuation line
        self.value = [value]    # first-line value, then continuation lines ('' for blank lines)
        self.lineno = start + 1

    def text(self):
        """The value as configparser returns it (continuation lines joined with newlines)."""
        lines = list(self.value)
        while len(lines) > 1 and lines[-1] == '':
            lines.pop()
        return '\n'.join(lines)

    def nested(self):
        """The value as botocore reads an indented block: a dict, or None when it is a plain value."""
        if self.value[0] != '' or len(self.value) < 2:
            return None
        parsed = {}
        for line in self.value[1:]:
            if not line:
                continue
            if '=' not in line:
                return None
            key, value = line.split('=', 1)
            parsed[key.strip()] = value.strip()
        return parsed


class _Section(object):
    __slots__ = ('header', 'start', 'entries')

    def __init__(self, header, start):
        self.header = header    # the text between the brackets, as configparser keeps it
        self.start = start      # index of the header line
        self.entries = []

    @property
    def content_end(self):
        """One past the last line that belongs to the section (its header or its last key)."""
        return self.entries[-1].end if self.entries else self.start + 1

    def entry(self, key):
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


def _indent(line):
    return len(line) - len(line.lstrip())


class IniFile(object):
    """A config or credentials file as lines, with just enough structure to edit it in place."""

    def __init__(self, text='', path='the file', bom=False):
        self.path = path
        self.bom = bom  # a UTF-8 byte order mark the file started with (kept, so no change means no write)
        self.lines = _LINE.findall(text)
        self.newline = '\r\n' if self.lines and self.lines[0].endswith('\r\n') else '\n'
        self._parse()

    @classmethod
    def from_bytes(cls, data, path='the file'):
        if data is None:
            return cls('', path)
        bom = data.startswith(b'\xef\xbb\xbf')
        try:
            text = data[3:].decode('utf-8') if bom else data.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise IniError('%s is not UTF-8 text (byte %d); fix or remove it, it was left untouched' % (path, exc.start))
        return cls(text, path, bom)

    def text(self):
        return ''.join(self.lines)

    def to_bytes(self):
        return (b'\xef\xbb\xbf' if self.bom else b'') + self.text().encode('utf-8')

    # -- parsing ----------------------------------------------------------------------------------
    def _error(self, index, what):
        return IniError('%s line %d: %s; the AWS SDKs cannot read this file either. Fix it (or remove it); '
                        'it was left untouched' % (self.path, index + 1, what))

    def _parse(self):
        self.sections = []
        seen_sections = {}
        current = None
        entry = None          # the entry whose value may continue on the next lines
        indent_level = 0
        for index, line in enumerate(self.lines):
            stripped = line.strip()
            if not stripped or stripped.startswith(_COMMENT_PREFIXES):
                if entry is not None and not stripped:
                    entry.value.append('')  # kept only if a continuation line follows
                continue
            level = _indent(line)
            if entry is not None and level > indent_level:
                # a continuation line: blank lines met meanwhile become part of the value, comments do not
                entry.value.append(stripped)
                entry.end = index + 1
                continue
            if entry is not None:
                while len(entry.value) > 1 and entry.value[-1] == '':
                    entry.value.pop()
                entry = None
            indent_level = level
            match = _SECTION.match(stripped)
            if match:
                header = match.group('header')
                if header in seen_sections:
                    raise self._error(index, 'section [%s] appears again (first on line %d)'
                                      % (header, seen_sections[header].start + 1))
                current = _Section(header, index)
                seen_sections[header] = current
                self.sections.append(current)
                continue
            if current is None:
                raise self._error(index, 'a key before the first [section]')
            match = _OPTION.match(stripped)
            if not match or not match.group('option').strip():
                raise self._error(index, 'neither a [section], a "key = value" line nor a comment')
            key = match.group('option').rstrip().lower()
            duplicate = current.entry(key)
            if duplicate is not None:
                raise self._error(index, 'key %s appears twice in [%s] (first on line %d)'
                                  % (key, current.header, duplicate.lineno))
            entry = _Entry(key, index, match.group('value').strip())
            current.entries.append(entry)
        if entry is not None:
            while len(entry.value) > 1 and entry.value[-1] == '':
                entry.value.pop()

    # -- lookups ----------------------------------------------------------------------------------
    def find(self, header):
        """The section with exactly this header text, or None."""
        for section in self.sections:
            if section.header == header:
                return section
        return None

    def find_named(self, kind, name):
        """Sections that botocore reads as ``[kind name]`` (shlex-split), e.g. every spelling of a profile."""
        found = []
        for section in self.sections:
            try:
                parts = shlex.split(section.header)
            except ValueError:
                continue
            if parts == [kind, name]:
                found.append(section)
        return found

    def get(self, header):
        """{key: value} of a section (nested values as dicts), or None when it is missing."""
        section = self.find(header)
        if section is None:
            return None
        out = {}
        for entry in section.entries:
            nested = entry.nested()
            out[entry.key] = nested if nested is not None else entry.text()
        return out

    def headers(self):
        return [section.header for section in self.sections]

    # -- edits ------------------------------------------------------------------------------------
    def _render(self, key, value, indent=''):
        nl = self.newline
        if isinstance(value, dict):
            lines = ['%s%s =%s' % (indent, key, nl)]
            for sub in value:
                lines.append('%s%s%s = %s%s' % (indent, NESTED_INDENT, sub, value[sub], nl))
            return lines
        return ['%s%s = %s%s' % (indent, key, value, nl)]

    def _ensure_trailing_newline(self):
        if self.lines and not self.lines[-1].endswith(('\n', '\r')):
            self.lines[-1] += self.newline

    def add_section(self, header):
        """Append an empty section at the end of the file (after a blank line); return it."""
        if self.find(header) is not None:
            return self.find(header)
        self._ensure_trailing_newline()
        if self.lines and self.lines[-1].strip():
            self.lines.append(self.newline)
        self.lines.append('[%s]%s' % (header, self.newline))
        self._parse()
        return self.find(header)

    def set(self, header, key, value):
        """Set key to value (a string, or a dict for a nested block) in a section, adding the section
        when it is missing. Returns True when the file changed."""
        check_value(key, value)
        section = self.find(header) or self.add_section(header)
        entry = section.entry(key)
        if entry is not None:
            if isinstance(value, dict):
                if entry.nested() == dict((k, str(v)) for k, v in value.items()):
                    return False
            elif entry.nested() is None and entry.text() == value:
                return False
            indent = self.lines[entry.start][:_indent(self.lines[entry.start])]
            self.lines[entry.start:entry.end] = self._render(key, value, indent)
        else:
            self._ensure_trailing_newline()
            at = section.content_end
            indent = ''
            if section.entries:
                first = self.lines[section.entries[0].start]
                indent = first[:_indent(first)]
            if at == len(self.lines) and at > 0 and not self.lines[at - 1].endswith(('\n', '\r')):
                self.lines[at - 1] += self.newline
            self.lines[at:at] = self._render(key, value, indent)
        self._parse()
        return True

    def remove(self, header, key):
        """Remove a key from a section. Returns True when the file changed."""
        section = self.find(header)
        entry = section.entry(key) if section is not None else None
        if entry is None:
            return False
        del self.lines[entry.start:entry.end]
        self._parse()
        return True

    def remove_section(self, header):
        """Remove a section: its header, its keys and the comments between them. Comments and blank lines
        after its last key are kept (they usually introduce the next section). Returns True on change."""
        section = self.find(header)
        if section is None:
            return False
        start, end = section.start, section.content_end
        # do not leave two blank lines where the section was
        if start > 0 and not self.lines[start - 1].strip() and (end >= len(self.lines) or not self.lines[end].strip()):
            start -= 1
        del self.lines[start:end]
        while self.lines and not self.lines[0].strip() and start == 0:
            del self.lines[0]
        self._parse()
        return True

    def redacted(self, is_public, other=None):
        """The text with every value that is_public(key, value) does not allow replaced by <secret>
        (<secret, changed> when it differs from the same key in other, the file before), for diffs."""
        lines = list(self.lines)
        for section in self.sections:
            before = other.get(section.header) if other is not None else None
            for entry in section.entries:
                if is_public(entry.key, entry.nested() or entry.text()):
                    continue
                changed = other is not None and (before or {}).get(entry.key) != entry.text()
                line = self.lines[entry.start]
                match = _OPTION.match(line.strip())
                prefix = line[:_indent(line)] + match.group('option').rstrip() + ' ' + match.group('vi') + ' '
                ending = line[len(line.rstrip('\r\n')):]
                lines[entry.start] = prefix + mask(changed) + ending
                for index in range(entry.start + 1, entry.end):
                    lines[index] = ''
        return ''.join(lines)


def check_value(key, value):
    """Refuse what the SDKs would read back differently, or that would inject lines into the file."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise IniError('%r is not a valid key name (lower-case letters, digits and "_"; no line break or other '
                       'control character)' % (key,))
    values = value.items() if isinstance(value, dict) else [(None, value)]
    for sub, text in values:
        where = key if sub is None else '%s.%s' % (key, sub)
        if sub is not None and (not isinstance(sub, str) or not KEY.fullmatch(sub)):
            raise IniError('%r is not a valid key name in %s (lower-case letters, digits and "_")' % (sub, key))
        if not isinstance(text, str):
            raise IniError('%s must be a string, got %s' % (where, type(text).__name__))
        problem = check_line(where, text)
        if problem:
            raise IniError(problem)
        if text != text.strip():
            raise IniError('%s starts or ends with white space, which the SDKs strip: remove it' % where)
        if not text:
            raise IniError('%s is empty' % where)
        if sub is not None and '=' in sub:
            raise IniError('%s: "=" is not allowed in a nested key' % where)


class SectionChange(object):
    """What one task wants in one section: keys to set (str or dict), keys to remove, or the section gone.

    exclusive: the section ends with exactly the keys of ``values`` (others removed).
    drop_if_empty: remove the section when no key is left in it (credentials sections).
    """

    def __init__(self, values=None, remove=(), exclusive=False, absent=False, drop_if_empty=False,
                 create=True):
        self.values = values or {}
        self.remove = tuple(remove)
        self.exclusive = exclusive
        self.absent = absent
        self.drop_if_empty = drop_if_empty
        self.create = create

    def apply(self, ini, header):
        """Apply to an IniFile in place; return the keys that changed (sorted)."""
        before = ini.get(header)
        if self.absent:
            ini.remove_section(header)
            return sorted(before) if before is not None else []
        if before is None and not self.values:
            return []
        if before is None and not self.create:
            return []
        for key, value in self.values.items():
            ini.set(header, key, value)
        current = ini.get(header) or {}
        doomed = list(self.remove)
        if self.exclusive:
            doomed.extend(key for key in current if key not in self.values)
        for key in doomed:
            ini.remove(header, key)
        if self.drop_if_empty and not ini.get(header):
            ini.remove_section(header)
        after = ini.get(header)
        before, after = before or {}, after or {}
        return sorted(key for key in set(before) | set(after) if before.get(key) != after.get(key))
