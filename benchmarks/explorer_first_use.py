"""The explorer's first use of each depth in a fresh kernel, with and without XLA's persistent cache and the
panel's background warm-up. Prints a table (a benchmark, not a test: read it beside the load average).

    .venv/bin/python benchmarks/explorer_first_use.py [--depths 1 4 8] [--wait 5]

Each cell of the table is a fresh Python process (as a fresh kernel is), timed after `import helpers`:
  no cache     COURSE_XLA_CACHE=0: trace and compile the depth's program (what every kernel did before)
  cache        XLA's persistent cache holds the program (warmed first, as make install and postBuild do):
               trace, then load the compiled program from disk
  panel open   the cache as above, and the panel opened on depth 1 (show()): its worker compiles every depth,
               nearest first; the move comes --wait seconds later, as a student's first move would
Each time is a retrain of 10,000 steps with the depth's first use in the process (the warm run is ~10-50 ms).
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
from helpers import explorer as E
imported = time.perf_counter()
mode, depth, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
if mode == "panel open":
    panel = E.Explorer("depth=1&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0", precompile=True, prefetch=True)
    time.sleep(wait)
    moved = time.perf_counter()
    panel.depth.value = depth              # no event loop: the panel retrains at once
    first = time.perf_counter() - moved
    panel.close()
else:
    moved = time.perf_counter()
    E.run(E.ExplorerState(depth=depth))
    first = time.perf_counter() - moved
print(f"{imported - started:.2f} {first:.3f}")
"""


def child(mode, depth, wait, cache):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CACHE_HOME": cache}
    env.pop("TF_XLA_FLAGS", None)
    if mode == "no cache":
        env["COURSE_XLA_CACHE"] = "0"
    out = subprocess.run([sys.executable, "-c", CHILD, mode, str(depth), str(wait)], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


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
              f"(load {load()})")
        modes = ("no cache", "cache", "panel open")
        print(f"First use of a depth in a fresh process (s); the panel's move {args.wait:g} s after opening it")
        print("  depth   " + "   ".join(f"{m:>10s}" for m in modes) + "   load average   import")
        imports = []
        for depth in args.depths:
            row = []
            for mode in modes:
                imported, first = child(mode, depth, args.wait, cache)
                imports.append(imported)
                row.append(first)
            print(f"  {depth:5d}   " + "   ".join(f"{t:10.2f}" for t in row) + f"   {load():>12s}   {imported:5.1f}",
                  flush=True)
        print(f"(import helpers: median {statistics.median(imports):.1f} s, not counted above)")


if __name__ == "__main__":
    main()
