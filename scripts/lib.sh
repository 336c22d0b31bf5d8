# shellcheck shell=bash
# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shared by scripts/test and scripts/demo: find Pythons, make the controller virtualenvs, install system
# packages, and copy the collection into an ansible_collections/ tree. Sourced, not run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$(id -u)" = 0 ]; then
  : "${DFCC_CACHE:=/var/cache/devfleet-claude-code}"
else
  : "${DFCC_CACHE:=$HOME/.cache/devfleet-claude-code}"
fi
export DFCC_CACHE
# one tree per checkout, so several clones or worktrees can run their tests side by side
TREE="$DFCC_CACHE/tree-$(printf '%s' "$REPO" | sha256sum | cut -c1-10)"
COLLECTION="$TREE/ansible_collections/devfleet/claude_code"

# colour only for a person at a terminal (https://no-color.org): logs and CI files get plain text
if [ -t 2 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
  _BOLD=$'\033[1m' _RED=$'\033[31m' _PLAIN=$'\033[0m'
else
  _BOLD='' _RED='' _PLAIN=''
fi
log() { printf '\n%s== %s%s\n' "$_BOLD" "$*" "$_PLAIN" >&2; }
note() { printf '   %s\n' "$*" >&2; }
die() { printf '%sERROR: %s%s\n' "$_RED" "$*" "$_PLAIN" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (it creates users, containers and system services): run it as root, for example with sudo"
}

# apt_install PKG...: install the Debian/Ubuntu packages that are missing
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
  [ "$(id -u)" = 0 ] || die "missing packages ${missing[*]}: install them or run as root"
  log "apt-get install ${missing[*]}"
  local out
  out=$(mktemp)
  { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } \
    >"$out" 2>&1 || { tail -n 20 "$out" >&2; rm -f "$out"; die "apt-get install ${missing[*]} failed"; }
  rm -f "$out"
  # remembered for `scripts/demo --clean`, which says how to remove them
  mkdir -p "$DFCC_CACHE"
  printf '%s\n' "${missing[@]}" >>"$DFCC_CACHE/apt-installed.txt"
}

# python_candidates MINOR: paths and names of Pythons 3.MINOR worth trying, most specific first
python_candidates() {
  local v=$1 root found
  echo "python3.$v"
  echo "/usr/bin/python3.$v"
  echo "/usr/local/bin/python3.$v"
  # pyenv's shims refuse a version that is not selected: use the interpreters themselves
  for root in "${PYENV_ROOT:-}" "$HOME/.pyenv" /root/.pyenv /opt/pyenv; do
    [ -n "$root" ] || continue
    for found in "$root"/versions/3."$v".*/bin/python3."$v"; do
      [ -x "$found" ] && echo "$found"
    done
  done
  if command -v uv >/dev/null 2>&1; then
    uv python find --no-project "3.$v" 2>/dev/null || true
  fi
}

# python_between MIN MAX: print the first working python3.MIN..3.MAX (one with venv and ensurepip), trying
# $DFCC_PYTHON and python3 first, then the newest minor version first: PATH, /usr/bin, /usr/local/bin, pyenv
# versions, `uv python find`
python_between() {
  local min=$1 max=$2 candidate version v found
  local candidates=("${DFCC_PYTHON:-}" python3)
  for ((v = max; v >= min; v--)); do
    while IFS= read -r candidate; do candidates+=("$candidate"); done < <(python_candidates "$v")
  done
  for candidate in "${candidates[@]}"; do
    [ -n "$candidate" ] || continue
    # a pyenv shim that refuses fails here; one that works prints the interpreter behind it
    found=$("$candidate" -c 'import sys, venv, ensurepip; print(sys.version_info[1], sys.executable)' 2>/dev/null) || continue
    version=${found%% *}
    if [ "$version" -ge "$min" ] && [ "$version" -le "$max" ] && [ -x "${found#* }" ]; then
      echo "${found#* }"
      return 0
    fi
  done
  return 1
}

# with_lock NAME COMMAND...: run a command holding an exclusive lock shared by every checkout on this machine
# (stages that create users, containers or shared caches must not run twice at once)
# The locks live outside $DFCC_CACHE: checkouts with different caches still share the machine's users and /etc.
# Root's locks are machine-wide (/tmp/devfleet-claude-code-locks, root-owned): root stages use the machine's users,
# /etc and containers. An ordinary user's stages touch only their own caches (~/.cache, ~/.ansible), so their
# locks are theirs too (~/.cache/devfleet-claude-code-locks): a root run never locks them out, and they can never
# hold up a root run. DFCC_LOCK_DIR overrides both.
lock_dir() {
  if [ -n "${DFCC_LOCK_DIR:-}" ]; then
    echo "$DFCC_LOCK_DIR"
  elif [ "$(id -u)" = 0 ]; then
    echo /tmp/devfleet-claude-code-locks
  else
    echo "$HOME/.cache/devfleet-claude-code-locks"
  fi
}
with_lock() {
  local name=$1 dir
  dir=$(lock_dir)
  shift
  mkdir -p "$dir"
  (
    flock 9
    "$@"
  ) 9>"$dir/$name.lock"
}

