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
import yaml  # antsibull-nox brings it

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


# The guides: docs/<name>.md is the one source (GitHub and Galaxy show it); the collection docsite that antsibull-docs
# renders reads RST only, so docs/docsite/rst/<name>.rst is generated from it with pandoc (the binary that the
# pinned pypandoc-binary wheel brings: the same pandoc everywhere, so the same output) and
# docs/docsite/md2rst.lua. `nox -e docsite` writes them; `nox -e docsite-check` fails when they are stale.
PANDOC_PACKAGE = "pypandoc-binary==1.17"
DOCSITE_RST = os.path.join("docs", "docsite", "rst")


def _guides() -> list[str]:
    return sorted(name[:-3] for name in os.listdir("docs") if name.endswith(".md"))


def _write_guides_rst(session: nox.Session, dest: str) -> None:
    """docs/*.md -> dest/*.rst"""
    pandoc = session.run(
        "python", "-c", "import pypandoc; print(pypandoc.get_pandoc_path())", silent=True
    ).strip()
    with open("galaxy.yml", encoding="utf-8") as galaxy:
        repository = re.search(r"^repository:\s*(\S+)", galaxy.read(), re.M).group(1)
    os.makedirs(dest, exist_ok=True)
    for name in _guides():
        out = os.path.join(dest, name + ".rst")
        session.run(
            pandoc, "--from=gfm", "--to=rst", "--wrap=preserve", "--lua-filter=docs/docsite/md2rst.lua",
            f"--metadata=docname={name}", f"--metadata=repository={repository}", "--metadata=branch=main",
            f"--output={out}", os.path.join("docs", name + ".md"), external=True, silent=True,
        )
        with open(out, encoding="utf-8") as rst:
            text = rst.read()
        with open(out, "w", encoding="utf-8") as rst:
            rst.write(f"..\n  Generated from docs/{name}.md by `nox -e docsite`: edit that file, not this one.\n\n" + text)


@nox.session(name="docsite", default=False)
def docsite(session: nox.Session) -> None:
    """
    Write docs/docsite/rst/*.rst from the guides docs/*.md (run it after editing a guide).
    """
    session.install(PANDOC_PACKAGE)
    if os.path.isdir(DOCSITE_RST):
        shutil.rmtree(DOCSITE_RST)
    _write_guides_rst(session, DOCSITE_RST)
    session.log(f"wrote {len(_guides())} guides to {DOCSITE_RST}")


# Warnings that only say the build machine is offline: the intersphinx inventories of docs.python.org and
# docs.ansible.com, and the labels of the Ansible docs (common_return_values, ...) that antsibull-docs' pages refer
# to through them. An undefined label of this collection is never one of these.
OFFLINE_WARNINGS = re.compile(
    r"failed to reach any of the inventories|intersphinx inventory "
    r"|undefined label: '(?!ansible_collections\.devfleet\.)[^']*' \[ref\.ref\]"
)


@nox.session(name="docsite-check", default=True)
def docsite_check(session: nox.Session) -> None:
    """
    Check that docs/docsite/rst is docs/*.md as `nox -e docsite` writes it and that extra-docs.yml lists every guide
    once, then render the collection docsite with antsibull-docs and Sphinx and check that the guides are in it and
    that Sphinx warns about nothing but an offline machine.
    """
    session.install(PANDOC_PACKAGE)
    guides = _guides()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        _write_guides_rst(session, os.path.join(tmp, "rst"))
        committed = sorted(name for name in os.listdir(DOCSITE_RST)) if os.path.isdir(DOCSITE_RST) else []
        for name in sorted(set(committed) | {guide + ".rst" for guide in guides}):
            fresh = os.path.join(tmp, "rst", name)
            if not os.path.exists(fresh):
                problems.append(f"{DOCSITE_RST}/{name} has no docs/{name[:-4]}.md")
            elif name not in committed:
                problems.append(f"{DOCSITE_RST}/{name} is missing")
            else:
                with open(fresh, encoding="utf-8") as a, open(os.path.join(DOCSITE_RST, name), encoding="utf-8") as b:
                    if a.read() != b.read():
                        problems.append(f"{DOCSITE_RST}/{name} is stale (docs/{name[:-4]}.md changed)")
    with open(os.path.join("docs", "docsite", "extra-docs.yml"), encoding="utf-8") as extra:
        listed = [entry["ref"] for section in yaml.safe_load(extra)["sections"] for entry in section["toctree"]]
    for guide in guides:
        if listed.count(guide) != 1:
            problems.append(f"docs/docsite/extra-docs.yml lists {guide} {listed.count(guide)} times")
    if problems:
        session.error("; ".join(problems) + ". Run `nox -e docsite` and commit docs/docsite.")
    session.log(f"{DOCSITE_RST}: {len(guides)} guides, up to date and listed once")

    # render it as docs.ansible.com would: antsibull-docs writes the RST, Sphinx the HTML
    session.install("ansible-core", "antsibull-docs>=2.0.0,<3.0.0", "ansible-pygments", "sphinx",
                    "sphinx-ansible-theme>=0.9.0")
    with tempfile.TemporaryDirectory() as tmp:
        collection = os.path.join(tmp, "ansible_collections", "devfleet", "claude_code")
        shutil.copytree(".", collection, ignore=shutil.ignore_patterns(
            ".git", ".nox", ".ansible", ".cache", ".venv*", "tests", "*.tar.gz", "build"))
        site = os.path.join(tmp, "site")
        os.mkdir(site, 0o700)
        env = {"ANSIBLE_COLLECTIONS_PATH": tmp}
        session.run("antsibull-docs", "sphinx-init", "--use-current", "--squash-hierarchy", "--fail-on-error",
                    "--dest-dir", site, "devfleet.claude_code", env=env, silent=True)
        rst = os.path.join(site, "rst")
        os.chmod(rst, 0o755)
        session.run("antsibull-docs", "--config-file", os.path.join(site, "antsibull-docs.cfg"), "collection",
                    "--cleanup", "everything", "--fail-on-error", "--use-current", "--squash-hierarchy",
                    "--dest-dir", rst, "devfleet.claude_code", env=env, silent=True)
        warnings = os.path.join(tmp, "warnings.txt")
        session.run("sphinx-build", "-M", "html", rst, os.path.join(site, "build"), "-c", site, "-q",
                    "-w", warnings, env=env)
        with open(warnings, encoding="utf-8") as file:
            lines = [line for line in file.read().splitlines() if "WARNING" in line or "ERROR" in line]
        real = [line for line in lines if not OFFLINE_WARNINGS.search(line)]
        html = os.path.join(site, "build", "html")
        missing = [guide for guide in guides if not os.path.exists(os.path.join(html, "docsite", guide + ".html"))]
        with open(os.path.join(html, "index.html"), encoding="utf-8") as index:
            index_html = index.read()
        unlinked = [guide for guide in guides if f"docsite/{guide}.html" not in index_html]
    problems = real + [f"no page for docs/{g}.md" for g in missing]
    problems += [f"index.html does not link docs/{g}.md" for g in unlinked]
    if problems:
        session.error("docsite: " + "; ".join(problems))
    session.log(f"docsite rendered: {len(guides)} guides, linked from its index; "
                f"{len(lines)} warnings, all from an offline machine")


# Allow to run the noxfile with `python noxfile.py`, `pipx run noxfile.py`, or similar.
if __name__ == "__main__":
    nox.main()
