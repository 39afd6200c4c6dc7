"""The spawner of the single-machine hub: JupyterHub's LocalProcessSpawner, with per-user limits enforced."""

from __future__ import annotations

import os
import resource

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.traitlets import ByteSpecification
from traitlets import Integer

from . import memory_cgroup


class CourseSpawner(LocalProcessSpawner):
    """Runs each user's server as their unix account, inside a memory cgroup of ``mem_limit``, with at most
    ``max_processes`` processes and files of at most ``max_file_size``, at CPU priority ``nice``."""

    max_processes = Integer(1024, help="""Processes and threads a user may run at once: their server, its kernels,
        terminals and everything these start, together (RLIMIT_NPROC, counted per unix account). A TensorFlow
        kernel starts about two threads per core""").tag(config=True)
    max_file_size = ByteSpecification(2 * 1024**3, help="""Largest file a user's server, kernels and terminals may
        write, in bytes or with a K, M, G or T suffix (RLIMIT_FSIZE). Not a bound on their disk use in all:
        README, "Limits", says how to set disk quotas per user""").tag(config=True)

    nice = Integer(10, help="""CPU priority of users' servers and all they start, as nice(1) counts (0 to 19): above 0,
        the hub and its proxy (logins, pages, every request to a server) go first while a class's servers, starting,
        take every core""").tag(config=True)

    _cgroup = None

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        limits = {resource.RLIMIT_NPROC: self.max_processes, resource.RLIMIT_FSIZE: self.max_file_size}
        nice = self.nice
        group = None
        if self.mem_limit and not memory_cgroup.unavailable_reason():
            self._cgroup = group = memory_cgroup.prepare(name, self.mem_limit)

        def limit_then_become_user():
            # still root here; the server and everything it starts inherit the limits and the cgroup
            for which, value in limits.items():
                resource.setrlimit(which, (value, value))
            os.setpriority(os.PRIO_PROCESS, 0, nice)
            if group:
                memory_cgroup.enter(group)
            become_user()

        return limit_then_become_user

    async def stop(self, now=False):
        await super().stop(now=now)
        if self._cgroup:
            memory_cgroup.remove(self._cgroup)
