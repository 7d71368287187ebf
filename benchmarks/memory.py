"""Peak memory of each notebook, run on its own in a fresh kernel, as on Binder (1-2 GB per user).

    python benchmarks/memory.py                      # every notebook, one after the other
    python benchmarks/memory.py notebooks/03_*.ipynb # some of them
    python benchmarks/memory.py --limit-mb 1000      # the limit to check (default: 1000 MB = 1 GB)

Each notebook runs with `binder/start jupyter nbconvert --to notebook --execute` into a temporary folder (the stored notebook is
not touched), so the kernel is a child process of nbconvert. The kernel's figure is its peak resident set size:
the kernel's own high-water mark (VmHWM from /proc on Linux) where there is one, else the largest RSS seen by
polling; "anonymous" is the largest RssAnon seen by polling (the part no memory limit can reclaim).
"all processes" adds nbconvert itself (it stands in for the Jupyter server) at the moment of the
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
START = ROOT / "binder" / "start"
POLL_SECONDS = 0.02


def _is_kernel(process):
    try:
        return "ipykernel_launcher" in " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _status(pid, field):
    """A memory field of /proc/PID/status (Linux) in bytes, or None: VmHWM is the peak RSS so far, as counted
    by the kernel itself; RssAnon the part of the RSS that is not file-backed."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class MemoryCgroup:
    """A Linux memory cgroup with a hard limit, as a container has on Binder (needs root; cgroup v1 or v2).

    Processes started with `preexec_fn=cgroup.enter` run inside it, with all their children. Caveat: the
    cgroup is charged for file pages (TensorFlow's libraries) only if they are not already in the page cache,
    so with a warm cache its peak understates a fresh container's; the limit still applies to everything the
    kernel allocates itself."""

    def __init__(self, limit_bytes):
        name = f"course-memory-{os.getpid()}"
        v1, v2 = Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")
        if (v1 / "memory.limit_in_bytes").exists():
            self.path, self.limit_file, self.peak_file = v1 / name, "memory.limit_in_bytes", "memory.max_usage_in_bytes"
        elif (v2 / "cgroup.controllers").exists() and "memory" in (v2 / "cgroup.controllers").read_text():
            self.path, self.limit_file, self.peak_file = v2 / name, "memory.max", "memory.peak"
        else:
            raise RuntimeError("no writable memory cgroup here (needs Linux, root and the memory controller)")
        self.path.mkdir()
        (self.path / self.limit_file).write_text(str(int(limit_bytes)))

    def enter(self):
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self):
        try:
            return int((self.path / self.peak_file).read_text())
        except (OSError, ValueError):
            return None

    def oom_kills(self):
        for name in ("memory.events", "memory.oom_control"):
            try:
                for line in (self.path / name).read_text().splitlines():
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
            except OSError:
                continue
        return None

    def remove(self):
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def measure(notebook, timeout=1800, cgroup=None):
    """Run one notebook in a fresh kernel; return a dict of peak memory (bytes) and wall time (s)."""
    notebook = Path(notebook).resolve()
    with tempfile.TemporaryDirectory() as out_dir:
        # Through binder/start, as on Binder: the same environment variables reach the kernel.
        start_script = [str(START)] if os.access(START, os.X_OK) else []
        command = start_script + [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                   f"--ExecutePreprocessor.timeout={timeout}", "--output-dir", out_dir, str(notebook)]
        start = time.perf_counter()
        runner = psutil.Popen(command, cwd=notebook.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, preexec_fn=cgroup.enter if cgroup else None)
        peak_kernel_polled = peak_total = peak_anon = 0
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
                    mark = _status(child.pid, "VmHWM")
                    if mark is not None:
                        hwm[child.pid] = mark
                    peak_anon = max(peak_anon, _status(child.pid, "RssAnon") or 0)
            try:
                total += runner.memory_info().rss
            except psutil.NoSuchProcess:
                pass
            peak_total = max(peak_total, total)
            time.sleep(POLL_SECONDS)
        stdout, stderr = runner.communicate()
        seconds = time.perf_counter() - start
    if runner.returncode != 0:
        if cgroup is not None:
            return {"failed": stderr[-1500:], "seconds": seconds, "cgroup_peak": cgroup.peak(),
                    "oom_kills": cgroup.oom_kills()}
        raise RuntimeError(f"{notebook.name} failed to run:\n{stderr[-3000:]}")
    if not kernel_pids:
        raise RuntimeError(f"{notebook.name}: no kernel process was seen")
    peak_kernel = max([peak_kernel_polled, *hwm.values()])
    result = {"kernel": peak_kernel, "anon": peak_anon or None, "total": max(peak_total, peak_kernel),
              "seconds": seconds, "source": "VmHWM" if hwm else "polled RSS"}
    if cgroup is not None:
        result.update(cgroup_peak=cgroup.peak(), oom_kills=cgroup.oom_kills())
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--limit-mb", type=float, default=1000.0, help="the most a kernel may use (MB)")
    parser.add_argument("--cgroup-limit-mb", type=float,
                        help="also run each notebook inside a memory cgroup with this hard limit, as in a container "
                             "(Linux, root), and say whether it still completes")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(str(p) for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
    print(f"Peak memory per notebook, each alone in a fresh kernel (limit {args.limit_mb:.0f} MB per kernel)")
    print(f"{'notebook':34s} {'kernel':>9s} {'anonymous':>10s} {'all processes':>14s} {'time':>7s}")
    over = []
    for notebook in notebooks:
        result = measure(notebook)
        kernel_mb, total_mb = result["kernel"] / 1e6, result["total"] / 1e6
        flag = "  OVER THE LIMIT" if kernel_mb > args.limit_mb else ""
        anon = f"{result['anon'] / 1e6:7.0f} MB" if result["anon"] else "        -"
        print(f"{Path(notebook).name:34s} {kernel_mb:6.0f} MB {anon} {total_mb:11.0f} MB {result['seconds']:6.0f}s{flag}",
              flush=True)
        if flag:
            over.append(Path(notebook).name)
    if args.cgroup_limit_mb:
        print(f"\nThe same notebooks, each in a memory cgroup with a hard limit of {args.cgroup_limit_mb:.0f} MB:")
        for notebook in notebooks:
            cgroup = MemoryCgroup(args.cgroup_limit_mb * 1e6)
            try:
                result = measure(notebook, cgroup=cgroup)
            finally:
                cgroup.remove()
            peak = f"{result['cgroup_peak'] / 1e6:.0f} MB" if result.get("cgroup_peak") else "?"
            if "failed" in result:
                over.append(Path(notebook).name + " (cgroup)")
                print(f"{Path(notebook).name:34s} FAILED under the limit (cgroup peak {peak}, "
                      f"OOM kills {result['oom_kills']})", flush=True)
            else:
                print(f"{Path(notebook).name:34s} completed; cgroup peak {peak}, OOM kills {result['oom_kills']}, "
                      f"{result['seconds']:.0f}s", flush=True)
    print("(kernel: its peak resident memory, the figure checked against the limit; anonymous: the largest part of\n"
          " it not backed by files, which a memory limit cannot reclaim (TensorFlow's ~320 MB of library code is\n"
          " file-backed); all processes: kernel + nbconvert, the largest sum seen)")
    if over:
        print("Over the limit: " + ", ".join(over))
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    sys.exit(main())
