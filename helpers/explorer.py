"""The classroom explorer: sliders for depth, initializer, optimizer, learning rate, steps and seed.

Every change retrains with train_net (tens of milliseconds once a depth is compiled) and
redraws six views of the run with a one-line verdict in plain words; a setting run before is shown at once. The panel's settings can
be copied as a short string and pasted back, e.g.

    depth=5&init=normal&sigma=0.01&opt=adam&lr=0.001&steps=10000&seed=0

The logic is plain functions, tested without a browser:
    ExplorerState   the settings; .to_string() / ExplorerState.from_string()
    run(state)      train and judge: a View with the result, the verdict and timings
    (the one-line diagnosis, verdict(result), lives in helpers/diagnosis.py)
    draw_svg(view)  the six panels as SVG, for the live panel (the browser draws it: a few ms)
    draw(view, fig) the same six panels with matplotlib, for snapshot() (fixed PNG pictures)
and `Explorer` is the ipywidgets panel around them (`show()` displays one; `dashboard()` the projector layout).
"""
import dataclasses
import functools
import io
import math
import numbers
import threading
import time
from urllib.parse import parse_qsl

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

from . import plots
from .diagnosis import FROZEN_RATIO, verdict
from .theory import predict_grad_std
from .training import (INITS, OPTIMIZERS, TrainingDiverged, check_config, initial_params, is_whole_number,
                       train_net)

DEPTHS = (1, 8)
STEPS = (1_000, 2_000, 5_000, 10_000, 20_000)
INIT_LABELS = {"seed": "seed: N(0, 1e-3)", "glorot": "Glorot, bias 0.1", "he": "He, bias 0.1",
               "normal": "N(0, σ): pick σ"}
assert set(INIT_LABELS) == set(INITS), "every initializer train_net knows needs a label in the panel"
LR_RANGE = (1e-4, 1.0)
SIGMA_RANGE = (1e-4, 10.0)
SEED_RANGE = (0, 9999)
KEYS = ("depth", "init", "sigma", "opt", "lr", "steps", "seed")


@dataclasses.dataclass(frozen=True)
class ExplorerState:
    depth: int = 2
    init: str = "seed"
    sigma: float = 1e-3      # only used by init="normal"
    opt: str = "sgd"
    lr: float = 1e-3
    steps: int = 10_000
    seed: int = 0

    def __post_init__(self):
        for name in ("sigma", "lr"):        # accept any real number, store a float
            value = getattr(self, name)
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        # The panel's own, narrower ranges (what its sliders offer), all reported at once; then
        # train_net's check_config, the one authority on what a run may be.
        problems = []
        if not (is_whole_number(self.depth) and DEPTHS[0] <= self.depth <= DEPTHS[1]):
            problems.append(f"depth must be a whole number from {DEPTHS[0]} to {DEPTHS[1]}")
        if self.init not in INITS:
            problems.append(f"init must be one of {', '.join(INITS)}")
        if not (isinstance(self.sigma, float) and SIGMA_RANGE[0] <= self.sigma <= SIGMA_RANGE[1]):
            problems.append(f"sigma must be a number from {SIGMA_RANGE[0]:g} to {SIGMA_RANGE[1]:g}")
        if self.opt not in OPTIMIZERS:
            problems.append(f"opt must be one of {', '.join(OPTIMIZERS)}")
        if not (isinstance(self.lr, float) and LR_RANGE[0] <= self.lr <= LR_RANGE[1]):
            problems.append(f"lr must be a number from {LR_RANGE[0]:g} to {LR_RANGE[1]:g}")
        if self.steps not in STEPS or not is_whole_number(self.steps):
            problems.append(f"steps must be one of {', '.join(map(str, STEPS))}")
        if not (is_whole_number(self.seed) and SEED_RANGE[0] <= self.seed <= SEED_RANGE[1]):
            problems.append(f"seed must be a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]}")
        if problems:
            raise ValueError("; ".join(problems))
        check_config(depth=self.depth, init=self.init, sigma=self.sigma, optimizer=self.opt, lr=self.lr,
                     steps=self.steps, seed=self.seed)

    def to_string(self):
        """The settings as a short string that from_string() reads back."""
        parts = [f"depth={self.depth}", f"init={self.init}"]
        if self.init == "normal":
            parts.append(f"sigma={self.sigma:.3g}")
        parts += [f"opt={self.opt}", f"lr={self.lr:.3g}", f"steps={self.steps}", f"seed={self.seed}"]
        return "&".join(parts)

    @classmethod
    def from_string(cls, text):
        """Read a string made by to_string(); raise ValueError saying what is wrong with it."""
        text = (text or "").strip().lstrip("#?")
        if not text:
            raise ValueError("the state string is empty; it looks like depth=2&init=seed&opt=sgd&lr=0.001")
        try:
            pairs = parse_qsl(text, strict_parsing=True)
        except ValueError:
            raise ValueError(f"cannot read {text!r}: write key=value pairs joined by &, "
                             f"with keys {', '.join(KEYS)}") from None
        values = {}
        for key, value in pairs:
            if key not in KEYS:
                raise ValueError(f"unknown key {key!r} in the state string; valid keys: {', '.join(KEYS)}")
            values[key] = value
        converted = {}
        for key, value in values.items():
            kind = {"depth": int, "steps": int, "seed": int, "sigma": float, "lr": float}.get(key, str)
            try:
                converted[key] = kind(value)
            except ValueError:
                raise ValueError(f"{key}={value!r} is not a {'whole number' if kind is int else 'number'}") from None
            if kind is float and not math.isfinite(converted[key]):
                raise ValueError(f"{key}={value!r} must be a finite number")
        return cls(**converted)


