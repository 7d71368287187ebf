"""Figures for notebooks 06-07 (steering a gradient step): the methods' runs side by side."""
import matplotlib.pyplot as plt
import numpy as np

STYLE = {   # twins that must coincide are drawn dashed on top of each other
    "naive": dict(color="C3", lw=2.5), "masked_loss": dict(color="k", ls="--", lw=1),
    "head_only": dict(color="C0", lw=2.5), "masked_loss_head": dict(color="gold", ls="--", lw=1),
    "null_space": dict(color="C2", lw=2), "penalty": dict(color="C1", lw=2),
    "null_space_gn": dict(color="C4", lw=2), "null_space_anchored": dict(color="C5", lw=2),
}


def plot_runs(table, title):
    """Three panels against step (log axes): loss on output 2, output 1's max drift on the batch
    and on the held-out inputs. A method whose drift stays exactly 0 cannot be drawn on a log
    axis; the legend says so. Diverged runs stop where they diverged.
    """
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    for method, row in table.items():
        history = row["history"]
        steps = np.arange(1, len(history["loss2"]))
        held = history["drift_train"].max() == 0 and history["drift_heldout"].max() == 0
        axes[0].plot(steps, history["loss2"][1:], label=method + (" (drift exactly 0)" if held else ""),
                     **STYLE[method])
        for ax, key in ((axes[1], "drift_train"), (axes[2], "drift_heldout")):
            if not held:
                ax.plot(steps, history[key][1:], **STYLE[method])
    drift = "max |out1(t) - out1(0)| (log)"
    for ax, panel, ylabel in ((axes[0], "loss on output 2", "MSE of output 2 (log)"),
                              (axes[1], "output 1 drift: training batch", drift),
                              (axes[2], "output 1 drift: 256 held-out inputs", drift)):
        ax.set(title=panel, xlabel="step (log)", ylabel=ylabel, xscale="log", yscale="log")
    fig.suptitle(title)
    fig.legend(loc="center right", fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 0.8, 1))
    return axes
