# Copyright: (c) 2026, devfleet.claude_code contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection of scripts/demo: containers.podman.podman, with pipelining.

containers.podman.podman runs ``podman exec`` without ``-i``, so the module cannot come on standard input and the
plugin turns pipelining off: every task costs five ``podman exec`` calls (home directory, temporary directory,
chmod, module, clean-up), about a second per task on 2 cores. This one passes ``-i`` when a module comes on standard
input and pipelines: one ``podman exec`` per task. Everything else (options, put_file through the container's mount,
fetch_file) is containers.podman.podman's. scripts/demo selects it with ANSIBLE_CONNECTION_PLUGINS and
``-e ansible_connection=demo_podman``; the demo inventory itself names containers.podman.podman, so a run by hand
works without this file.
"""

from __future__ import annotations

DOCUMENTATION = """
    name: demo_podman
    short_description: containers.podman.podman with pipelining (one podman exec per task)
    description:
        - The containers.podman.podman connection, with C(podman exec -i) when a module comes on standard input,
          and pipelining always on.
    options:
      remote_addr:
        description:
          - The ID or name of the container.
        default: inventory_hostname
        vars:
          - name: ansible_host
          - name: inventory_hostname
          - name: ansible_podman_host
      remote_user:
        description:
          - The user that runs commands inside the container.
        ini:
          - section: defaults
            key: remote_user
        env:
          - name: ANSIBLE_REMOTE_USER
        vars:
          - name: ansible_user
      podman_extra_args:
        description:
          - Extra arguments for the podman command line.
        default: ''
        ini:
          - section: defaults
            key: podman_extra_args
        vars:
          - name: ansible_podman_extra_args
        env:
          - name: ANSIBLE_PODMAN_EXTRA_ARGS
      podman_executable:
        description:
          - The podman command.
        default: podman
        vars:
          - name: ansible_podman_executable
        env:
          - name: ANSIBLE_PODMAN_EXECUTABLE
"""

from ansible_collections.containers.podman.plugins.connection.podman import Connection as PodmanConnection


class Connection(PodmanConnection):
    transport = 'demo_podman'
    has_pipelining = True
    # the module goes to the container's Python on standard input: no temporary files, one podman exec
    always_pipeline_modules = True

    def _podman(self, cmd, cmd_args=None, in_data=None, use_container_id=True):
        if in_data is not None and isinstance(cmd, list) and cmd[:1] == ['exec']:
            cmd = ['exec', '-i'] + cmd[1:]
        return super()._podman(cmd, cmd_args=cmd_args, in_data=in_data, use_container_id=use_container_id)
