# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# /// script
# dependencies = ["nox>=2025.02.09", "antsibull-nox"]
# ///

# The sessions are configured in antsibull-nox.toml; `nox --list` shows them. scripts/test runs them in CI.

import os
import re
import shutil
import sys
import tempfile

import nox

try:
    import antsibull_nox
except ImportError:
    print("You need to install antsibull-nox in the same Python environment as nox.")
    sys.exit(1)


antsibull_nox.load_antsibull_nox_toml()


@nox.session(name="changelog-trial", default=True)
def changelog_trial(session: nox.Session) -> None:
    """
    Run `antsibull-changelog release` in a scratch copy and check that the release notes name every module,
    plugin and role exactly once (new ones come from version_added, never from a hand-written fragment too).
    """
    session.install("antsibull-changelog", "ansible-core", "pyyaml")
    version = session.run(
        "python", "-c", "import yaml; print(yaml.safe_load(open('galaxy.yml'))['version'])", silent=True
    ).strip()
    expected = {
        "Modules": [name[:-3] for name in os.listdir("plugins/modules") if name.endswith(".py")],
        "Plugins": [name[:-3] for name in os.listdir("plugins/filter") if name.endswith(".py")],
        "Roles": [name for name in os.listdir("roles") if os.path.isdir(os.path.join("roles", name))],
    }
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "ansible_collections", "devfleet", "claude_code")
        shutil.copytree(".", copy, ignore=shutil.ignore_patterns(".git", ".nox", ".ansible", "tests", "*.tar.gz"))
        with session.chdir(copy):
            session.run("antsibull-changelog", "lint")
            # the galaxy.yml version: new modules and roles are those whose version_added is this release
            session.run("antsibull-changelog", "release", "--version", version, "--date", "2099-01-01")
            with open("CHANGELOG.md", encoding="utf-8") as changelog:
                notes = changelog.read().replace("\\", "")
    wrong = []
    for kind, names in expected.items():
        found = re.search(rf"^### New {kind}\n(.*?)(?=^### |\Z)", notes, re.M | re.S)
        generated = found.group(1) if found else ""
        for name in names:
            count = len(re.findall(rf"^\* devfleet\.claude_code\.{name} - ", generated, re.M))
            # a hand-written fragment announcing it again: "* NAME - new module ..."
            count += len(re.findall(rf"^\* {name} - new ", notes, re.M))
            if count != 1:
                wrong.append(f"{kind[:-1].lower()} {name} listed {count} times")
    if wrong:
        session.error("trial release notes of " + version + ": " + "; ".join(wrong))
    session.log(f"trial release notes of {version} list each new module, plugin and role once")


# Allow to run the noxfile with `python noxfile.py`, `pipx run noxfile.py`, or similar.
if __name__ == "__main__":
    nox.main()
