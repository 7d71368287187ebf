"""Notebooks give the same outputs on every run and need no network.

The full check (every notebook, three fresh runs each) takes ~10 minutes: `make reproducible`
(scripts/reproducible.py). Here: notebook 01 once, offline, byte for byte against its stored outputs,
figures included, and the pieces that check rests on.
"""
import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from scripts import reproducible

ROOT = Path(__file__).resolve().parent.parent

FIRST = ROOT / "notebooks" / "01_shallow_net.ipynb"


def test_notebook_01_rerun_offline_matches_its_stored_outputs_byte_for_byte():
    result = reproducible.check([FIRST], runs=1, log=lambda line: None)[FIRST.name]
    assert result["network"] == [], result["network"]
    assert result["matches_stored"], "\n".join(result["notes"])
    assert result["outputs"] >= 10      # text and figures were compared, not an empty list


def _first(nb, predicate):
    return next(o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if predicate(o))


def test_the_comparison_catches_a_changed_figure_or_number_but_not_a_version():
    pairs = reproducible.sanitizers()
    stored = nbformat.read(FIRST, as_version=4)
    baseline = reproducible.cell_outputs(stored, pairs)

    figure = copy.deepcopy(stored)
    png = _first(figure, lambda o: "image/png" in o.get("data", {}))
    png["data"]["image/png"] = png["data"]["image/png"][:-8] + ("A" if png["data"]["image/png"][-8] != "A" else "B") + png["data"]["image/png"][-7:]
    assert any("image/png" in line for line in reproducible.describe_difference(baseline, reproducible.cell_outputs(figure, pairs)))

    number = copy.deepcopy(stored)
    stream = _first(number, lambda o: o["output_type"] == "stream" and "0.018" in o["text"])
    stream["text"] = stream["text"].replace("0.018", "0.019")
    assert reproducible.describe_difference(baseline, reproducible.cell_outputs(number, pairs))

    split = copy.deepcopy(stored)       # the same text cut into two stream messages (a timing matter) is equal
    stream = _first(split, lambda o: o["output_type"] == "stream" and "0.018" in o["text"])
    for cell in split.cells:
        if stream in cell.get("outputs", []):
            at = cell.outputs.index(stream)
            head, tail = stream["text"][:10], stream["text"][10:]
            cell.outputs[at:at + 1] = [nbformat.v4.new_output("stream", name="stdout", text=head),
                                       nbformat.v4.new_output("stream", name="stdout", text=tail)]
    assert reproducible.describe_difference(baseline, reproducible.cell_outputs(split, pairs)) == []

    version = copy.deepcopy(stored)
    setup = _first(version, lambda o: o["output_type"] == "stream" and o["text"].startswith("Set-up OK"))
    setup["text"] = re.sub(r"TensorFlow \S+,", "TensorFlow 9.99.1,", setup["text"])
    assert reproducible.describe_difference(baseline, reproducible.cell_outputs(version, pairs)) == []


def test_the_offline_guard_blocks_downloads_but_not_the_kernels_own_loopback():
    code = (
        "import socket, urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen('https://pypi.org/simple/', timeout=5)\n"
        "    print('downloaded')\n"
        "except Exception as error:\n"
        "    print('blocked' if 'network access is blocked' in str(error) else f'other error {error!r}')\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "socket.create_connection(server.getsockname()).close(); print('loopback ok')\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts" / "no_network")}
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.split() == ["blocked", "loopback", "ok"], run.stdout + run.stderr


DOWNLOADS = re.compile(r"https?://|get_file\(|keras\.datasets|tensorflow_datasets|tfds\.|urlopen|urlretrieve|"
                       r"\brequests\.|hub\.load|load_dataset\(|fetch_openml|[!%]pip\b|\bwget\b|\bcurl\b|git clone")


def _colab_only(source):
    """The set-up cell's Colab branch fetches the course on Colab only; outside Colab it never runs."""
    return source.startswith("# Set-up:") and 'if "google.colab" in sys.modules:' in source


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")), ids=lambda p: p.name)
def test_no_notebook_code_downloads_anything(path):
    nb = nbformat.read(path, as_version=4)
    hits = [(cell.get("id"), DOWNLOADS.findall(cell.source)) for cell in nb.cells
            if cell.cell_type == "code" and not _colab_only(cell.source) and DOWNLOADS.search(cell.source)]
    assert hits == []


# An XML namespace is a name, never fetched: the explorer's SVG declares one.
NAMESPACES = ('xmlns="http://www.w3.org/2000/svg"',)


def test_no_helper_downloads_anything():
    def code(path):
        text = path.read_text()
        for namespace in NAMESPACES:
            text = text.replace(namespace, "")
        return text
    hits = [(p.name, DOWNLOADS.findall(code(p))) for p in sorted((ROOT / "helpers").rglob("*.py"))
            if DOWNLOADS.search(code(p))]
    assert hits == []


def test_a_widgets_random_model_id_is_not_a_difference_but_its_text_is():
    pairs = reproducible.sanitizers()
    stored = nbformat.read(ROOT / "notebooks" / "04_explorer.ipynb", as_version=4)
    baseline = reproducible.cell_outputs(stored, pairs)
    view = _first(stored, lambda o: reproducible.WIDGET_VIEW in o.get("data", {}))
    other = copy.deepcopy(stored)
    _first(other, lambda o: o == view)["data"][reproducible.WIDGET_VIEW]["model_id"] = "0123456789abcdef"
    assert reproducible.describe_difference(baseline, reproducible.cell_outputs(other, pairs)) == []
    _first(other, lambda o: reproducible.WIDGET_VIEW in o.get("data", {}))["data"]["text/plain"] = "VBox(other)"
    assert reproducible.describe_difference(baseline, reproducible.cell_outputs(other, pairs))
