"""Serve the explorer dashboard with Voila: `make dashboard`, or `python dashboard/serve.py [--port N]`.

Every page gets its own kernel (about 0.9 GB with TensorFlow). Voila keeps one kernel pre-heated: it runs
the explorer as soon as the server starts, and again a second after each page takes the waiting one, so the
next page shows a drawn panel in seconds instead of waiting ~30 s for TensorFlow and the first training
(the server holds at most two kernels while one page is open: the page's and the waiting one). Voila shuts
a page's kernel down when the tab closes (the page's `beforeunload`), and as a backstop the kernel culler
shuts down any kernel that has no open tab and has been idle for CULL_IDLE_S seconds (checked every
CULL_INTERVAL_S): a reload, a crashed tab or a closed laptop lid never leaves kernels piling up. A kernel
with its tab open is never culled (cull_connected is False), however long the class looks at one setting,
and neither is the pre-heated one (dashboard/kernels.py).
"""
import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "explorer.ipynb"
CULL_IDLE_S = 60
CULL_INTERVAL_S = 10


def environment(base=None):
    """The kernels' environment: the course on the path. (XLA's persistent cache, which makes a depth's first
    use fast, is turned on by helpers/quiet.py in every kernel that imports the course, this one included.)"""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE.parent), env.get("PYTHONPATH", "")]))
    return env


def command(port=8866, ip="127.0.0.1", cull_idle_s=CULL_IDLE_S, cull_interval_s=CULL_INTERVAL_S, preheat=True):
    """The voila command line (a list), for make dashboard and for tests/test_browser.py."""
    heat = ["--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1",
            "--VoilaConfiguration.multi_kernel_manager_class=dashboard.kernels.PoolAwareKernelManager"]
    return [str(Path(sys.executable).with_name("voila")), str(NOTEBOOK), f"--Voila.ip={ip}", f"--port={port}",
            "--no-browser", "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
            f"--MappingKernelManager.cull_idle_timeout={cull_idle_s}",
            f"--MappingKernelManager.cull_interval={cull_interval_s}",
            "--MappingKernelManager.cull_connected=False", "--MappingKernelManager.cull_busy=False",
            *(heat if preheat else [])]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8866)
    args = parser.parse_args()
    argv = command(args.port)
    print(f"Serving the explorer dashboard at http://127.0.0.1:{args.port} (Ctrl+C stops it). A page opened in "
          "the next ~30 s waits while the first kernel imports TensorFlow; after that a page opens in seconds.",
          flush=True)
    os.execve(argv[0], argv, environment())
