"""Run notebooks on Google Colab's library versions and fail on any TensorFlow log line in their outputs.

    python3 scripts/colab_check.py            # `make colab-check`: notebook 01 in .venv-colab
    python3 scripts/colab_check.py --all      # every notebook of the full edition
    python3 scripts/colab_check.py --match 02 # only notebooks whose name contains "02"
    python3 scripts/colab_check.py --reuse    # keep the venv of the last run

The venv gets scripts/colab_stack.txt (Colab's TensorFlow, Keras, NumPy, matplotlib, ipywidgets 7); the
helpers package comes from this checkout (PYTHONPATH), as on Colab from the clone. Each notebook runs on a copy, in a fresh kernel whose environment has none of our TF_*
variables (Colab sets none), exactly as its set-up cell would start on Colab after fetching the course. A
notebook fails if a cell errors, or if any output is on stderr or looks like a TensorFlow/absl log line.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "colab_stack.txt"
# absl's prefix (E0000 00:00:1712... file.cc:12]), and the start-up lines seen on Colab.
LOG_LINE = re.compile(r"^[EWIF]\d{4} \d\d:\d\d:|absl::InitializeLog|Unable to register|cuda|oneDNN|XLA service|"
                      r"computation placer", re.IGNORECASE | re.MULTILINE)

RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
nbformat.write(nb, path)
"""


def complaints(nb):
    """[(cell number, text)] for every stderr stream or log-looking line in a notebook's outputs."""
    found = []
    for number, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else \
                "".join(out.get("data", {}).get("text/plain", ""))
            text = "".join(text) if isinstance(text, list) else text
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                found.append((number, text.strip()))
            elif LOG_LINE.search(text):
                found.append((number, text.strip()))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=str(ROOT / ".venv-colab"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--all", action="store_true", help="every notebook, not only 01")
    parser.add_argument("--match", default="", help="only notebooks whose name contains this, e.g. 02")
    args = parser.parse_args(argv)
    venv = Path(args.venv).resolve()
    python = venv / "bin" / "python"
    if not (args.reuse and python.exists()):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        (venv / ".gitignore").write_text("*\n")
        print(f"Installing Colab's stack into {venv} (about 1.5 GB) ...", flush=True)
        start = time.perf_counter()
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run(pip + ["-r", str(STACK)], check=True)
        subprocess.run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"], check=True,
                       capture_output=True)
        print(f"  installed in {time.perf_counter() - start:.0f} s", flush=True)
    versions = subprocess.run([str(python), "-c", "import sys, tensorflow, keras, numpy, ipywidgets, matplotlib; "
                               "print('Python', sys.version.split()[0], '· TensorFlow', tensorflow.__version__, "
                               "'· Keras', keras.__version__, '· NumPy', numpy.__version__, '· ipywidgets', "
                               "ipywidgets.__version__, '· matplotlib', matplotlib.__version__)"],
                              capture_output=True, text=True, env={"PATH": os.environ.get("PATH", "")})
    print(versions.stdout.strip() or versions.stderr)

    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    if args.match:
        notebooks = [nb for nb in notebooks if args.match in nb.name]
    elif not args.all:
        notebooks = notebooks[:1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = str(ROOT)  # this checkout's helpers, as Colab's set-up cell puts its clone on sys.path
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(ROOT / "notebooks", work, ignore=shutil.ignore_patterns("runs", "student"))
        for source in notebooks:
            path = work / source.name
            start = time.perf_counter()
            run = subprocess.run([str(python), "-c", RUNNER, str(path), str(work)], capture_output=True, text=True,
                                 env=env, cwd=work)
            seconds = time.perf_counter() - start
            if run.returncode:
                failed += 1
                print(f"FAIL {source.name}: a cell raised ({seconds:.0f} s)\n{run.stderr[-3000:]}")
                continue
            import nbformat  # the dev venv's; only reads the executed copy
            found = complaints(nbformat.read(path, as_version=4))
            if found:
                failed += 1
                print(f"FAIL {source.name}: {len(found)} output(s) with log noise ({seconds:.0f} s)")
                for number, text in found:
                    print(f"  cell {number}: {text[:300]}")
            else:
                print(f"ok   {source.name}: no stderr, no TensorFlow log lines ({seconds:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