@dataclasses.dataclass
class View:
    """What one retrain produced: the result (None if it diverged), the verdict, the timings."""
    state: ExplorerState
    result: object
    verdict: str
    train_ms: float


def run(state):
    """Train with the panel's settings and judge the run."""
    start = time.perf_counter()
    try:
        result = train_net(depth=state.depth, init=state.init, sigma=state.sigma,
                           optimizer=state.opt, lr=state.lr, steps=state.steps, seed=state.seed)
        text = verdict(result)
    except TrainingDiverged as err:          # nothing finite to draw: the panel keeps the last good run
        result = None
        text = verdict(err.result)
    return View(state, result, text, (time.perf_counter() - start) * 1e3)


def new_figure():
    """The explorer's figure: six panels, drawn without pyplot so it never shows up twice."""
    fig = Figure(figsize=(13, 6.6), dpi=72)
    fig.subplots(2, 3)
    # A fixed layout: tight_layout would measure every label on every redraw (half a second).
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.08, top=0.9, wspace=0.3, hspace=0.42)
    return fig


def _reset(ax):
    """Empty an axes for the next run. Cheaper than ax.clear(), which rebuilds every tick."""
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts]:
        artist.remove()
    if ax.get_legend():
        ax.get_legend().remove()
    ax.set_prop_cycle(None)
    ax.set_xscale("linear")
    ax.set_yscale("linear")
    ax.set_autoscale_on(True)
    ax.relim()


def _power_of_ten(value, _):
    """A log axis tick label as plain text (10⁻⁵, 2·10⁻⁵): drawn much faster than the default math text."""
    if not value > 0:
        return ""
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10.0 ** exponent, 6)
    power = "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return power if mantissa == 1 else f"{mantissa:g}·{power}"


def draw(view, fig):
    """Redraw the six panels of `fig` (from new_figure) for `view`; returns the figure."""
    axes = fig.axes
    for ax in axes:
        _reset(ax)
    r, small = view.result, "x-small"
    plots.plot_estimate({"this run": r}, ax=axes[0], legend=small)
    plots.plot_loss({"this run": r}, ax=axes[1], legend=small)
    # measured at init against predicted at init: like with like
    plots.plot_grad_std({"": r}, measured="init", ax=axes[2], legend=small)
    plots.plot_grad_over_steps(r, ax=axes[3], title="Gradient sizes over steps", legend=small)
    plots.plot_update_ratio(r, ax=axes[4], title="Update : data ratio", legend=small)
    plots.plot_active_fraction(r, ax=axes[5], title="Live units", legend=small)
    for ax in axes:
        ax.minorticks_off()         # minor ticks on log axes cost more to draw than everything else
        # Fixed places for titles and axis labels: placing them automatically measures every tick label.
        ax.title.set_y(1.0)
        ax.xaxis.set_label_coords(0.5, -0.15)
        ax.yaxis.set_label_coords(-0.18, 0.5)
        if ax.get_yscale() == "log":
            low, high = ax.get_ylim()
            if high < 100 * low:                # under two decades: label 1, 2 and 5 times a power of 10
                ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(_power_of_ten)
    fig.suptitle(plots.describe(r) + f", lr {view.state.lr:g}, {view.state.steps:,} steps, seed {view.state.seed}")
    return fig


def png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------
# The live panel's figure: the same six views as draw(), written directly as SVG.
#
# Matplotlib needs 0.3-0.8 s to draw and encode the six panels; a slider move must show within
# 100 ms. The browser draws SVG itself, so Python only formats a few thousand numbers (a few ms),
# and the text stays sharp at any size on a projector. snapshot() keeps matplotlib's PNG for the
# notebook's fixed pictures (what GitHub shows and nbval compares).

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf")
SVG_SIZE = (1320, 600)              # viewBox; the page scales it to the panel's width
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MAX_POINTS = 400                    # per line: more than a panel's width in pixels would not show


