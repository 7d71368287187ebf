"""Run each notebook several times, each in a fresh kernel with the network blocked, and compare the outputs byte for byte.

    python scripts/reproducible.py                  # every notebook, 3 runs each (`make reproducible`)
    python scripts/reproducible.py --runs 2 notebooks/01_shallow_net.ipynb

Every output of every code cell is compared: text, stderr, error tracebacks and the PNG bytes of every figure,
after the substitutions of tests/nbval_sanitize.cfg (library versions, memory addresses) and nothing else.
Consecutive pieces of one stream (stdout or stderr) are joined first: the kernel cuts printed text into
messages by timing, so a slow cell's lines may arrive as one output or as two; the text must be identical.
Each run is compared with the other runs and with the outputs stored in the notebook. The kernel runs with
scripts/no_network/ on PYTHONPATH, so a notebook that tried to download anything fails here (and is listed).
Nothing is written to the notebooks. Exits 1 if any run differs or tried the network.
"""
import argparse
import copy
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
NO_NETWORK = ROOT / "scripts" / "no_network"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def sanitizers(path=SANITIZE):
    """(compiled regex, replacement) pairs from an nbval sanitize file, in order."""
    pairs, regex = [], None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("regex:"):
            regex = re.compile(line[len("regex:"):].strip())
        elif line.startswith("replace:") and regex is not None:
            pairs.append((regex, line[len("replace:"):].strip()))
            regex = None
    return pairs


def _sanitize_text(text, pairs):
    text = "".join(text) if isinstance(text, list) else text
    for regex, replacement in pairs:
        text = regex.sub(replacement, text)
    return text


def cell_outputs(nb, pairs):
    """[(cell id, canonical JSON of its outputs)] for every code cell: what must be byte-identical."""
    result = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in copy.deepcopy(cell.get("outputs", [])):
            output = dict(output)
            if "text" in output:
                output["text"] = "".join(output["text"]) if isinstance(output["text"], list) else output["text"]
            # How a kernel cuts printed text into stream messages depends on timing (it flushes every ~0.2 s),
            # so consecutive pieces of the same stream are joined: the text itself must still be identical.
            if (output["output_type"] == "stream" and outputs and outputs[-1]["output_type"] == "stream"
                    and outputs[-1]["name"] == output["name"]):
                outputs[-1]["text"] += output["text"]
            else:
                outputs.append(output)
        for output in outputs:
            if "text" in output:
                output["text"] = _sanitize_text(output["text"], pairs)
            if "data" in output:
                output["data"] = {mime: (_sanitize_text(value, pairs) if mime.startswith("text/") else value)
                                  for mime, value in output["data"].items()}
                # A displayed widget is a reference to a model that the kernel names at random each run: the
                # reference is not content (what the widget shows is in the text/plain beside it).
                if WIDGET_VIEW in output["data"]:
                    output["data"][WIDGET_VIEW] = {**output["data"][WIDGET_VIEW], "model_id": "WIDGET-MODEL-ID"}
            if "traceback" in output:
                output["traceback"] = [_sanitize_text(line, pairs) for line in output["traceback"]]
        result.append((cell.get("id", str(index)), json.dumps(outputs, sort_keys=True, ensure_ascii=False)))
    return result


def describe_difference(a, b):
    """Which cells differ between two cell_outputs() lists, in one short line each."""
    lines = []
    if [cid for cid, _ in a] != [cid for cid, _ in b]:
        return ["the code cells themselves differ"]
    for (cid, left), (_, right) in zip(a, b):
        if left != right:
            kinds = sorted({mime for o in json.loads(left) + json.loads(right)
                            for mime in (o.get("data") or {"stream/" + o.get("name", o["output_type"]): 0})})
            first = next((i for i, (x, y) in enumerate(zip(left, right)) if x != y), min(len(left), len(right)))
            lines.append(f"cell {cid}: outputs differ ({', '.join(kinds)}) from character {first}: "
                         f"{left[max(0, first - 30):first + 50]!r} vs {right[max(0, first - 30):first + 50]!r}")
    return lines


def execute(path, timeout=1800, offline=True, network_log=None):
    """Run a notebook top to bottom in a fresh kernel from its own folder; return the executed copy."""
    nb = nbformat.read(path, as_version=4)
    saved = {key: os.environ.get(key) for key in ("PYTHONPATH", "NO_NETWORK_LOG")}
    try:
        if offline:
            os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NO_NETWORK), saved["PYTHONPATH"]]))
            if network_log:
                os.environ["NO_NETWORK_LOG"] = str(network_log)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(Path(path).parent)}})
        # The kernel's own log (e.g. jupyter_client's note about TCP) goes to a file, shown only on failure.
        with tempfile.TemporaryFile("w+") as kernel_log:
            try:
                client.execute(stderr=kernel_log)
            except Exception:
                kernel_log.seek(0)
                sys.stderr.write(kernel_log.read()[-5000:])
                raise
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def check(paths, runs=3, log=print):
    """Run each notebook `runs` times; return {name: {"runs_identical", "matches_stored", "network", "notes"}}."""
    pairs = sanitizers()
    report = {}
    for path in paths:
        path = Path(path)
        stored = cell_outputs(nbformat.read(path, as_version=4), pairs)
        fresh = []
        with tempfile.TemporaryDirectory() as tmp:
            network_log = Path(tmp) / "network.log"
            for run in range(1, runs + 1):
                start = time.perf_counter()
                fresh.append(cell_outputs(execute(path, network_log=network_log), pairs))
                log(f"  {path.name}: run {run}/{runs} done in {time.perf_counter() - start:.0f} s")
            network = network_log.read_text().splitlines() if network_log.exists() else []
        notes = []
        for run, outputs in enumerate(fresh[1:], start=2):
            notes += [f"run {run} vs run 1: {line}" for line in describe_difference(fresh[0], outputs)]
        runs_identical = not notes
        stored_notes = [f"run 1 vs stored: {line}" for line in describe_difference(stored, fresh[0])]
        report[path.name] = {"runs_identical": runs_identical, "matches_stored": not stored_notes,
                             "network": network, "notes": notes + stored_notes,
                             "cells": len(stored), "outputs": sum(len(json.loads(o)) for _, o in stored)}
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: notebooks/[0-9]*.ipynb")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    print(f"Running each notebook {args.runs} time(s), each in a fresh kernel, network blocked; comparing every output "
          f"(text and PNG bytes) after {SANITIZE.relative_to(ROOT)}", flush=True)
    report = check(paths, runs=args.runs, log=lambda line: print(line, flush=True))
    print(f"\n{'notebook':32s} {'code cells':>10s} {'outputs':>8s}  {'runs identical':>14s}  {'= stored':>8s}  network")
    failed = False
    for name, r in report.items():
        print(f"{name:32s} {r['cells']:10d} {r['outputs']:8d}  {'yes' if r['runs_identical'] else 'NO':>14s}  "
              f"{'yes' if r['matches_stored'] else 'NO':>8s}  {'none' if not r['network'] else 'TRIED: ' + '; '.join(r['network'][:3])}")
        failed |= not (r["runs_identical"] and r["matches_stored"]) or bool(r["network"])
    for name, r in report.items():
        for note in r["notes"]:
            print(f"  {name}: {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
