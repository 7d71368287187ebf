"""Matplotlib views of training runs: what the network does and what each layer goes through.

Every function takes one TrainResult or a dict {label: TrainResult} where that makes sense and
draws into `ax` (or `axes`) if given, so a notebook or the explorer can lay out its own figure;
otherwise it makes a new figure. They return nothing, so a notebook cell shows only the figure.
"""
import matplotlib.pyplot as plt
import numpy as np

from .diagnosis import FROZEN_RATIO
from .theory import measure_grad_std, predict_grad_std
from .training import TrainResult

PERCENTILES = (0, 7, 16, 31, 50, 69, 84, 93, 100)   # TensorBoard's "distribution" bands
KINDS = {"weights": "kernel values", "biases": "bias values", "grads": "kernel gradients",
         "activations": "ReLU outputs on x in [-1, 1]"}


def _as_dict(results):
    if isinstance(results, TrainResult):
        return {describe(results): results}
    if isinstance(results, dict) and all(isinstance(r, TrainResult) for r in results.values()):
        return results
    raise TypeError("pass a TrainResult or a dict {label: TrainResult}")


def describe(result):
    """A short label such as 'depth 2, seed init, sgd'."""
    c = result.config
    init = f"N(0, {c['sigma']:g})" if c["init"] == "normal" else c["init"]
    return f"depth {c['depth']}, {init} init, {c['optimizer']}"


def _axes(ax, figsize=None):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _log_y(ax, *arrays):
    """Log-scale the y axis if there is anything positive to show; otherwise say why it is empty."""
    values = np.concatenate([np.ravel(a) for a in arrays]) if arrays else np.array([])
    if np.any(np.isfinite(values) & (values > 0)):
        ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "all values are exactly 0", transform=ax.transAxes, ha="center", va="center")


def _style(y, style="-"):
    """A line style that still shows a series with a single finite point: as a dot, never an empty axes."""
    return "o" + style if np.sum(np.isfinite(np.asarray(y, dtype=np.float64))) < 2 else style


def running_mean(values, window):
    """Mean of each `window` consecutive values (the last ones, for the first few steps fewer).

    Each mean is summed from its own window (a convolution), never as a difference of running
    totals: losses that span 1e-4 ... 1e19 in one run keep every later value exact.
    """
    values = np.asarray(values, np.float64)
    if values.size == 0:
        return values
    window = max(1, min(int(window), values.size))
    sums = np.convolve(values, np.ones(window))[:values.size]       # sums[i] = values[i-window+1 .. i]
    return sums / np.minimum(np.arange(1, values.size + 1), window)


def plot_loss(results, window=200, ax=None, title="Training loss", legend="small"):
    """Training loss per step, as a running mean, on a log scale."""
    ax = _axes(ax)
    for label, r in _as_dict(results).items():
        mean = running_mean(r.losses, window)
        ax.plot(mean, _style(mean), label=label)
    ax.set(yscale="log", xlabel="step", ylabel=f"loss (running mean of {window} steps)", title=title)
    ax.legend(fontsize=legend)


def plot_estimate(results, ax=None, title="What the trained net outputs", legend="small"):
    """The trained net's estimate against its input; a perfect copy lies on the dashed line."""
    ax = _axes(ax)
    x = np.linspace(-1.0, 1.0, 201, dtype=np.float32)
    ax.plot(x, x, "k--", lw=1, label="target: estimate = x")
    low, high = -1.3, 1.3
    for label, r in _as_dict(results).items():
        estimate = r.predict(x)
        ax.plot(x, estimate, label=label)
        finite = estimate[np.isfinite(estimate)]
        if finite.size:     # an estimate outside +-1.3 widens the axis, and the title says so
            low, high = min(low, 1.05 * float(finite.min())), max(high, 1.05 * float(finite.max()))
    if (low, high) != (-1.3, 1.3):
        title += " (axis widened)"
    ax.set(xlabel="input x", ylabel="estimate 2·output", title=title, xlim=(-1, 1), ylim=(low, high))
    ax.legend(fontsize=legend)


