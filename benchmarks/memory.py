"""Peak memory of each notebook, run on its own in a fresh kernel, as on Binder (1-2 GB per user).

    python benchmarks/memory.py                      # every notebook, one after the other
    python benchmarks/memory.py notebooks/03_*.ipynb # some of them
    python benchmarks/memory.py --limit-mb 1000      # the limit to check (default: 1000 MB = 1 GB)

Each notebook runs with `jupyter nbconvert --to notebook --execute` into a temporary folder (the stored notebook is
not touched), so the kernel is a child process of nbconvert. The kernel's figure is its peak resident set size:
the kernel's own high-water mark (VmHWM from /proc on Linux) where there is one, else the largest RSS seen by
polling. "all processes" adds nbconvert itself (it stands in for the Jupyter server) at the moment of the
largest sum. Exits 1 if a kernel's peak is over the limit. Figures are in MB of 10^6 bytes.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.02


def _is_kernel(process):
    try:
        return "ipykernel_launcher" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _high_water_mark(pid):
    """The peak RSS the kernel has reached so far, from the kernel's own counter (Linux), in bytes."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def measure(notebook, timeout=1800):
    """Run one notebook in a fresh kernel; return a dict of peak memory (bytes) and wall time (s)."""
    notebook = Path(notebook).resolve()
    with tempfile.TemporaryDirectory() as out_dir:
        command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                   f"--ExecutePreprocessor.timeout={timeout}", "--output-dir", out_dir, str(notebook)]
        start = time.perf_counter()
        runner = psutil.Popen(command, cwd=notebook.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        peak_kernel_polled = peak_total = 0
        kernel_pids = set()
        hwm = {}
        while runner.poll() is None:
            try:
                children = runner.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            total = 0
            for child in children:
                try:
                    rss = child.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
                total += rss
                if _is_kernel(child):
                    kernel_pids.add(child.pid)
                    peak_kernel_polled = max(peak_kernel_polled, rss)
                    mark = _high_water_mark(child.pid)
                    if mark is not None:
                        hwm[child.pid] = mark
            try:
                total += runner.memory_info().rss
            except psutil.NoSuchProcess:
                pass
            peak_total = max(peak_total, total)
            time.sleep(POLL_SECONDS)
        stdout, stderr = runner.communicate()
        seconds = time.perf_counter() - start
    if runner.returncode != 0:
        raise RuntimeError(f"{notebook.name} failed to run:\n{stderr[-3000:]}")
    if not kernel_pids:
        raise RuntimeError(f"{notebook.name}: no kernel process was seen")
    peak_kernel = max([peak_kernel_polled, *hwm.values()])
    return {"kernel": peak_kernel, "total": max(peak_total, peak_kernel), "seconds": seconds,
            "source": "VmHWM" if hwm else "polled RSS"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--limit-mb", type=float, default=1000.0, help="the most a kernel may use (MB)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(str(p) for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    print(f"Peak memory per notebook, each alone in a fresh kernel (limit {args.limit_mb:.0f} MB per kernel)")
    print(f"{'notebook':34s} {'kernel':>9s} {'all processes':>14s} {'time':>7s}")
    over = []
    for notebook in notebooks:
        result = measure(notebook)
        kernel_mb, total_mb = result["kernel"] / 1e6, result["total"] / 1e6
        flag = "  OVER THE LIMIT" if kernel_mb > args.limit_mb else ""
        print(f"{Path(notebook).name:34s} {kernel_mb:6.0f} MB {total_mb:11.0f} MB {result['seconds']:6.0f}s{flag}",
              flush=True)
        if flag:
            over.append(Path(notebook).name)
    print(f"(kernel: its peak resident memory; all processes: kernel + nbconvert, the largest sum seen)")
    if over:
        print("Over the limit: " + ", ".join(over))
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.exit(main())
