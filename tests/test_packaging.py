"""The course's helpers install as a package: editable for the course, and whole in a plain install."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_plain_install_holds_the_whole_package_and_imports_from_anywhere(tmp_path):
    target, elsewhere, source = tmp_path / "site", tmp_path / "elsewhere", tmp_path / "source"
    elsewhere.mkdir()
    # A copy of what the package is built from, so the build leaves nothing behind in the course folder.
    shutil.copytree(ROOT / "helpers", source / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                              "--disable-pip-version-check", "--target", str(target), str(source)],
                             capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    ours = {p.relative_to(ROOT).as_posix() for p in (ROOT / "helpers").rglob("*.py")}
    installed = {p.relative_to(target).as_posix() for p in (target / "helpers").rglob("*.py")}
    assert installed == ours
    code = ("import helpers, helpers.exercises as e; e._load_all(); "
            "print(helpers.__file__); print(len(e.exercise_ids()) > 0)")
    run = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.splitlines() == [str(target / "helpers" / "__init__.py"), "True"]


def test_every_helpers_module_is_listed_in_the_package_docstring_and_the_readme():
    import helpers
    root = Path(helpers.__file__).parent
    readme = (root.parent / "README.md").read_text(encoding="utf-8")
    for module in sorted(p.stem for p in root.glob("*.py") if p.stem != "__init__"):
        assert f"\n    {module} " in helpers.__doc__, f"helpers/__init__.py's docstring does not list {module}"
        assert f"  {module}.py " in readme, f"README's 'What is where' does not list helpers/{module}.py"
