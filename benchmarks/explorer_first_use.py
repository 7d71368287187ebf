"""The explorer's first use of each depth in a fresh kernel, with and without XLA's persistent cache and the
panel's background warm-up. Prints a table (a benchmark, not a test: read it beside the load average).

    .venv/bin/python benchmarks/explorer_first_use.py [--depths 1 4 8] [--wait 5]

Each cell of the table is a fresh Python process (as a fresh kernel is), timed after `import helpers` and
helpers.setup() (notebook 04's set-up cell):
  no cache            COURSE_XLA_CACHE=0, no panel: the move traces and compiles the depth's program
  no cache, panel     the panel opened on depth 1 (show()): its worker compiles every depth, nearest first;
                      the move comes --wait seconds after the panel is shown, as a student's first move would
  cache, panel        the same with XLA's persistent cache warmed first (explorer.warm_cache(), as make install
                      and Binder's postBuild do): the panel traces every depth, then loads each program from disk
Each time is a 10,000-step retrain with the depth's first use in the process (a warm one takes ~10-50 ms);
"open" is how long the panel took to appear (its first run, and in the cache column the tracing of all depths).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
started = time.perf_counter()
import helpers
helpers.setup()
from helpers import explorer as E
imported = time.perf_counter()
mode, depth, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
opened = 0.0
if "panel" in mode:
    panel = E.Explorer("depth=1&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0", precompile=True, prefetch=True)
    opened = time.perf_counter() - imported
    time.sleep(wait)
    moved = time.perf_counter()
    panel.depth.value = depth              # no event loop: the panel retrains at once
    first = time.perf_counter() - moved
    panel.close()
else:
    moved = time.perf_counter()
    E.run(E.ExplorerState(depth=depth))
    first = time.perf_counter() - moved
print(f"{imported - started:.2f} {opened:.3f} {first:.3f}")
"""


def child(mode, depth, wait, cache):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": cache}
    env.pop("TF_XLA_FLAGS", None)
    if "no cache" in mode:
        env["COURSE_XLA_CACHE"] = "0"
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(depth), str(wait)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[-3]), float(out[-2]), float(out[-1])


def load():
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=list(range(1, 9)))
    parser.add_argument("--wait", type=float, default=5.0, help="seconds from opening the panel to the move")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        # Warm the cache as make install does (warm_cache), in a process of its own.
        env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": cache}
        env.pop("TF_XLA_FLAGS", None)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from helpers import explorer; explorer.warm_cache()"], env=env,
                       cwd=ROOT, check=True)
        print(f"warm_cache(): depths 1-8 compiled into the cache in {time.perf_counter() - started:.1f} s "
              f"(load {load()})", flush=True)
        modes = ("no cache", "no cache, panel", "cache, panel")
        print(f"First use of a depth in a fresh process (s); with the panel, the move {args.wait:g} s after it opened")
        print("  depth   " + "   ".join(f"{m:>15s}" for m in modes) + "   panel opened in (s)   load average")
        imports = []
        for depth in args.depths:
            row, opened = [], []
            for mode in modes:
                imported, open_s, first = child(mode, depth, args.wait, cache)
                imports.append(imported)
                row.append(first)
                opened.append(open_s)
            print(f"  {depth:5d}   " + "   ".join(f"{t:15.2f}" for t in row)
                  + f"   {opened[1]:6.1f} / {opened[2]:4.1f}        {load():>8s}", flush=True)
        print(f"(import helpers + setup(): median {statistics.median(imports):.1f} s, not counted above)")


if __name__ == "__main__":
    main()
