"""The classroom explorer: sliders for depth, initializer, optimizer, learning rate, steps and seed.

Every change retrains with train_net (tens of milliseconds once a depth is compiled) and
redraws six views of the run with a one-line verdict in plain words; a setting run before is shown at once. The panel's settings can
be copied as a short string and pasted back, e.g.

    depth=5&init=normal&sigma=0.01&opt=adam&lr=0.001&steps=10000&seed=0

The logic is plain functions, tested without a browser:
    ExplorerState   the settings; .to_string() / ExplorerState.from_string()
    run(state)      train and judge: a View with the result, the verdict and timings
    (the one-line diagnosis, verdict(result), lives in helpers/diagnosis.py)
    draw_svg(view)  the six panels as SVG, for the live panel (helpers/explorer_svg.py; the browser draws it)
    draw(view, fig) the same six panels with matplotlib, for snapshot() (fixed PNG pictures)
and `Explorer` is the ipywidgets panel around them (`show()` displays one; `dashboard()` the projector layout).
"""
import atexit
import dataclasses
import html
import io
import math
import numbers
import threading
import time
from urllib.parse import parse_qsl

from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

from . import plots
from .diagnosis import verdict
from .explorer_svg import draw_svg, power_of_ten
from .training import (INITS, OPTIMIZERS, TrainingDiverged, check_config, is_whole_number,
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
            ax.yaxis.set_major_formatter(power_of_ten)
    fig.suptitle(plots.describe(r) + f", lr {view.state.lr:g}, {view.state.steps:,} steps, seed {view.state.seed}")
    return fig


def png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


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


def trace_all_depths():
    """Trace (not compile) the panel's program for depths 1-8, in that order; True if it could.

    XLA's persistent cache (helpers/quiet.py) names a program by its traced function's name, which carries a
    per-process counter: a kernel finds the cached programs only if it traced them in the same order as the
    process that cached them. Tracing all depths first, before the panel's first run, makes that order the same
    in every fresh kernel that opens the panel (it costs 1-3 s); warm_cache() does the same.
    """
    try:
        from . import training
        for depth in range(DEPTHS[0], DEPTHS[1] + 1):
            training.trace(depth, STEPS[0])   # one program per depth serves every STEPS value and optimizer
        return True
    except Exception:                 # training's internals changed: the depths compile when first used
        return False


def warm_cache(quiet=True):
    """Compile the panel's program for every depth into XLA's persistent cache (helpers/quiet.py), as a fresh
    kernel's panel traces it: once as the dashboard opens it (helpers imported) and once as notebook 04 does
    (helpers.setup() first), each in its own process. `make install` and Binder's postBuild run this, so a
    student's first use of a depth loads its program from disk (benchmarks/explorer_first_use.py)."""
    import subprocess
    import sys
    for setup in ("", "helpers.setup(); "):
        code = (f"import helpers; {setup}from helpers import explorer; explorer.trace_all_depths(); "
                f"[explorer.train_net(depth=d, steps=explorer.STEPS[0]) for d in range(1, 9)]")
        subprocess.run([sys.executable, "-c", code], check=True,
                       stdout=subprocess.DEVNULL if quiet else None)


def _figure_html(view):
    """What the panel's figure widget shows: the verdict line above the six panels."""
    return (f'<div class="explorer-verdict"><b>Verdict:</b> {html.escape(view.verdict, quote=False)}</div>'
            + draw_svg(view))


class Explorer:
    """The ipywidgets panel. `Explorer(state).widget` is the panel; `show()` displays one."""

    REMEMBER = 20            # runs kept, seen or prefetched (a depth-8 run's recordings: 3.7 MB)
    DEBOUNCE_S = 0.005       # long enough to gather the messages of one dragged slider, no longer

    def __init__(self, state=None, precompile=False, compact=False, prefetch=False):
        """precompile: compile every depth in a background thread, nearest first, so a move finds it ready.
        prefetch: while the panel is idle, train the settings one move away in that thread (see neighbours()).
        compact: the dashboard's layout, two rows of controls above the figure (see dashboard())."""
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
        # The verdict and the figure (SVG: the browser draws it, see draw_svg) in one HTML widget, so a move
        # sends them to the page in one message (see _figure_html).
        self.image = w.HTML(layout=w.Layout(width="100%"))
        self.controls = [self.depth, self.init, self.sigma, self.opt, self.lr, self.steps, self.seed]
        if compact:
            self.state_text.layout.width = "430px"
            self.steps.layout.width = "170px"
            self.init.layout.width = "270px"
            self.widget = w.VBox([
                w.HBox([self.depth, self.init, self.opt, self.sigma, self.status]),
                w.HBox([self.lr, self.steps, self.seed, self.state_text, self.load]),
                self.image])
            self.widget.add_class("explorer-dashboard")
        else:
            self.widget = w.VBox([
                w.HBox([self.depth, self.init, self.sigma]),
                w.HBox([self.opt, self.lr, self.steps, self.seed]),
                w.HBox([self.state_text, self.load]),
                self.status, self.image])
        self.widget.add_class("course-explorer")           # names for the browser test to find
        self.image.add_class("explorer-figure")
        self.state_text.add_class("explorer-state")
        self.status.add_class("explorer-status")

        self.view = None            # the last good view
        self._seen = {}             # state -> (view, figure, how) of the last REMEMBER runs: going back is instant
        self.latency_ms = None      # callback start -> figure sent to the page
        self._timer = None
        self._applying = False
        # The background worker (see _work): one lock for _seen and the fields below, one condition to wake it.
        self._lock = threading.Condition()
        self._moving = False        # a move of the student's is waiting or being served: the worker waits
        self._cell_running = False  # a notebook cell is running: no prefetching (it would slow the cell)
        self._inflight = None       # (state, threading.Event) of the run the worker is doing now
        self._stopped = False
        self._to_compile = []       # depths still to compile, nearest to the opening depth first
        self._prefetch = prefetch
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.load.on_click(self._on_load)
        self.state_text.observe(self._on_state_text, names="value")
        if precompile:
            trace_all_depths()          # before the first run: see trace_all_depths()
        self.refresh()
        if precompile or prefetch:
            if precompile:
                # One compiled graph per depth serves both optimizers and every step count the panel offers
                # (the one warm_cache() compiles).
                self._to_compile = sorted(range(DEPTHS[0], DEPTHS[1] + 1), key=lambda d: abs(d - self.state.depth))
            self._watch_cells()
            self._worker = threading.Thread(target=self._work, daemon=True, name="explorer-background")
            self._worker.start()
            # At kernel shutdown, let the worker finish its run (at most a compile, a few s) before the interpreter
            # goes: a daemon thread killed inside TensorFlow aborts the process ("FATAL: exception not rethrown").
            atexit.register(self._stop_worker)

    # -- background work: compile every depth, then train the settings one move away ---------------
    def neighbours(self, state=None):
        """The settings one move away from `state`, most likely first: depth +-1, the other initializers,
        the other optimizer. The worker trains them while the panel is idle, so that move is instant."""
        s = state or self.state
        out = [dataclasses.replace(s, depth=d) for d in (s.depth + 1, s.depth - 1) if DEPTHS[0] <= d <= DEPTHS[1]]
        out += [dataclasses.replace(s, init=i) for i in INITS if i != s.init]
        out.append(dataclasses.replace(s, opt="adam" if s.opt == "sgd" else "sgd"))
        return out

    def _next_job(self):
        """What the worker does next (called under the lock): a depth to compile, a setting to train, or None."""
        if self._moving:
            return None
        if self._to_compile:
            return self._to_compile.pop(0)
        if self._prefetch and not self._cell_running:
            for state in self.neighbours():
                if state not in self._seen:
                    return state
        return None

    def _work(self):
        """The worker: never runs while a move is served; each job is one run (a run cannot be interrupted,
        so a move that arrives meanwhile runs beside it on the other core, or waits for it if it is the
        same setting). A run's result does not depend on when it ran, so prefetching changes only timings."""
        while True:
            with self._lock:
                job = self._next_job()
                while job is None and not self._stopped:
                    self._lock.wait()
                    job = self._next_job()
                if self._stopped:
                    return
                done = threading.Event()
                if isinstance(job, ExplorerState):
                    self._inflight = (job, done)
            try:
                if isinstance(job, ExplorerState):
                    view = run(job)
                    entry = (view, _figure_html(view) if view.result is not None else None, "prefetched")
                    with self._lock:
                        if view.result is not None and job not in self._seen:
                            self._remember(job, entry)
                else:
                    train_net(depth=job, steps=STEPS[0])
            except Exception:           # a failed prefetch costs the move its head start, nothing more
                pass
            finally:
                with self._lock:
                    self._inflight = None
                done.set()

    def _remember(self, state, entry):
        """Keep a run (under the lock): the most recent last; forget the oldest. REMEMBER is well above the
        number of neighbours, so a prefetched run stays until the student has moved on."""
        self._seen[state] = entry
        while len(self._seen) > self.REMEMBER:
            self._seen.pop(next(iter(self._seen)))

    def _watch_cells(self):
        """Pause prefetching while a notebook cell runs (Run All, the exercises), through IPython's events."""
        try:
            from IPython import get_ipython
            shell = get_ipython()
        except ImportError:
            shell = None
        if shell is None:
            return

        def pre(*_):
            self._cell_running = True

        def post(*_):
            with self._lock:
                self._cell_running = False
                self._lock.notify()

        shell.events.register("pre_run_cell", pre)
        shell.events.register("post_run_cell", post)
        self._unwatch = lambda: (shell.events.unregister("pre_run_cell", pre),
                                 shell.events.unregister("post_run_cell", post))

    def _stop_worker(self, timeout=30):
        """Stop the background worker after its current run, and wait for it (up to `timeout` s)."""
        with self._lock:
            self._stopped = True
            self._lock.notify()
        worker = getattr(self, "_worker", None)
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)

    def close(self):
        """Stop the background worker (after its current run) and close the widgets."""
        self._stop_worker(timeout=0)
        if hasattr(self, "_unwatch"):
            self._unwatch()
        self.widget.close()

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
        self._moving = True             # the worker starts nothing new until this move is shown
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
        self._moving = True
        try:
            self._show(self.current_state())
        except ValueError as err:
            self._message(f"{err}. The plot shows the last good run.")
        finally:
            with self._lock:
                self._moving = False
                self._lock.notify()

    def _show(self, state):
        started = time.perf_counter()
        with self._lock:
            remembered = self._seen.pop(state, None)
            inflight = self._inflight if remembered is None and self._inflight and self._inflight[0] == state else None
        if inflight:                    # the worker is training this very setting: wait for it
            inflight[1].wait()
            with self._lock:
                remembered = self._seen.pop(state, None)
        if remembered is None:
            self.status.value = f"<b>⏳ training:</b> {state.to_string()} …"
            # No disabling of the controls while training: that is two more messages per control and
            # move, and moves that arrive meanwhile coalesce into one retrain anyway (see _schedule).
            view = run(state)
            if view.result is None:
                self._message(f"{view.verdict} The plot shows the last good run.")
                return
            figure, how = _figure_html(view), "trained"
        else:
            view, figure, how = remembered
        with self._lock:
            self._remember(state, (view, figure, "seen before"))
        self.image.value = figure
        self.view, self.state = view, state
        self._applying = True           # the box shows this run's string; that is not a paste to load
        try:
            self.state_text.value = state.to_string()
        finally:
            self._applying = False
        self.latency_ms = (time.perf_counter() - started) * 1e3
        how = {"trained": f"trained in {view.train_ms:.0f} ms",
               "seen before": f"seen before (trained in {view.train_ms:.0f} ms then)",
               "prefetched": f"trained ahead while idle (in {view.train_ms:.0f} ms)"}[how]
        # The state names the run (and makes each move's status new, which the browser test relies on).
        self.status.value = f"{'' if self.compact else state.to_string() + ': '}{how}, shown in {self.latency_ms:.0f} ms."

    def _message(self, text):
        self.status.value = f"<span style='color:#b00'><b>⚠</b> {text}</span>"


def show(state=None, precompile=True, prefetch=True):
    """Display a new explorer panel (optionally starting from a state string) and return it.

    precompile: compile all depths in a background thread, so moving the depth slider is quick.
    prefetch: while idle, train the settings one move away in that thread, so the next move is instant.
    """
    from IPython.display import display

    explorer = Explorer(state, precompile=precompile, prefetch=prefetch)
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
.explorer-dashboard .explorer-figure .widget-html-content { height: 100%; display: flex; flex-direction: column; }
.explorer-dashboard .explorer-verdict { flex: none; }
.explorer-dashboard .explorer-svg { flex: 1 1 0; min-height: 0; align-self: center; height: auto !important; width: auto !important; max-width: 100%; margin: 0 auto; }
body.voila-body, .jp-Notebook, #rendered_cells { padding-top: 2px !important; margin-top: 0 !important; }
</style>"""


def dashboard(state=None):
    """Display the explorer alone, for projection (dashboard/explorer.ipynb under Voila)."""
    from IPython.display import HTML, display

    display(HTML(DASHBOARD_CSS))
    explorer = Explorer(state, precompile=True, prefetch=True, compact=True)
    display(explorer.widget)
    return explorer
