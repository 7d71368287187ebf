"""The dashboard's kernel manager: waiting in Voila's pool of pre-heated kernels counts as activity.

Voila (with preheat_kernel) starts a kernel and runs the explorer in it *before* anyone opens the page, so the
next visitor gets a panel that is already drawn. Voila keeps the culler away from that kernel while it waits,
but the kernel's last activity stays at the moment it finished running: once a page takes it, it is "idle
for" as long as it waited, and the culler shut it down in the second between leaving the pool and the page
connecting (measured: a kernel that had waited 34 s, with a 15 s idle limit; the page never showed its panel).
So before each culling round the waiting kernels are marked active: a page that takes one gets the whole idle
time to connect. Every kernel a page has used is culled as before once its tab is gone.
"""
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager


class PoolAwareKernelManager(AsyncMappingKernelManager):
    def pooled(self):
        """The ids of the pre-heated kernels waiting in Voila's pool (no page has taken them yet)."""
        ids = []
        for pool in getattr(self, "_pools", {}).values():   # _pools: Voila's VoilaKernelManager, built on us
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    ids.append(task.result().get("kernel_id"))
        return ids

    async def cull_kernels(self):
        for kernel_id in self.pooled():
            if kernel_id in self:
                self.get_kernel(kernel_id).last_activity = utcnow()
        await super().cull_kernels()
