# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The import rule of docs/architecture.md ("Layers"), checked on the source: which file may import which.

A module_utils file imports only files of a LOWER layer (so there is no cycle and the mechanisms at the bottom
never learn about the domains above them); modules import module_utils, never each other; module_utils never
import controller code (plugin_utils, filters, action plugins) or modules. A new module_utils file must be
given a layer here and a line in docs/architecture.md.
"""

from __future__ import annotations

import ast
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
PACKAGE = 'ansible_collections.devfleet.claude_code.plugins.'

# the layers of docs/architecture.md, bottom first
LAYERS = {
    # 0 foundations: import nothing of the collection
    '_errors': 0, '_validate': 0, '_claude_env_names': 0, '_module': 0, '_bedrock': 0, '_api_key_helper_fetcher': 0,
    # 1 the one-way mechanisms: writing files, JSON, showing values, running as a user
    '_fs': 1, '_json': 1, '_redact': 1, '_run_as': 1,
    # 2 file formats
    '_settings': 2, '_ini': 2,
    # 3 domains
    '_aws_config': 3, '_gcloud_adc': 3, '_litellm': 3, '_pull_agent': 3, '_api_key_helper_config': 3,
    # 4, 5 resources built from several domains
    '_api_key_helper_script': 4, '_api_key_helper': 5, '_doctor': 5,
}


def python_files(kind):
    directory = os.path.join(ROOT, 'plugins', kind)
    return sorted(name[:-3] for name in os.listdir(directory) if name.endswith('.py') and name != '__init__.py')


def collection_imports(kind, name):
    """(plugin kind, file name) of every import of the collection's own code in plugins/<kind>/<name>.py."""
    with open(os.path.join(ROOT, 'plugins', kind, name + '.py')) as handle:
        tree = ast.parse(handle.read())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            parts = node.module[len(PACKAGE):].split('.')
            if len(parts) == 1:  # from ...plugins.module_utils import _gcloud_adc
                found.extend((parts[0], alias.name) for alias in node.names)
            else:
                found.append((parts[0], parts[1]))
        elif isinstance(node, ast.Import):
            found.extend(tuple(alias.name[len(PACKAGE):].split('.')[:2]) for alias in node.names
                         if alias.name.startswith(PACKAGE))
    return found


def test_every_module_utils_file_has_a_layer():
    assert sorted(python_files('module_utils')) == sorted(LAYERS)


@pytest.mark.parametrize('name', sorted(LAYERS))
def test_module_utils_import_only_lower_layers(name):
    for kind, target in collection_imports('module_utils', name):
        assert kind == 'module_utils', '%s imports plugins.%s.%s: module_utils run on the host, alone' % (
            name, kind, target)
        assert LAYERS[target] < LAYERS[name], '%s (layer %d) imports %s (layer %d)' % (
            name, LAYERS[name], target, LAYERS[target])


@pytest.mark.parametrize('name', python_files('modules'))
def test_modules_import_module_utils_only(name):
    for kind, target in collection_imports('modules', name):
        assert (kind, target in LAYERS) == ('module_utils', True), '%s imports plugins.%s.%s' % (name, kind, target)


def test_architecture_doc_covers_every_module_utils_file():
    with open(os.path.join(ROOT, 'docs', 'architecture.md')) as handle:
        doc = handle.read()
    missing = [name for name in LAYERS if '`%s.py`' % name not in doc]
    assert not missing, 'docs/architecture.md does not describe %s' % ', '.join(missing)