# make_venv NAME PYTHON REQUIREMENTS...: a virtualenv in the cache, rebuilt when the requirements change
make_venv() {
  with_lock "venv-$1" _make_venv "$@"
}
_make_venv() {
  local name=$1 python=$2 dir stamp
  shift 2
  stamp=$( (
    "$python" --version
    cat "$@"
  ) 2>&1 | sha256sum | cut -c1-12)
  # keyed by what it holds: checkouts with different requirements never rebuild each other's venv mid-run
  dir="$DFCC_CACHE/$name-$stamp"
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "$dir"
    return 0
  fi
  log "virtualenv $name ($("$python" --version 2>&1))"
  rm -rf "$dir"
  mkdir -p "$DFCC_CACHE"
  "$python" -m venv "$dir" >&2
  "$dir/bin/python" -m pip install -q --upgrade pip >&2
  local req
  for req in "$@"; do "$dir/bin/python" -m pip install -q -r "$req" >&2; done
  echo "$stamp" >"$dir/.stamp"
  chmod -R a+rX "$dir"
  echo "$dir"
}

# sync_tree: copy the working tree (tracked and new files, not ignored ones) to $COLLECTION, as a git
# repository, because ansible-test must run inside ansible_collections/NAMESPACE/NAME and uses git to list files
sync_tree() {
  rm -rf "$COLLECTION"
  mkdir -p "$COLLECTION"
  (
    cd "$REPO" || exit
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
      git ls-files -z -co --exclude-standard
    else
      find . -path ./.git -prune -o -path ./tests/output -prune -o \( -type f -o -type l \) -print0
    fi
  ) | (cd "$REPO" && python3 -c '
import os, shutil, sys
dest = sys.argv[1]
for name in sys.stdin.buffer.read().decode().split("\0"):
    if not name or not os.path.lexists(name):
        continue
    target = os.path.join(dest, name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy2(name, target, follow_symlinks=False)
' "$COLLECTION")
  # variables every integration target gets (ansible-test passes this file as extra vars)
  printf -- '---\n# Written by scripts/lib.sh\nsetup_claude_cli_cache: %s\n' "$DFCC_CACHE" \
    >"$COLLECTION/tests/integration/integration_config.yml"
  (
    cd "$COLLECTION" || exit
    git init -q
    git add -A
  )
  chmod -R a+rX "$TREE"
}

# install_get_pip_standin VENV: ansible-test bootstraps pip in its venvs with a script it downloads from
# ci-files.testing.ansible.com; where that host is unreachable, a stand-in in its cache does the same job
install_get_pip_standin() {
  local venv=$1 version cache
  version=$("$venv/bin/python" - <<'EOF'
import os, re, ansible_test
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
EOF
)
  cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
  if [ ! -s "$cache" ]; then
    mkdir -p "$(dirname "$cache")"
    cp "$REPO/tests/utils/ansible-test-get-pip.py" "$cache"
  fi
}

# test_collections: collections the tests need (containers.podman for molecule's podman driver, ansible.posix,
# community.general), taken from the `ansible` wheel on PyPI because Ansible Galaxy may be unreachable. Prints the
# directory to add to ANSIBLE_COLLECTIONS_PATH. Needs $VENV (the caller's controller virtualenv).
ANSIBLE_PACKAGE_VERSION=12.3.0
test_collections() {
  with_lock test-collections _test_collections
}
_test_collections() {
  local dir="$DFCC_CACHE/test-collections-$ANSIBLE_PACKAGE_VERSION"
  if [ ! -d "$dir/ansible_collections/containers/podman" ]; then
    log "collections from ansible==$ANSIBLE_PACKAGE_VERSION (PyPI)"
    local tmp
    tmp=$(mktemp -d)
    # shellcheck disable=SC2153  # VENV is set by the script that sources this file
    "$VENV/bin/python" -m pip download -q --no-deps "ansible==$ANSIBLE_PACKAGE_VERSION" -d "$tmp" >&2
    "$VENV/bin/python" - "$tmp"/ansible-*.whl "$dir.tmp" <<'PYEOF'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
wanted = ('ansible_collections/containers/podman/', 'ansible_collections/ansible/posix/',
          'ansible_collections/community/general/')
with zipfile.ZipFile(wheel) as archive:
    archive.extractall(dest, [name for name in archive.namelist() if name.startswith(wanted)])
PYEOF
    rm -rf "$tmp" "$dir"
    mv "$dir.tmp" "$dir"
    chmod -R a+rX "$dir"
  fi
  echo "$dir"
}
