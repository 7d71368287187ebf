"""Run the whole test suite against the newest releases of our dependencies, to see drift before students do.

    python3 scripts/drift.py                 # `make drift`: fresh venv in .venv-drift, newest releases, all tests
    python3 scripts/drift.py --reuse         # keep the venv from the last run (no reinstall)
    python3 scripts/drift.py -- -k binder    # extra arguments after -- go to pytest

The venv gets requirements.txt, requirements-test.txt and requirements-voila.txt with every `==` pin removed (markers kept), so pip picks
the newest release of each direct dependency and of everything below it. It prints the pinned version next to
the one installed, then runs `python -m pytest` with pytest.ini, exactly as `make test` does, and exits with
pytest's code. The dev venv (.venv) is not touched.
"""
import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN_FILES = ["requirements.txt", "requirements-test.txt", "requirements-voila.txt"]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^;\s#]+)\s*(;[^#]*)?")


def pinned():
    """[(name, pinned version, marker or '')] from the pin files."""
    found = []
    for name in PIN_FILES:
        if not (ROOT / name).exists():
            continue
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            match = PIN.match(line.strip())
            if match:
                found.append((match.group(1), match.group(2), (match.group(3) or "").strip()))
    return found


def unpinned_requirements():
    return "\n".join(f"{name}{' ' + marker if marker else ''}" for name, _, marker in pinned()) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=str(ROOT / ".venv-drift"))
    parser.add_argument("--reuse", action="store_true", help="reuse the venv of the last run")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (put them after --)")
    args = parser.parse_args(argv)
    venv = Path(args.venv).resolve()
    python = venv / "bin" / "python"

    if not (args.reuse and python.exists()):
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        (venv / ".gitignore").write_text("*\n")           # keep the venv out of git without touching .gitignore
        (venv / "requirements-newest.txt").write_text(unpinned_requirements())
        print(f"Installing the newest releases into {venv} ...", flush=True)
        start = time.perf_counter()
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run(pip + ["--upgrade", "pip"], check=True)
        subprocess.run(pip + ["--upgrade", "-r", str(venv / "requirements-newest.txt")], check=True)
        subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)     # the course's helpers package
        print(f"installed in {time.perf_counter() - start:.0f} s")

    versions = subprocess.run(
        [str(python), "-c",
         "import sys, json\nfrom importlib.metadata import version, PackageNotFoundError\n"
         "out = {}\nfor name in sys.argv[1:]:\n"
         "    try: out[name] = version(name)\n    except PackageNotFoundError: out[name] = None\n"
         "print(json.dumps(out))", *[name for name, _, _ in pinned()]],
        capture_output=True, text=True, check=True)
    installed = json.loads(versions.stdout)
    print(f"\n{'package':22s} {'pinned':>10s} {'newest':>10s}")
    newer = []
    for name, pin, marker in pinned():
        now = installed.get(name)
        if now is None:
            continue                                   # its marker excludes this platform
        flag = "" if now == pin else "  <- differs"
        if flag:
            newer.append(f"{name} {pin} -> {now}")
        print(f"{name:22s} {pin:>10s} {now:>10s}{flag}")
    dev = ROOT / ".venv" / "bin" / "python"
    if dev.exists():   # what changed below the direct dependencies, against the dev venv
        def freeze(py):
            out = subprocess.run([str(py), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
                                 capture_output=True, text=True).stdout
            return dict(line.lower().split("==", 1) for line in out.splitlines() if "==" in line)
        old, new = freeze(dev), freeze(python)
        changed = sorted(f"{n} {old[n]} -> {new[n]}" for n in old.keys() & new.keys() if old[n] != new[n])
        only_new = sorted(f"{n} {new[n]}" for n in new.keys() - old.keys())
        print(f"\nAll installed packages against the dev venv .venv: {len(changed)} differ"
              + (": " + ", ".join(changed) if changed else "")
              + (f"; only in the newest set: {', '.join(only_new)}" if only_new else ""))
    print(f"\nRunning the test suite with the newest releases ({len(newer)} differ from the pins) ...", flush=True)
    start = time.perf_counter()
    tests = subprocess.run([str(python), "-m", "pytest", *args.pytest_args], cwd=ROOT)
    print(f"\nDrift run: {'PASSED' if tests.returncode == 0 else 'FAILED'} (pytest exit {tests.returncode}) in "
          f"{time.perf_counter() - start:.0f} s; newer than the pins: {', '.join(newer) or 'none'}")
    return tests.returncode


if __name__ == "__main__":
    sys.exit(main())
