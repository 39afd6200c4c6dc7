"""The spawner of the single-machine hub: JupyterHub's LocalProcessSpawner, with ``mem_limit`` enforced."""

from __future__ import annotations

from jupyterhub.spawner import LocalProcessSpawner

from . import memory_cgroup


class CourseSpawner(LocalProcessSpawner):
    """Runs each user's server as their unix account, inside a memory cgroup of ``mem_limit``."""

    _cgroup = None

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        if not self.mem_limit or memory_cgroup.unavailable_reason():
            return become_user
        self._cgroup = group = memory_cgroup.prepare(name, self.mem_limit)

        def enter_cgroup_then_become_user():
            memory_cgroup.enter(group)  # still root here; the server and its kernels inherit the cgroup
            become_user()

        return enter_cgroup_then_become_user

    async def stop(self, now=False):
        await super().stop(now=now)
        if self._cgroup:
            memory_cgroup.remove(self._cgroup)
