# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures shared by the unit tests of the LiteLLM proxy configuration code."""

from __future__ import annotations

import os
import sys
import textwrap

import pytest

FAKE_PROXY_SERVER = textwrap.dedent('''\
    import os, yaml

    class ProxyConfig(object):
        async def load_config(self, router, config_file_path):
            with open(config_file_path) as handle:
                config = yaml.safe_load(handle)
            if os.environ.get('FAKE_LITELLM_RAISE'):
                raise ValueError('Invalid routing_strategy')
            models = [m for m in config.get('model_list') or [] if not m['litellm_params']['model'].startswith('nosuch/')]
            return None, models, config.get('general_settings') or {}
''')


@pytest.fixture
def fake_venv(tmp_path):
    """A 'virtualenv' whose python sees a stand-in litellm package (version in FAKE_VERSION)."""
    def make(version='1.108.7'):
        site = tmp_path / 'site'
        package = site / 'litellm' / 'proxy'
        package.mkdir(parents=True)
        (site / 'litellm' / '__init__.py').write_text('')
        (package / '__init__.py').write_text('')
        (package / 'proxy_server.py').write_text(FAKE_PROXY_SERVER)
        dist = site / ('litellm-%s.dist-info' % version)
        dist.mkdir()
        (dist / 'METADATA').write_text('Metadata-Version: 2.1\nName: litellm\nVersion: %s\n' % version)
        bindir = tmp_path / 'venv' / 'bin'
        bindir.mkdir(parents=True)
        python = bindir / 'python'
        python.write_text('#!/bin/sh\nPYTHONPATH=%s:%s exec %s "$@"\n' % (site, os.pathsep.join(p for p in sys.path if p), sys.executable))
        python.chmod(0o755)
        return str(tmp_path / 'venv')
    return make
