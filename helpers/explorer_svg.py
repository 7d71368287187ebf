"""The explorer's live figure: the same six panels as explorer.draw(), written directly as SVG.

Matplotlib needs 0.3-0.8 s to draw and encode the six panels; a slider move must show within 100 ms. The
browser draws SVG itself, so Python only formats a few thousand numbers (a few ms), and the text stays sharp at
any size on a projector. explorer.snapshot() keeps matplotlib's PNG for the notebook's fixed pictures (what
GitHub shows and nbval compares), so the two drawings must be kept in step panel by panel.
"""
import functools
import math

import numpy as np

from . import plots
from .diagnosis import FROZEN_RATIO
from .theory import predict_grad_std
from .training import initial_params

def power_of_ten(value, _):
    """A log axis tick label as plain text (10⁻⁵, 2·10⁻⁵): drawn much faster than the default math text."""
    if not value > 0:
        return ""
    exponent = math.floor(math.log10(value) + 1e-9)
    mantissa = round(value / 10.0 ** exponent, 6)
    power = "10" + str(exponent).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return power if mantissa == 1 else f"{mantissa:g}·{power}"

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
        return power_of_ten(value, None)
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
            label=f"frozen below {power_of_ten(FROZEN_RATIO, None)} (float32)")
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
