"""How long 10,000 training steps take, three ways, and how fast the explorer answers. Prints figures.

    .venv/bin/python benchmarks/train_speed.py [--steps 10000] [--eager-steps 10000] [--repeats 7]
                                               [--skip-explorer]

train_net        the whole run, with its recordings, in one XLA-compiled tf.function
TF1 sess.run     a tf.compat.v1 graph with one sess.run per step (the original question's way)
eager loop       Keras layers and SGD in a Python loop with a GradientTape per step

explorer         per depth 1-8: first use (compile) and warm retrain; then the widget path,
                 callback start -> figure in the panel, split into training and drawing

A benchmark, not a test: run it on a quiet machine and read the numbers.
"""
import argparse
import statistics
import time

import helpers
from helpers import legacy

INITS = ("seed", "glorot", "he")          # the warm runs cycle through these


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--eager-steps", type=int, default=10_000,
                        help="steps for the slow eager loop (scaled up to --steps if fewer)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-explorer", action="store_true", help="only the three-way comparison")
    args = parser.parse_args()
    steps = args.steps

    first = timed(lambda: helpers.train_net(depth=1, steps=steps))
    first_new_depth = timed(lambda: helpers.train_net(depth=2, steps=steps))
    # Warm: the graph is compiled and the seed's inputs are drawn; the weights differ run to run.
    warm = statistics.median(timed(lambda i=i: helpers.train_net(depth=1, steps=steps, init=INITS[i % 3]))
                             for i in range(args.repeats))
    warm_deep = {d: statistics.median(timed(lambda i=i: helpers.train_net(depth=d, steps=steps, init=INITS[i % 3]))
                                      for i in range(args.repeats)) for d in (2, 4, 8)}
    tf1 = timed(lambda: legacy.train_tf1(depth=1, steps=steps))
    eager = timed(lambda: legacy.train_eager(depth=1, steps=args.eager_steps)) * steps / args.eager_steps

    print(f"{steps:,} steps of the 1 -> 16 -> 1 net (2-core CPU; medians of {args.repeats} warm runs)")
    print(f"  train_net, first call in a fresh process : {first:8.3f} s   (trace + XLA compile + run)")
    print(f"  train_net, first call of a new depth (2) : {first_new_depth:8.3f} s")
    print(f"  train_net, warm, with recordings         : {warm * 1e3:8.1f} ms")
    for d, t in warm_deep.items():
        print(f"  train_net, warm, depth {d}                : {t * 1e3:8.1f} ms")
    print(f"  TF1-style sess.run loop                  : {tf1:8.3f} s   ({tf1 / warm:,.0f}x train_net warm)")
    scaled = "" if args.eager_steps == steps else f", scaled from {args.eager_steps:,} steps"
    print(f"  eager GradientTape loop                  : {eager:8.3f} s   ({eager / warm:,.0f}x train_net warm{scaled})")
    if not args.skip_explorer:
        explorer_figures(args.repeats, tf1)


def explorer_figures(repeats, tf1):
    from helpers import explorer, training

    print("\nExplorer: 10,000 steps with recordings, per depth. First use = trace + XLA compile; it serves")
    print("SGD and Adam and every step count up to 32,768. Warm = median of "
          f"{repeats} runs over inits and optimizers, seed 0;")
    print("new seed = the same with a seed not used before (its inputs are drawn first).")
    print("  depth   first use   warm, seed 0   warm, new seed")
    worst_warm = 0.0
    fresh_seed = iter(range(1000, 10_000))
    for depth in range(1, 9):
        training.compiled_trainer.cache_clear()         # so that "first use" compiles, as in a new session
        first = timed(lambda: helpers.train_net(depth=depth))
        warm = statistics.median(
            timed(lambda s=s: helpers.train_net(depth=depth, init=INITS[s % 3],
                                                optimizer=("sgd", "adam")[s % 2]))
            for s in range(repeats))
        new_seed = statistics.median(timed(lambda: helpers.train_net(depth=depth, seed=next(fresh_seed)))
                                     for _ in range(3))
        worst_warm = max(worst_warm, warm)
        print(f"  {depth:5d}   {first:7.2f} s   {warm * 1e3:9.1f} ms   {new_seed * 1e3:11.1f} ms")
    print(f"  slowest warm retrain: {worst_warm * 1e3:.1f} ms = {tf1 / worst_warm:,.0f}x faster than "
          "the TF1 loop of the shallow net")

    for depth in range(1, 9):           # the table above kept only the last depth compiled
        helpers.train_net(depth=depth)
    panel = explorer.Explorer()         # no event loop here, so every move retrains at once
    latencies, trains = [], []
    for depth, init in [(d, i) for d in range(1, 9) for i in ("seed", "glorot", "he")]:
        panel.set_state(explorer.ExplorerState(depth=depth, init=init))
        latencies.append(panel.latency_ms)
        trains.append(panel.view.train_ms)
    print(f"Widget path, callback start -> figure in the panel, over {len(latencies)} moves "
          "(all depths compiled):")
    print(f"  median {statistics.median(latencies):.0f} ms (training {statistics.median(trains):.0f} ms, "
          f"drawing {statistics.median(latencies) - statistics.median(trains):.0f} ms), "
          f"slowest {max(latencies):.0f} ms")

    # Drawing: the live panel's SVG (the browser renders it) against matplotlib's PNG (the notebook's fixed
    # snapshots, and what the panel sent before it drew SVG).
    views = [explorer.run(explorer.ExplorerState(depth=d)) for d in (1, 4, 8)]
    figure = explorer.new_figure()
    svg = statistics.median(timed(lambda v=v: explorer.draw_svg(v)) for v in views for _ in range(3))
    png = statistics.median(timed(lambda v=v: explorer.png(explorer.draw(v, figure))) for v in views for _ in range(3))
    print(f"Drawing the six panels (depths 1, 4, 8): SVG for the page {svg * 1e3:.0f} ms median; "
          f"matplotlib PNG {png * 1e3:.0f} ms median")


if __name__ == "__main__":
    main()