def plot_estimate_over_steps(result, ax=None, title=None):
    """The estimate on a few inputs as training goes on: lines that stay together mean 'stuck'."""
    own_figure = ax is None
    ax = _axes(ax)
    picks = np.linspace(0, len(result.probe_x) - 1, 5).astype(int)
    for i in picks:
        ax.plot(result.record_steps, result.probe_estimates[:, i], label=f"x = {result.probe_x[i]:+.1f}")
    ax.set(xlabel="step", ylabel="estimate 2·output", title=title or f"Estimate during training ({describe(result)})")
    ax.legend(fontsize="small", title="input", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if own_figure:
        ax.figure.tight_layout()


def plot_distributions(result, kind="weights", layers=None, axes=None):
    """TensorBoard-style 'distribution over steps': percentile bands of a layer's values.

    kind is one of "weights", "biases", "grads", "activations". The darkest band is the middle
    38% of values, the lightest the full range; watch the y-axis scale of each panel.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; valid choices: {', '.join(map(repr, KINDS))}")
    series = getattr(result, kind)
    names = result.layer_names[:len(series)]
    layers = range(len(series)) if layers is None else layers
    layers = list(layers)
    own_figure = axes is None
    if axes is None:
        _, axes = plt.subplots(1, len(layers), figsize=(3.2 * len(layers), 2.8), squeeze=False)
        axes = axes[0]
    steps = result.record_steps
    for ax, i in zip(axes, layers):
        bands = np.percentile(series[i], PERCENTILES, axis=1)
        for k in range(len(PERCENTILES) // 2):
            ax.fill_between(steps, bands[k], bands[-1 - k], color="tab:orange", alpha=0.18 + 0.12 * k, lw=0)
        ax.plot(steps, bands[len(PERCENTILES) // 2], color="tab:red", lw=1)
        ax.set(title=f"{names[i]}: {KINDS[kind]}\n(std over the run {np.std(series[i]):.1e})", xlabel="step")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
    axes[0].set_ylabel("value (percentile bands)")
    if own_figure:
        axes[0].figure.suptitle(describe(result), fontsize="medium")     # which run: panels alone do not say
        axes[0].figure.tight_layout()


def plot_grad_std(results, predicted=True, measured="run", ax=None, title="Gradient scale per layer",
                  legend="small"):
    """Each layer's kernel-gradient std (dots) and the chain-rule prediction at init (crosses).

    measured="run": the std over all recordings of the run; "init": over 1,000 inputs at the
    initial weights (helpers.measure_grad_std), which is what the prediction is about.
    Legend entries are "<label>: measured ..." and "<label>: predicted at init"; an empty label leaves
    only the second half.
    """
    if measured not in ("run", "init"):
        raise ValueError(f"measured must be 'run' or 'init', got {measured!r}")
    own_figure = ax is None
    ax = _axes(ax, figsize=(10, 3.6))
    for n, (label, r) in enumerate(_as_dict(results).items()):
        color, c = f"C{n}", r.config
        args = (c["depth"], c["init"], c["sigma"], c["seed"], c.get("bias"))
        stds = np.array([g.std() for g in r.grads] if measured == "run" else measure_grad_std(*args))
        layers = np.arange(1, len(stds) + 1)
        stds = np.where(stds > 0, stds, np.nan)
        prefix = f"{label}: " if label else ""
        ax.plot(layers, stds, "o-", color=color,
                label=f"{prefix}measured {'over the run' if measured == 'run' else 'at init'}")
        if predicted:
            ax.plot(layers, predict_grad_std(*args), "x--", color=color, ms=9,
                    label=f"{prefix}predicted at init")
    _log_y(ax, *[line.get_ydata() for line in ax.lines])
    ax.set(xlabel="weight layer (1 = first hidden, last = output)",
           ylabel="std of kernel gradient", title=title)
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    if own_figure:
        ax.legend(fontsize=legend, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        ax.figure.tight_layout()
    else:
        ax.legend(fontsize=legend)


def plot_grad_over_steps(result, ax=None, title=None, legend="small"):
    """Every layer's kernel-gradient sizes over steps on one log axis: mean |g| and the 16-84% band."""
    ax = _axes(ax)
    for name, g in zip(result.layer_names, result.grads):
        size = np.abs(g)
        low, high = (np.percentile(size, q, axis=1) for q in (16, 84))
        mid = size.mean(axis=1)
        mid[mid == 0] = np.nan
        # a layer whose gradient is exactly 0 after its first recording still shows as one dot
        line, = ax.plot(result.record_steps, mid, "o-" if np.sum(np.isfinite(mid)) < 2 else "-", ms=4, label=name)
        ax.fill_between(result.record_steps, np.where(low > 0, low, np.nan), np.where(high > 0, high, np.nan),
                        color=line.get_color(), alpha=0.15, lw=0)
    _log_y(ax, *[line.get_ydata() for line in ax.lines])
    ax.set(xlabel="step", ylabel="|kernel gradient| (mean, 16-84% band)", xlim=(0, result.config["steps"]),
           title=title or f"Gradient sizes over steps ({describe(result)})")
    ax.legend(fontsize=legend, ncol=2)


def plot_update_ratio(result, ax=None, title=None, legend="small"):
    """|update| / |weights| per layer over steps; below the dashed line (diagnosis.FROZEN_RATIO) a layer is frozen."""
    ax = _axes(ax)
    for i, name in enumerate(result.layer_names):
        ratio = np.where(result.update_ratio[:, i] > 0, result.update_ratio[:, i], np.nan)
        ax.plot(result.record_steps, ratio, _style(ratio), ms=4, label=name)
    ax.axhline(FROZEN_RATIO, color="k", ls="--", lw=1, label="frozen below (float32 rounds the update away)")
    _log_y(ax, result.update_ratio)
    ax.set(xlabel="step", ylabel="|lr·update| / |weights|", xlim=(0, result.config["steps"]),
           title=title or f"Update : data ratio ({describe(result)})")
    ax.legend(fontsize=legend, ncol=2)


def plot_active_fraction(result, ax=None, title=None, legend="small"):
    """Share of each hidden layer's ReLUs that are on (> 0), over inputs x in [-1, 1], per step."""
    ax = _axes(ax)
    styles = ["-", "--", ":", "-."]
    for i, acts in enumerate(result.activations):
        share = np.mean(acts > 0, axis=1)
        ax.plot(result.record_steps, share, _style(share, styles[i % 4]), lw=2 if i < 4 else 1,
                label=f"hidden {i + 1}")
    ax.set(xlabel="step", ylabel="share of ReLUs on", ylim=(-0.03, 1.03),
           title=title or f"Live units ({describe(result)})")
    ax.legend(fontsize=legend, loc="upper right", framealpha=0.6, ncol=1 if len(result.activations) < 5 else 2)


def plot_layer_report(result):
    """Karpathy's four diagnostics for one run: activations, gradients, grad:data, update:data."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5))
    (a_act, a_grad), (a_gd, a_upd) = axes
    for i, acts in enumerate(result.activations):
        a_act.hist(acts[-1], bins=40, histtype="step", label=f"hidden {i + 1} ({np.mean(acts[-1] > 0):.0%} > 0)")
    a_act.set(yscale="log", xlabel="ReLU output on x in [-1, 1]", ylabel="count",
              title="Activations at the end of training")
    a_act.legend(fontsize="small")
    for name, g in zip(result.layer_names, result.grads):
        magnitude = np.abs(g[g != 0])
        if magnitude.size:
            # fractions, not counts: a 16 -> 16 kernel has 256 entries, the others 16
            a_grad.hist(np.log10(magnitude), bins=40, histtype="step", label=name,
                        weights=np.full(magnitude.size, 1.0 / g.size))
    a_grad.set(xlabel="log10 |kernel gradient|  (-6 means 1e-6)", ylabel="fraction of the layer's entries",
               title="Gradient sizes over the whole run")
    a_grad.legend(fontsize="small")
    ratios = [np.std(g) / max(np.std(w), 1e-30) for g, w in zip(result.grads, result.weights)]
    bars = a_gd.bar(result.layer_names, ratios, color="tab:purple")
    a_gd.bar_label(bars, labels=[f"{r:.0e}" for r in ratios], fontsize="small")
    a_gd.set(yscale="log", ylabel="std(gradient) / std(weights)", title="Gradient : data ratio per layer",
             ylim=(min(ratios) / 3, max(ratios) * 10))
    a_gd.tick_params(axis="x", labelrotation=30)
    plot_update_ratio(result, ax=a_upd)
    fig.suptitle(describe(result))
    fig.tight_layout()
