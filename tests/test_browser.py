"""The explorer in a real browser: JupyterLab + headless Chromium, driven by Playwright.

Starts JupyterLab from this environment on a free loopback port with a token, opens a copy of
04_explorer.ipynb, runs all cells, moves the depth slider and changes the initializer, and checks
that the figure and the verdict change. Saves screenshots to test-artifacts/.

Needs Debian's Chromium at /usr/bin/chromium (`make test` installs it where apt-get is allowed)
and the `playwright` package; without them the test is skipped, loudly.
"""
import json
import os
import shutil
import socket
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
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def kernel_connected_and_idle(base, token):
    sessions = api(base, token, "/api/sessions")
    return any(s["path"].endswith("04_explorer.ipynb") and s["kernel"]["execution_state"] == "idle"
               and s["kernel"]["connections"] >= 1 for s in sessions)


def test_explorer_sliders_retrain_and_redraw_in_the_browser(lab):
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
            image = panel.locator(".explorer-figure").first
            panel.scroll_into_view_if_needed()
            first_image, first_verdict = image.get_attribute("src"), verdict.inner_text()
            assert "on a plateau" in first_verdict
            page.screenshot(path=str(ARTIFACTS / "explorer-1-start.png"))

            readout = panel.locator(".widget-slider .widget-readout").first

            def set_depth(value, old_verdict):
                """Type into the depth slider's readout, as a student can, and wait for the new verdict."""
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type(str(value))
                page.keyboard.press("Enter")
                page.wait_for_function("([el, old]) => el.innerText !== old",
                                       arg=[verdict.element_handle(), old_verdict], timeout=60_000)

            set_depth(1, first_verdict)
            second_image, second_verdict = image.get_attribute("src"), verdict.inner_text()
            assert second_image != first_image
            assert "learns" in second_verdict, second_verdict
            page.screenshot(path=str(ARTIFACTS / "explorer-2-depth-1.png"))

            # Back to depth 2 with Glorot: the seed's deeper net, fixed.
            set_depth(2, second_verdict)
            panel.locator("select").first.select_option(label="Glorot, bias 0.1")
            # Glorot at depth 2 reaches the target error well within 10,000 steps, then levels off.
            page.wait_for_function(
                "([el]) => el.innerText.includes('converged') && el.innerText.includes('hidden 2')",
                arg=[verdict.element_handle()], timeout=60_000)
            assert image.get_attribute("src") not in (first_image, second_image)
            state = panel.locator(".explorer-state input").first.input_value()
            assert state == "depth=2&init=glorot&opt=sgd&lr=0.001&steps=10000&seed=0"
            page.screenshot(path=str(ARTIFACTS / "explorer-3-glorot.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "explorer-failure.png"))
            raise
        finally:
            browser.close()