def _esc(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _nice_ticks(low, high, n=5):
    span = high - low
    if not span > 0:
        return [low]
    raw = span / n
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    return [round(first + i * step, 12) for i in range(int((high - first) / step + 1e-9) + 1)]


def _log_ticks(low, high):
    """Powers of ten (every few over many decades); 1, 2, 5 or 1-9 times them over a narrow range."""
    lo, hi = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
    every = max(1, math.ceil((hi - lo) / 6))
    inside = lambda ticks: [t for t in ticks if low * (1 - 1e-9) <= t <= high * (1 + 1e-9)]
    for ticks in ([10.0 ** e for e in range(lo, hi + 1) if (e - lo) % every == 0],
                  [m * 10.0 ** e for e in range(lo, hi + 1) for m in (1, 2, 5)],
                  [m * 10.0 ** e for e in range(lo, hi + 1) for m in range(1, 10)]):
        if len(inside(ticks)) >= 2:
            return inside(ticks)
    return inside(ticks)


def _tick_label(value, log):
    if log:
        return _power_of_ten(value, None)
    return f"{value:g}"


def _limits(values, log, pad=0.05, floor=None):
    """(low, high) for an axis holding `values`: finite (and positive on a log axis), a little padded."""
    v = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in values]) if values else np.array([])
    v = v[np.isfinite(v)]
    if log:
        v = v[v > 0]
    if floor is not None and v.size:
        v = np.append(v, floor)
    if not v.size:
        return (1e-8, 1.0) if log else (0.0, 1.0)
    low, high = float(v.min()), float(v.max())
    if log:
        low, high = math.log10(low), math.log10(high)
        if high - low < 0.3:
            low, high = low - 0.15, high + 0.15
        span = high - low
        return 10.0 ** (low - pad * span), 10.0 ** (high + pad * span)
    if high - low < 1e-12 * max(1.0, abs(high)):
        low, high = low - 0.5, high + 0.5
    span = high - low
    return low - pad * span, high + pad * span


def _thin(x, *ys):
    """At most MAX_POINTS evenly spaced samples of each series (the panels are ~400 px wide)."""
    if len(x) <= MAX_POINTS:
        return (x, *ys)
    keep = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).astype(int))
    return (x[keep], *(y[keep] for y in ys))


