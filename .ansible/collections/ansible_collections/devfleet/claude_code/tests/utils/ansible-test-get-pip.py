# Vendored from the shared workplace tools (../shared/tools/ansible-test-get-pip.py) so the tests work without them.
"""Stand-in for ansible-test's get-pip bootstrap script (ci-files.testing.ansible.com is unreachable).

ansible-test runs this file (via GET_PIP / quiet_pip.py) inside a venv made with --without-pip,
passing get-pip.py style arguments (pip install options, 'pip==X.Y', --no-setuptools, --no-wheel).
We seed pip from the interpreter's bundled ensurepip wheel, then let pip install the requested
pip version (and setuptools/wheel unless refused) from the package index.
"""
import ensurepip
import importlib
import os
import runpy
import sys

args = sys.argv[1:]
extra = []
if '--no-setuptools' in args:
    args.remove('--no-setuptools')
else:
    extra.append('setuptools')
if '--no-wheel' in args:
    args.remove('--no-wheel')
else:
    extra.append('wheel')

saved_environ = dict(os.environ)
ensurepip.bootstrap(upgrade=False, default_pip=False, verbosity=0)
# ensurepip sets PIP_CONFIG_FILE=/dev/null (and drops PIP_* vars) in this process: undo that,
# so the machine's pip configuration (certificate bundle, index) applies again.
os.environ.clear()
os.environ.update(saved_environ)
importlib.invalidate_caches()
sys.argv = ['pip', 'install', '--upgrade'] + args + extra
runpy.run_module('pip', run_name='__main__', alter_sys=True)
