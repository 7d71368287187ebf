"""How long notebook 05's trainability map takes, against the same nets trained one by one with train_net.

    .venv/bin/python benchmarks/trainability_speed.py [--sample 48]

Prints: the default map (16 depths x 16 sigmas x 3 seeds = 768 nets x 10,000 steps) in a fresh process (trace +
XLA compile of the map's one program + run) and again warm; nets per second; the same for `--sample` nets
trained sequentially with train_net (warm: each depth compiled first, not counted); whether those nets got the
same outcome in both; the process's peak resident memory; and the machine's load average, since other
processes share the CPU. A benchmark, not a test: read the numbers.
"""
import argparse
import os
import resource
import time

import numpy as np

import helpers
from helpers import diagnosis, training
from helpers import trainability as tm

DEPTHS = tuple(range(1, 17))
SIGMAS = tuple(np.logspace(-3, 0.5, 16))
SEEDS = (0, 1, 2)


def sequential(cells):
    """Train each (depth, sigma, seed) with train_net; (seconds, outcomes)."""
    outcomes = []
    start = time.perf_counter()
    for depth, sigma, seed in cells:
        try:
            run = helpers.train_net(depth=depth, init="normal", sigma=sigma, seed=seed)
        except helpers.TrainingDiverged as err:
            run = err.result
        outcomes.append(str(diagnosis.outcome(run.losses, run.mean_error())))
    return time.perf_counter() - start, outcomes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=48, help="nets trained one by one with train_net")
    args = parser.parse_args()
    n_nets = len(DEPTHS) * len(SIGMAS) * len(SEEDS)
    print(f"load average before: {os.getloadavg()[0]:.1f} (this machine has {os.cpu_count()} cores)")

    cold = helpers.trainability_map(DEPTHS, SIGMAS, SEEDS)
    print(f"default map, {n_nets} nets x 10,000 steps, fresh process (compile + run): {cold.seconds:6.1f} s")
    warm = helpers.trainability_map(DEPTHS, SIGMAS, SEEDS)
    print(f"default map, warm (compiled):                                  {warm.seconds:6.1f} s  "
          f"= {n_nets / warm.seconds:6.1f} nets/s")
    assert (cold.outcome == warm.outcome).all()
    print("outcomes:", warm.counts())

    rng = np.random.default_rng(0)
    picks = [(int(d), int(s), int(k)) for d, s, k in zip(rng.integers(len(DEPTHS), size=args.sample),
                                                          rng.integers(len(SIGMAS), size=args.sample),
                                                          rng.integers(len(SEEDS), size=args.sample))]
    cells = [(DEPTHS[d], SIGMAS[s], SEEDS[k]) for d, s, k in picks]
    compile_start = time.perf_counter()
    sequential([(depth, 0.1, 0) for depth in sorted({c[0] for c in cells})])     # compile each depth once
    compile_seconds = time.perf_counter() - compile_start
    seconds, outcomes = sequential(cells)
    rate = args.sample / seconds
    print(f"train_net one by one, {args.sample} random cells of the map, warm: {seconds:6.1f} s  = {rate:6.1f} nets/s "
          f"(compiling their {len({c[0] for c in cells})} depths first took {compile_seconds:.1f} s)")
    print(f"batched / sequential: {n_nets / warm.seconds / rate:.1f}x the nets per second (warm); "
          f"{n_nets / cold.seconds / rate:.1f}x with the map's compile time counted")
    same = sum(o == warm.outcome[p] for o, p in zip(outcomes, picks))
    print(f"same outcome as the map in {same} of {args.sample} sampled cells")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"peak resident memory of this process: {peak:.0f} MB (limit {training.MEMORY_LIMIT / 1e6:.0f} MB); "
          f"the map's own estimate: {tm.map_bytes(len(DEPTHS), len(SIGMAS) * len(SEEDS), 16, 10_000) / 1e6:.0f} MB")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