class _SvgAxes:
    """One panel: maps data to pixels and writes SVG elements into `out`."""

    def __init__(self, out, box, title, xlabel, ylabel, xlim, ylim, ylog=False):
        self.out, self.title, self.xlabel, self.ylabel = out, title, xlabel, ylabel
        x0, y0, w, h = box
        self.left, self.top, self.width, self.height = x0 + 66, y0 + 26, w - 92, h - 70
        self.xlim, self.ylim, self.ylog = xlim, ylim, ylog
        self.legend = []
        self._points = []           # pixel positions drawn, to keep the legend off the data
        lo, hi = (math.log10(v) for v in ylim) if ylog else ylim
        self._y = (lo, hi)

    def px(self, x):
        x = np.asarray(x, dtype=np.float64)
        return self.left + (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * self.width

    def py(self, y):
        y = np.asarray(y, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(y > 0, np.log10(np.where(y > 0, y, 1.0)), np.nan) if self.ylog else y
        lo, hi = self._y
        return self.top + (1.0 - (v - lo) / (hi - lo)) * self.height

    def line(self, x, y, color, width=2.0, dash=None, label=None, marker=None):
        """A polyline broken at missing values; a point with no neighbour is drawn as a dot."""
        x, y = _thin(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        px, py = self.px(x), np.clip(self.py(y), self.top - 4, self.top + self.height + 4)
        ok = np.isfinite(px) & np.isfinite(py)
        self._points.append((px[ok], py[ok]))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs, start = [], None
        for i, good in enumerate(np.append(ok, False)):
            if good and start is None:
                start = i
            elif not good and start is not None:
                runs.append((start, i))
                start = None
        for a, b in runs:
            if b - a == 1 or marker:
                continue
            points = " ".join(f"{u:.1f},{v:.1f}" for u, v in zip(px[a:b], py[a:b]))
            self.out.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="{width}"'
                            f'{dash_attr} stroke-linejoin="round"/>')
        lone = [i for a, b in runs for i in range(a, b) if b - a == 1 or marker]
        for i in lone:
            self._marker(px[i], py[i], color, marker or "o")
        if label:
            self.legend.append((label, color, dash, marker))

    def _marker(self, u, v, color, kind):
        if kind == "x":
            self.out.append(f'<path d="M{u - 5:.1f},{v - 5:.1f}L{u + 5:.1f},{v + 5:.1f}M{u - 5:.1f},{v + 5:.1f}'
                            f'L{u + 5:.1f},{v - 5:.1f}" stroke="{color}" stroke-width="2.2"/>')
        else:
            self.out.append(f'<circle cx="{u:.1f}" cy="{v:.1f}" r="4" fill="{color}"/>')

    def band(self, x, low, high, color, opacity=0.15):
        x, low, high = _thin(np.asarray(x, dtype=np.float64), np.asarray(low, dtype=np.float64),
                             np.asarray(high, dtype=np.float64))
        lo_edge, hi_edge = self.top - 4, self.top + self.height + 4
        px, pl, ph = self.px(x), np.clip(self.py(low), lo_edge, hi_edge), np.clip(self.py(high), lo_edge, hi_edge)
        ok = np.append(np.isfinite(pl) & np.isfinite(ph), False)
        start = None
        for i, good in enumerate(ok):             # one polygon per stretch where both edges exist
            if good and start is None:
                start = i
            elif not good and start is not None:
                if i - start >= 2:
                    u, a, b = px[start:i], pl[start:i], ph[start:i]
                    points = " ".join(f"{p:.1f},{q:.1f}" for p, q in zip(np.r_[u, u[::-1]], np.r_[b, a[::-1]]))
                    self.out.append(f'<polygon points="{points}" fill="{color}" fill-opacity="{opacity}" '
                                    f'stroke="none"/>')
                start = None

    def note(self, text, where="top"):
        y = self.top + 16 if where == "top" else self.top + self.height / 2
        self.out.append(f'<text x="{self.left + self.width / 2:.1f}" y="{y:.1f}" text-anchor="middle" '
                        f'class="note">{_esc(text)}</text>')

    def finish(self, xticks=None, legend_cols=1):
        out, l, t, w, h = self.out, self.left, self.top, self.width, self.height
        out.append(f'<rect x="{l:.1f}" y="{t:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" stroke="#444"/>')
        xticks = _nice_ticks(*self.xlim) if xticks is None else xticks
        for tick in xticks:
            u = float(self.px(tick))
            if l - 0.5 <= u <= l + w + 0.5:
                out.append(f'<line x1="{u:.1f}" y1="{t + h:.1f}" x2="{u:.1f}" y2="{t + h + 4:.1f}" stroke="#444"/>'
                           f'<text x="{u:.1f}" y="{t + h + 18:.1f}" text-anchor="middle">{_tick_label(tick, False)}</text>')
        yticks = _log_ticks(*self.ylim) if self.ylog else _nice_ticks(*self.ylim)
        for tick in yticks:
            v = float(self.py(tick))
            if t - 0.5 <= v <= t + h + 0.5:
                out.append(f'<line x1="{l - 4:.1f}" y1="{v:.1f}" x2="{l:.1f}" y2="{v:.1f}" stroke="#444"/>'
                           f'<text x="{l - 6:.1f}" y="{v + 4.5:.1f}" text-anchor="end">'
                           f'{_tick_label(tick, self.ylog)}</text>')
        out.append(f'<text x="{l + w / 2:.1f}" y="{t - 9:.1f}" text-anchor="middle" class="title">'
                   f'{_esc(self.title)}</text>')
        out.append(f'<text x="{l + w / 2:.1f}" y="{t + h + 36:.1f}" text-anchor="middle" class="label">'
                   f'{_esc(self.xlabel)}</text>')
        out.append(f'<text transform="translate({l - 52:.1f},{t + h / 2:.1f}) rotate(-90)" text-anchor="middle" '
                   f'class="label">{_esc(self.ylabel)}</text>')
        if self.legend:
            rows = -(-len(self.legend) // legend_cols)
            col_w = 150 if legend_cols > 1 else max(8 * max(len(e[0]) for e in self.legend) + 34, 80)
            box_w, box_h = legend_cols * col_w, rows * 17 + 6
            px = np.concatenate([p for p, _ in self._points]) if self._points else np.array([])
            py = np.concatenate([q for _, q in self._points]) if self._points else np.array([])

            def crowded(corner):
                u, v = corner
                return np.sum((px >= u - 4) & (px <= u + box_w + 4) & (py >= v - 4) & (py <= v + box_h + 4))

            corners = [(l + w - 6 - box_w, t + 6), (l + 6, t + 6), (l + w - 6 - box_w, t + h - 6 - box_h),
                       (l + 6, t + h - 6 - box_h)]
            x0, y0 = min(corners, key=crowded)          # the first of the emptiest corners
            out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{box_w:.1f}" height="{box_h}" '
                       f'fill="white" fill-opacity="0.75" stroke="#ccc"/>')
            for k, (label, color, dash, marker) in enumerate(self.legend):
                u, v = x0 + 6 + (k // rows) * col_w, y0 + 14 + (k % rows) * 17
                if marker:
                    self._marker(u + 10, v - 4, color, marker)
                else:
                    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
                    out.append(f'<line x1="{u:.1f}" y1="{v - 4:.1f}" x2="{u + 20:.1f}" y2="{v - 4:.1f}" '
                               f'stroke="{color}" stroke-width="2.5"{dash_attr}/>')
                out.append(f'<text x="{u + 26:.1f}" y="{v:.1f}" class="legend">{_esc(label)}</text>')


@functools.lru_cache(maxsize=256)
def grad_std_at_init(depth, init="seed", sigma=1e-3, seed=0, bias=None, n=1000):
    """Each layer's kernel-gradient std at the initial weights over n inputs x ~ U(-1, 1), in numpy.

    The same quantity as helpers.theory.measure_grad_std (which runs TensorFlow, tens of ms), so the
    explorer's gradient-scale panel compares like with like: measured at init vs predicted at init.
    """
    params = initial_params(depth, init, sigma, seed, bias)
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, n).astype(np.float64)
    acts, h = [x[:, None]], x[:, None]
    for kernel, b in params[:-1]:
        h = np.maximum(h @ kernel.astype(np.float64) + b, 0.0)
        acts.append(h)
    kernel, b = params[-1]
    out = (h @ kernel.astype(np.float64) + b)[:, 0]
    delta = (-4.0 * (x - 2.0 * out))[:, None]                  # dL/d(out) for L = (x - 2 out)^2
    stds = []
    for layer in range(len(params) - 1, -1, -1):
        a = acts[layer]
        g = a[:, :, None] * delta[:, None, :]                  # per-input kernel gradient
        stds.insert(0, float(g.std()))
        if layer:
            delta = (delta @ params[layer][0].T.astype(np.float64)) * (acts[layer] > 0)
    return stds


def draw_svg(view):
    """The six panels of `view` as one SVG string (what the live panel shows)."""
    r, state = view.result, view.state
    width, height = SVG_SIZE
    names = r.layer_names
    colors = [COLORS[i % len(COLORS)] for i in range(len(names))]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="explorer-svg" '
           f'style="width:100%;height:auto;max-width:{width}px;display:block" font-family="DejaVu Sans, sans-serif" '
           f'font-size="13"><style>.title{{font-size:15px;font-weight:bold}} .label{{font-size:13px}} '
           f'.legend{{font-size:12.5px}} .note{{font-size:13px;fill:#b00}} text{{fill:#222}}</style>'
           f'<rect width="{width}" height="{height}" fill="white"/>']
    title = plots.describe(r) + f", lr {state.lr:g}, {state.steps:,} steps, seed {state.seed}"
    out.append(f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="17" font-weight="bold">'
               f'{_esc(title)}</text>')
    # One legend for the layer colours of the three layer panels.
    u = 24.0
    out.append(f'<text x="{u}" y="{44}" class="legend">layers:</text>')
    u += 52
    for name, color in zip(names, colors):
        out.append(f'<line x1="{u:.0f}" y1="40" x2="{u + 18:.0f}" y2="40" stroke="{color}" stroke-width="3"/>'
                   f'<text x="{u + 22:.0f}" y="44" class="legend">{name}</text>')
        u += 30 + 7.5 * len(name)
    cell_w, cell_h, top = width / 3, (height - 52) / 2, 52
    boxes = [(c * cell_w, top + row * cell_h, cell_w, cell_h) for row in range(2) for c in range(3)]
    steps = r.record_steps
    xlim_steps = (0, r.config["steps"])

    # 1. What the trained net outputs; the axis widens (and says so) when the estimate leaves +-1.3.
    x = np.linspace(-1.0, 1.0, 201, dtype=np.float32)
    estimate = r.predict(x).astype(np.float64)
    finite = estimate[np.isfinite(estimate)]
    low = min(-1.3, float(finite.min()) * 1.05) if finite.size else -1.3
    high = max(1.3, float(finite.max()) * 1.05) if finite.size else 1.3
    widened = (low, high) != (-1.3, 1.3)
    ax = _SvgAxes(out, boxes[0], "What the trained net outputs" + (" (axis widened)" if widened else ""),
                  "input x", "estimate 2·output", (-1.0, 1.0), (low, high))
    ax.line(x, x, "#000", width=1.2, dash="5,4", label="target: estimate = x")
    ax.line(x, estimate, COLORS[0], label="this run")
    ax.finish(xticks=[-1, -0.5, 0, 0.5, 1])

    # 2. Training loss, a running mean of 200 steps.
    loss = plots.running_mean(r.losses, 200)
    ax = _SvgAxes(out, boxes[1], "Training loss", "step", "loss (running mean of 200)",
                  (0, max(len(loss) - 1, 1)), _limits([loss], log=True), ylog=True)
    ax.line(np.arange(len(loss)), loss, COLORS[0])
    ax.finish()

    # 3. Gradient scale per layer: measured at init vs predicted at init (like with like), and the run's.
    c = r.config
    args = (c["depth"], c["init"], c["sigma"], c["seed"], c.get("bias"))
    at_init = np.array(grad_std_at_init(*args))
    predicted = np.array(predict_grad_std(*args))
    over_run = np.array([g.std() for g in r.grads], dtype=np.float64)
    layers = np.arange(1, len(names) + 1)
    ax = _SvgAxes(out, boxes[2], "Gradient scale per layer", "weight layer (last = output)",
                  "std of kernel gradient", (0.6, len(names) + 0.4),
                  _limits([at_init, predicted, over_run], log=True), ylog=True)
    ax.line(layers, np.where(over_run > 0, over_run, np.nan), "#999", width=1.5, dash="2,3")
    ax.line(layers, np.where(over_run > 0, over_run, np.nan), "#999", marker="o", label="measured over the run")
    ax.line(layers, np.where(at_init > 0, at_init, np.nan), COLORS[0])
    ax.line(layers, np.where(at_init > 0, at_init, np.nan), COLORS[0], marker="o", label="measured at init")
    ax.line(layers, np.where(predicted > 0, predicted, np.nan), COLORS[1], marker="x", label="predicted at init")
    ax.finish(xticks=list(layers) if len(layers) <= 9 else None)

    # 4. Gradient sizes over steps: mean |g| per layer and its 16-84 % band.
    mids, bands = [], []
    for g in r.grads:
        size = np.abs(g)
        low_q, high_q = np.percentile(size, (16, 84), axis=1)
        mid = size.mean(axis=1)
        mids.append(np.where(mid > 0, mid, np.nan))
        bands.append((low_q, high_q))
    ax = _SvgAxes(out, boxes[3], "Gradient sizes over steps", "step", "|kernel gradient| (mean, 16-84 %)",
                  xlim_steps, _limits(mids + [b for pair in bands for b in pair], log=True), ylog=True)
    for (low_q, high_q), color in zip(bands, colors):
        ax.band(steps, np.where(low_q > 0, low_q, np.nan), np.where(high_q > 0, high_q, np.nan), color)
    for mid, color in zip(mids, colors):
        ax.line(steps, mid, color)
    if not any(np.isfinite(m).any() for m in mids):
        ax.note("all gradients are exactly 0", where="middle")
    ax.finish()

    # 5. Update : data ratio per layer, with the frozen line.
    ratio = np.where(r.update_ratio > 0, r.update_ratio, np.nan)
    ax = _SvgAxes(out, boxes[4], "Update : data ratio", "step", "|lr·update| / |weights|", xlim_steps,
                  _limits([ratio, [FROZEN_RATIO]], log=True), ylog=True)
    ax.line(xlim_steps, [FROZEN_RATIO] * 2, "#000", width=1.2, dash="5,4",
            label=f"frozen below {_power_of_ten(FROZEN_RATIO, None)} (float32)")
    for i, color in enumerate(colors):
        ax.line(steps, ratio[:, i], color)
    ax.finish()

    # 6. Live units: the share of each hidden layer's ReLUs that are on.
    ax = _SvgAxes(out, boxes[5], "Live units", "step", "share of ReLUs on", xlim_steps, (-0.03, 1.03))
    dashes = (None, "7,4", "2,3", "8,3,2,3")
    for i, acts in enumerate(r.activations):
        ax.line(steps, np.mean(acts > 0, axis=1), colors[i], dash=dashes[i % 4])
    ax.finish()
    out.append("</svg>")
    return "".join(out)


def snapshot(state="depth=2&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0"):
    """Print the verdict and show the six panels for a state string, without widgets.

    For notebooks read on GitHub (where widgets do not run) and for tests.
    """
    from IPython.display import Image, display

    view = run(ExplorerState.from_string(state) if isinstance(state, str) else state)
    print(view.state.to_string())
    print("verdict:", view.verdict)
    if view.result is not None:
        display(Image(png(draw(view, new_figure()))))


class Explorer:
    """The ipywidgets panel. `Explorer(state).widget` is the panel; `show()` displays one."""

    REMEMBER = 12            # runs kept for going back to a setting (a depth-8 run's recordings: 3.7 MB)
    DEBOUNCE_S = 0.005       # long enough to gather the messages of one dragged slider, no longer

    def __init__(self, state=None, precompile=False, compact=False):
        """compact: the dashboard's layout, two rows of controls above the figure (see dashboard())."""
        import ipywidgets as w

        self.compact = compact

        self.state = state if isinstance(state, ExplorerState) else (
            ExplorerState.from_string(state) if state else ExplorerState())
        s = self.state
        slider = dict(continuous_update=False, style={"description_width": "initial"})
        self.depth = w.IntSlider(s.depth, *DEPTHS, description="hidden layers", **slider)
        self.init = w.Dropdown(options=[(label, key) for key, label in INIT_LABELS.items()], value=s.init,
                               description="initializer", style=slider["style"])
        self.sigma = w.FloatLogSlider(s.sigma, base=10, min=-4, max=1, step=0.25, description="σ",
                                      readout_format=".0e", disabled=s.init != "normal", **slider)
        self.opt = w.ToggleButtons(options=[("SGD", "sgd"), ("Adam", "adam")], value=s.opt,
                                   description="optimizer",
                                   style={"description_width": "initial", "button_width": "64px"})
        self.lr = w.FloatLogSlider(s.lr, base=10, min=-4, max=0, step=0.25, description="learning rate",
                                   readout_format=".0e", **slider)
        self.steps = w.Dropdown(options=[(f"{n:,}", n) for n in STEPS], value=s.steps, description="steps",
                                style=slider["style"])
        self.seed = w.BoundedIntText(s.seed, min=SEED_RANGE[0], max=SEED_RANGE[1], description="seed",
                                     style=slider["style"], layout=w.Layout(width="160px"))
        # continuous_update=False: the value arrives when the student presses Enter (or leaves the box).
        self.state_text = w.Text(s.to_string(), description="state", layout=w.Layout(width="560px"),
                                 style=slider["style"], continuous_update=False)
        self.load = w.Button(description="Load state", tooltip="apply the pasted state string")
        self.status = w.HTML()
        self.verdict = w.HTML()
        # The figure is SVG in an HTML widget: the browser draws it (see draw_svg).
        self.image = w.HTML(layout=w.Layout(width="100%"))
        self.controls = [self.depth, self.init, self.sigma, self.opt, self.lr, self.steps, self.seed]
        if compact:
            self.state_text.layout.width = "430px"
            self.steps.layout.width = "170px"
            self.init.layout.width = "270px"
            self.widget = w.VBox([
                w.HBox([self.depth, self.init, self.opt, self.sigma, self.status]),
                w.HBox([self.lr, self.steps, self.seed, self.state_text, self.load]),
                self.verdict, self.image])
            self.widget.add_class("explorer-dashboard")
        else:
            self.widget = w.VBox([
                w.HBox([self.depth, self.init, self.sigma]),
                w.HBox([self.opt, self.lr, self.steps, self.seed]),
                w.HBox([self.state_text, self.load]),
                self.status, self.verdict, self.image])
        self.widget.add_class("course-explorer")           # names for the browser test to find
        self.verdict.add_class("explorer-verdict")
        self.image.add_class("explorer-figure")
        self.state_text.add_class("explorer-state")
        self.status.add_class("explorer-status")

        self.view = None            # the last good view
        self._seen = {}             # state -> (view, figure) of the last REMEMBER runs: going back is instant
        self.latency_ms = None      # callback start -> figure sent to the page
        self._timer = None
        self._applying = False
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.load.on_click(self._on_load)
        self.state_text.observe(self._on_state_text, names="value")
        self.refresh()
        if precompile:
            threading.Thread(target=self._precompile, daemon=True, name="explorer-precompile").start()

    def _precompile(self):
        """Compile the other depths in the background, nearest first, so a slider move finds them ready."""
        # One compiled graph per depth serves both optimizers and every step count the panel offers,
        # so the shortest run compiles it.
        for depth in sorted(range(DEPTHS[0], DEPTHS[1] + 1), key=lambda d: abs(d - self.state.depth)):
            train_net(depth=depth, steps=STEPS[0])

    # -- events -----------------------------------------------------------------------------------
    def _on_change(self, change):
        if self._applying:
            return
        self.sigma.disabled = self.init.value != "normal"
        self._schedule()

    def _on_state_text(self, change):
        # The panel writes each run's state into the box too; only a string the student typed is loaded.
        if not self._applying and change["new"] != self.state.to_string():
            self._on_load(None)

    def _on_load(self, _):
        try:
            state = ExplorerState.from_string(self.state_text.value)
        except ValueError as err:
            self._message(f"Could not load that state: {err}. The plot shows the last good run.")
            return
        self.set_state(state)

    def _schedule(self):
        """Retrain soon, once: moves that arrive meanwhile (even during a retrain) coalesce into one."""
        import asyncio
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:            # no event loop (plain Python, tests): retrain now
            self.refresh()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.DEBOUNCE_S, self.refresh)

    # -- state ------------------------------------------------------------------------------------
    def set_state(self, state):
        """Move every control to `state` (one retrain, not seven) and retrain."""
        self._applying = True
        try:
            for control, value in zip(self.controls, (state.depth, state.init, state.sigma, state.opt,
                                                      state.lr, state.steps, state.seed)):
                control.value = value
            self.sigma.disabled = state.init != "normal"
        finally:
            self._applying = False
        self.refresh()

    def current_state(self):
        return ExplorerState(depth=int(self.depth.value), init=self.init.value,
                             sigma=float(self.sigma.value), opt=self.opt.value, lr=float(self.lr.value),
                             steps=int(self.steps.value), seed=int(self.seed.value))

    # -- work -------------------------------------------------------------------------------------
    def refresh(self):
        """Retrain with the controls' values and redraw; on bad input keep the last good plot."""
        self._timer = None
        started = time.perf_counter()
        try:
            state = self.current_state()
        except ValueError as err:
            self._message(f"{err}. The plot shows the last good run.")
            return
        remembered = self._seen.pop(state, None)
        if remembered is None:
            self.status.value = f"<b>⏳ training:</b> {state.to_string()} …"
            # No disabling of the controls while training: that is two more messages per control and
            # move, and moves that arrive meanwhile coalesce into one retrain anyway (see _schedule).
            view = run(state)
            if view.result is None:
                self._message(f"{view.verdict} The plot shows the last good run.")
                return
            figure = draw_svg(view)
        else:
            view, figure = remembered
        self._seen[state] = (view, figure)              # the most recent last; forget the oldest
        while len(self._seen) > self.REMEMBER:
            self._seen.pop(next(iter(self._seen)))
        self.image.value = figure
        self.verdict.value = f"<b>Verdict:</b> {view.verdict}"
        self.view, self.state = view, state
        self._applying = True           # the box shows this run's string; that is not a paste to load
        try:
            self.state_text.value = state.to_string()
        finally:
            self._applying = False
        self.latency_ms = (time.perf_counter() - started) * 1e3
        how = (f"trained in {view.train_ms:.0f} ms" if remembered is None
               else f"seen before (trained in {view.train_ms:.0f} ms then)")
        # The state names the run (and makes each move's status new, which the browser test relies on).
        self.status.value = f"{'' if self.compact else state.to_string() + ': '}{how}, shown in {self.latency_ms:.0f} ms."

    def _message(self, text):
        self.status.value = f"<span style='color:#b00'><b>⚠</b> {text}</span>"


