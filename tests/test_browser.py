"""The explorer in a real browser: JupyterLab + headless Chromium, driven by Playwright.

Starts JupyterLab from this environment on a free loopback port with a token, opens a copy of
04_explorer.ipynb, runs all cells, moves the depth slider and changes the initializer, and checks
that the figure and the verdict change. Saves screenshots to test-artifacts/.

Needs Debian's Chromium at /usr/bin/chromium (`make test` installs it where apt-get is allowed)
and the `playwright` package; without them the test is skipped, loudly.
"""
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="SKIPPED LOUDLY: playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"SKIPPED LOUDLY: no browser test: {CHROMIUM} is missing (apt-get install chromium)",
                allow_module_level=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, token, path):
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def stop(server, log):
    """Stop a server started by a test (terminate, then kill if it hangs) and close its log."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture()
def lab(tmp_path):
    """A JupyterLab server on a copy of the course, so autosave never touches the repo."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "04_explorer.ipynb", tmp_path / "notebooks")
    shutil.copytree(ROOT / "helpers", tmp_path / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    # Render every cell (no windowing), so the panel stays in the page after Run All scrolls to the end.
    tracker = tmp_path / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    port, token = free_port(), os.urandom(16).hex()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={tmp_path / 'notebooks'}", "--LabApp.news_url=None"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: api(base, token, "/api/status") is not None, 60, "JupyterLab to start")
        yield base, token
    finally:
        stop(server, log)


def kernel_connected_and_idle(base, token):
    sessions = api(base, token, "/api/sessions")
    return any(s["path"].endswith("04_explorer.ipynb") and s["kernel"]["execution_state"] == "idle"
               and s["kernel"]["connections"] >= 1 for s in sessions)


# Installed in the page: the time from a move (Enter in a readout, or a new choice in a dropdown) to the
# first frame painted after the new figure and its verdict (one widget, one message) are in the page, measured
# by the page's own clock; and to the frame after the panel's status (sent last) says the run is shown. The
# status also says how the kernel served the move: trained it, had trained it ahead, or had run it before.
MEASURE_MOVES = """() => {
  const panel = document.querySelector('.course-explorer');
  const status = panel.querySelector('.explorer-status');
  const figure = panel.querySelector('.explorer-figure');
  window.__moves = []; window.__allMs = []; window.__status = []; let start = null, figureAt = null;
  const begin = () => { start = performance.now(); figureAt = null; };
  document.addEventListener('keydown', e => { if (e.key === 'Enter') begin(); }, true);
  document.addEventListener('change', e => { if (e.target.tagName === 'SELECT') begin(); }, true);
  new MutationObserver(() => {
    if (start === null || figureAt !== null) return;
    figureAt = -1; requestAnimationFrame(() => { figureAt = performance.now(); });
  }).observe(figure, {childList: true, subtree: true, characterData: true, attributes: true});
  new MutationObserver(() => {
    const text = status.innerText;
    if (start === null || !/shown in/.test(text)) return;
    const t0 = start; start = null;
    // rAF callbacks run in the order they were asked for: the figure's frame time is known by then.
    requestAnimationFrame(() => { const now = performance.now();
                                  window.__moves.push(figureAt > 0 ? figureAt - t0 : now - t0);
                                  window.__allMs.push(now - t0); window.__status.push(text); });
  }).observe(status, {childList: true, subtree: true, characterData: true});
}"""


PAUSE_S = float(os.environ.get("EXPLORER_PAUSE_S", "1"))   # a student's look at the figure between moves


def summary(latencies):
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[-1]


def test_explorer_sliders_retrain_and_redraw_in_the_browser(lab, capsys):
    base, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/04_explorer.ipynb?token={token}")
            # Run All is lost if it is sent before the kernel is connected, so wait for both the
            # server's view (connected and idle) and the notebook toolbar's.
            wait_for(lambda: kernel_connected_and_idle(base, token), 120, "the kernel to be connected and idle")
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)

            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            panel = page.locator(".course-explorer").first
            verdict = panel.locator(".explorer-verdict")
            page.wait_for_function("() => (document.querySelector('.explorer-verdict') || {}).innerText"
                                   " && document.querySelector('.explorer-verdict').innerText.includes('Verdict')",
                                   timeout=180_000)
            figure = panel.locator(".explorer-figure").first
            # Then let Run All finish (the snapshots and exercises below the panel): until it does, the
            # kernel answers no widget message.
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=900_000)
            panel.scroll_into_view_if_needed()
            first_figure, first_verdict = figure.inner_html(), verdict.inner_text()
            assert "<svg" in first_figure
            assert "learns" in first_verdict        # notebook 04 opens the panel on the shallow net
            page.screenshot(path=str(ARTIFACTS / "explorer-1-start.png"))
            page.evaluate(MEASURE_MOVES)

            readout = panel.locator(".widget-slider .widget-readout").first
            init = panel.locator("select").first

            def moves_so_far():
                return page.evaluate("() => window.__moves.length")

            def wait_for_move(count):
                """Wait for move number count + 1 (count read before the move: a quick one may be done already)."""
                page.wait_for_function("n => window.__moves.length > n", arg=count, timeout=120_000)
                return page.evaluate("() => window.__moves[window.__moves.length - 1]")

            def set_depth(value, pause=0):
                """Type into the depth slider's readout, as a student can, and wait for the panel to answer."""
                time.sleep(pause)
                count = moves_so_far()
                for _ in range(5):          # on a busy machine the first click may not focus the readout yet
                    readout.click()
                    page.keyboard.press("Control+A")
                    page.keyboard.type(str(value))
                    if readout.inner_text().strip() == str(value):
                        break
                    time.sleep(0.5)
                page.keyboard.press("Enter")
                return wait_for_move(count)

            def set_init(label, pause=0):
                time.sleep(pause)
                count = moves_so_far()
                init.select_option(label=label)
                return wait_for_move(count)

            set_depth(2)                            # the seed's deeper net: a long plateau
            assert figure.inner_html() != first_figure
            assert "on a plateau" in verdict.inner_text(), verdict.inner_text()
            page.screenshot(path=str(ARTIFACTS / "explorer-2-depth-2.png"))

            # Depth 2 with Glorot: the seed's deeper net, fixed.
            set_init("Glorot, bias 0.1")
            # Glorot at depth 2 reaches the target error well within 10,000 steps, then levels off.
            assert "converged" in verdict.inner_text(), verdict.inner_text()
            assert figure.inner_html() != first_figure
            state = panel.locator(".explorer-state input").first.input_value()
            assert state == "depth=2&init=glorot&opt=sgd&lr=0.001&steps=10000&seed=0"
            page.screenshot(path=str(ARTIFACTS / "explorer-3-glorot.png"))

            # Every depth once (its first use may still be compiling in the background), then the timed
            # moves, each to a setting not run before, at every depth: the initializer to He, then
            # (from depth 7 down to 1, and back to 8) the depth, then the initializer to the seed's.
            # Before each timed move the test looks at the figure for PAUSE_S seconds, as a student would; the
            # panel's worker uses that time to train the settings one move away (0 measures moves back to back).
            first_use = {depth: set_depth(depth) for depth in range(1, 9)}
            per_depth = {8: [set_init("He, bias 0.1", PAUSE_S)]}
            revisits = []
            for depth in (7, 6, 5, 4, 3, 2, 1, 8):
                per_depth.setdefault(depth, []).append(set_depth(depth, PAUSE_S))
                per_depth[depth].append(set_init("seed: N(0, 1e-3)", PAUSE_S))
                revisits.append(set_init("He, bias 0.1", PAUSE_S))           # a setting run a moment ago
            statuses = page.evaluate("() => window.__status")
            all_ms = page.evaluate("() => window.__allMs")
            page.screenshot(path=str(ARTIFACTS / "explorer-4-depth-8.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "explorer-failure.png"))
            raise
        finally:
            browser.close()

    moves = [ms for depth in per_depth for ms in per_depth[depth]]
    timed = statuses[-(len(moves) + len(revisits)):]
    # Every third timed move goes back to the setting run a moment ago: the panel kept it.
    assert all("seen before" in text for text in timed[3::3]), timed
    # How the kernel served each move: trained now, trained ahead by the panel's worker while idle, or seen before.
    kernel = [re.search(r"(trained in|trained ahead while idle \(in|seen before \(trained in) (\d+) ms.*shown in (\d+) ms",
                        text) for text in timed]
    shown_ms = [int(m.group(3)) for m in kernel if m]
    served = {"trained in": "trained on the move", "trained ahead while idle (in": "trained ahead while idle",
              "seen before (trained in": "seen before"}
    counts = {name: sum(1 for m in kernel if m and m.group(1) == key) for key, name in served.items()}
    lines = ["Explorer in headless Chromium: a move (Enter in the depth readout, or a new initializer) to the",
             f"first frame painted after the new figure and verdict are in the page (ms); {PAUSE_S:g} s "
             "between moves (EXPLORER_PAUSE_S).",
             "  depth   first move   new settings: median   worst"]
    for depth in range(1, 9):
        median, worst = summary(per_depth[depth])
        lines.append(f"  {depth:5d}   {first_use[depth]:10.0f}   {median:20.0f}   {worst:5.0f}")
    median, worst = summary(moves)
    lines += [f"  the kernel served the {len(timed)} timed moves: "
              + ", ".join(f"{n} {name}" for name, n in counts.items())
              + f"; in the kernel (callback to figure sent) median {statistics.median(shown_ms):.0f} ms; "
              f"to the status line too (sent last) median {statistics.median(all_ms[-len(timed):]):.0f} ms",
              f"  back to a setting run before (kept by the panel): median {summary(revisits)[0]:.0f} ms, "
              f"worst {summary(revisits)[1]:.0f} ms",
              f"move-to-figure median {median:.0f} ms, worst {worst:.0f} ms"]
    (ARTIFACTS / "browser-latency.txt").write_text("\n".join(lines) + "\n")
    with capsys.disabled():
        print("\n" + "\n".join(lines))


# -- the dashboard (make dashboard): the panel alone, on a projector's screen, and no kernels left behind ---
def voila_kernels(server_pid):
    """The kernels a Voila server started (its ipykernel child processes): [psutil.Process], oldest first."""
    psutil = pytest.importorskip("psutil")
    kernels = []
    for process in psutil.Process(server_pid).children(recursive=True):
        try:       # a kernel that has just exited can be a zombie until the server reaps it: not alive
            if process.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(process.cmdline()):
                kernels.append((process.create_time(), process))
        except psutil.Error:
            pass
    return [process for _, process in sorted(kernels, key=lambda pair: pair[0])]


def preheated(server_pid, since):
    """True once a kernel started after `since` (epoch s) has run the explorer and gone quiet: Voila's pool
    holds a drawn panel for the next page."""
    kernels = [k for k in voila_kernels(server_pid) if k.create_time() > since]
    if not kernels:
        return False
    psutil = pytest.importorskip("psutil")
    try:
        busy = sum(kernels[-1].cpu_times()[:2])
        time.sleep(1.0)
        return busy > 2.0 and sum(kernels[-1].cpu_times()[:2]) - busy < 0.05
    except psutil.Error:          # it exited meanwhile
        return False


def test_dashboard_shows_only_the_panel_fits_a_1366x768_screen_and_culls_closed_tabs(tmp_path, capsys):
    pytest.importorskip("voila", reason="SKIPPED LOUDLY: voila is not installed (requirements-voila.txt)")
    sys.path.insert(0, str(ROOT / "dashboard"))
    import serve
    # Culling as make dashboard does it, with a shorter idle time so the test does not wait a minute.
    cull_idle_s, cull_interval_s = 15, 5
    port = free_port()
    log = open(tmp_path / "voila.log", "w")
    server = subprocess.Popen(serve.command(port, cull_idle_s=cull_idle_s, cull_interval_s=cull_interval_s),
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                              env=serve.environment())
    url = f"http://127.0.0.1:{port}/"
    lines = []
    try:
        wait_for(lambda: urllib.request.urlopen(url, timeout=5).status == 200 or True, 60, "Voila to start")
        ARTIFACTS.mkdir(exist_ok=True)
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
            try:
                opened = 0.0
                for load in range(3):
                    if load > 0:    # a reload or a second tab, once Voila has pre-heated the next kernel
                        wait_for(lambda: preheated(server.pid, opened), 180, "Voila's pre-heated kernel")
                    page = browser.new_page(viewport={"width": 1366, "height": 768})
                    started, opened = time.monotonic(), time.time()
                    page.goto(url, wait_until="commit", timeout=120_000)   # Voila streams the page as it runs
                    page.wait_for_function("() => (document.querySelector('.explorer-verdict') || {}).innerText"
                                           " && document.querySelector('.explorer-verdict').innerText.includes('Verdict')"
                                           " && document.querySelector('.explorer-figure svg')", timeout=120_000)
                    to_panel = time.monotonic() - started
                    kernels = voila_kernels(server.pid)
                    if load == 0:
                        page.screenshot(path=str(ARTIFACTS / "dashboard-1366x768.png"))
                        text = page.inner_text("body")
                        for absent in ("Exercise", "Solution", "pip install", "GitHub", "helpers."):
                            assert absent not in text, absent
                        # Controls and all six panels inside the 1366 x 768 window, without scrolling.
                        for selector in (".explorer-dashboard .widget-slider", ".explorer-dashboard select",
                                         ".explorer-verdict", ".explorer-figure svg"):
                            box = page.locator(selector).first.bounding_box()
                            assert box and box["x"] >= 0 and box["y"] >= 0, selector
                            assert box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768, (selector, box)
                        # The smallest text in the figure (legends) as drawn, in CSS pixels.
                        scale = page.evaluate("() => { const s = document.querySelector('.explorer-figure svg');"
                                              " return s.getBoundingClientRect().width / s.viewBox.baseVal.width; }")
                        lines.append(f"  figure drawn at {scale:.2f} of its size: tick labels {13 * scale:.1f} px, "
                                     f"legends {12.5 * scale:.1f} px, titles {15 * scale:.1f} px")
                        assert 12.5 * scale >= 10
                    when = "as soon as the server answered" if load == 0 else "with the next kernel pre-heated"
                    lines.append(f"  load {load + 1}, {when}: first interactive panel after {to_panel:.1f} s; "
                                 f"kernels alive {len(kernels)}; "
                                 f"load average {os.getloadavg()[0]:.1f}")
                    page.close()            # as a crashed or killed tab: no beforeunload, so the culler must act
            finally:
                browser.close()
        after_close = len(voila_kernels(server.pid))
        time.sleep(cull_idle_s + 2 * cull_interval_s)        # the culling interval, and one check more
        alive = voila_kernels(server.pid)
        lines.append(f"  three loads closed: {after_close} kernels alive at once, {len(alive)} after "
                     f"{cull_idle_s + 2 * cull_interval_s} s (cull after {cull_idle_s} s idle, checked every "
                     f"{cull_interval_s} s): the pre-heated one waiting for the next page")
        # Every kernel a page used is gone; what is left is at most the one waiting in the pool.
        assert all(k.create_time() > opened for k in alive), [k.create_time() - opened for k in alive]
        assert len(alive) <= 1, alive
    finally:
        stop(server, log)
        (ARTIFACTS / "dashboard.txt").write_text("\n".join(["Dashboard (Voila, 1366 x 768):", *lines]) + "\n")
        with capsys.disabled():
            print("\nDashboard (Voila, 1366 x 768):\n" + "\n".join(lines))