def show(state=None, precompile=True):
    """Display a new explorer panel (optionally starting from a state string) and return it.

    precompile: compile all depths in a background thread, so moving the depth slider is quick.
    """
    from IPython.display import display

    explorer = Explorer(state, precompile=precompile)
    display(explorer.widget)
    return explorer



# The dashboard (make dashboard, and the README's Voila link): the panel alone, sized for a projector.
# The figure keeps its proportions and is as tall as the window allows under two rows of controls,
# so controls and all six panels fit together on a 1366 x 768 screen.
DASHBOARD_CSS = """<style>
.explorer-dashboard { height: calc(100vh - 20px); font-size: 15px; }
.explorer-dashboard .widget-label, .explorer-dashboard .widget-readout, .explorer-dashboard input,
.explorer-dashboard select, .explorer-dashboard button, .explorer-dashboard .widget-html-content { font-size: 15px; }
.explorer-dashboard .explorer-status .widget-html-content { font-size: 13px; color: #555; }
.explorer-dashboard .explorer-figure { flex: 1 1 0; min-height: 0; }
.explorer-dashboard .explorer-figure .widget-html-content { height: 100%; }
.explorer-dashboard .explorer-svg { height: 100% !important; width: auto !important; max-width: 100%; margin: 0 auto; }
body.voila-body, .jp-Notebook, #rendered_cells { padding-top: 2px !important; margin-top: 0 !important; }
</style>"""


def dashboard(state=None):
    """Display the explorer alone, for projection (dashboard/explorer.ipynb under Voila)."""
    from IPython.display import HTML, display

    display(HTML(DASHBOARD_CSS))
    explorer = Explorer(state, precompile=True, compact=True)
    display(explorer.widget)
    return explorer
