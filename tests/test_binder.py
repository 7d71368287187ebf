"""Binder's set-up, checked here without Docker.

repo2docker reads binder/ (and then ignores the root's config files). `repo2docker --no-build` renders the
Dockerfile it would build, which shows the Python it picks, when it copies the repository and what it pip-installs.
jupyter-repo2docker comes from requirements-test.txt, which `make test` installs.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"

# What mybinder.org runs: Linux on x86-64, with the Python of binder/runtime.txt.
BINDER_PYTHON = BINDER.joinpath("runtime.txt").read_text().strip().removeprefix("python-")
BINDER_ENV = {**default_environment(), "sys_platform": "linux", "platform_system": "Linux",
              "platform_machine": "x86_64", "python_version": BINDER_PYTHON, "python_full_version": BINDER_PYTHON + ".0",
              "implementation_name": "cpython", "platform_python_implementation": "CPython"}
MAC_ENV = {**BINDER_ENV, "sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64"}


def read_requirements(path, env, _seen=None):
    """The requirements a pip requirements file installs in `env`, as pip reads it.

    Follows -r/--requirement lines relative to the file that contains them (as pip does), skips comments and
    requirements whose environment marker is false in `env`. Returns {canonical name: Requirement}.
    """
    path = Path(path).resolve()
    seen = _seen if _seen is not None else set()
    assert path not in seen, f"{path} includes itself"
    seen.add(path)
    found = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        option = re.match(r"^(-r|--requirement)[\s=]+(\S+)$", line)
        if option:
            found.update(read_requirements(path.parent / option.group(2), env, seen))
            continue
        assert not line.startswith("-"), f"{path.name}: option line {line!r} is not understood by this check"
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(env):
            name = canonicalize_name(requirement.name)
            assert name not in found, f"{name} is required twice"
            found[name] = requirement
    return found


def pins(requirements):
    return {name: str(req.specifier) for name, req in requirements.items()}


def _requires_python():
    import tomllib
    from packaging.specifiers import SpecifierSet
    return SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])


def test_binder_and_this_environment_use_a_python_the_pins_support():
    """pyproject.toml's requires-python is the range the pinned wheels exist for (3.11-3.13)."""
    supported = _requires_python()
    assert str(supported) == "<3.14,>=3.11", supported
    assert BINDER_PYTHON + ".0" in supported, BINDER_PYTHON
    assert f"{sys.version_info.major}.{sys.version_info.minor}.0" in supported


@pytest.mark.parametrize("python", ["3.10", "3.14"])
def test_make_install_stops_at_once_on_a_python_the_pins_do_not_support(tmp_path, python):
    fake = tmp_path / "python"
    fake.write_text(f"#!/bin/sh\nif [ \"$1\" = --version ]; then echo Python {python}.0; exit 0; fi\n"
                    f"exec {sys.executable} -c \"import sys; sys.version_info = ({python.replace('.', ', ')}, 0); "
                    f"exec(sys.argv[1])\" \"$2\"\n")
    fake.chmod(0o755)
    run = subprocess.run(["make", "-C", str(ROOT), "install", f"PYTHON={fake}", f"VENV={tmp_path / 'venv'}"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert f"This course needs Python 3.11, 3.12 or 3.13; '{fake}' is Python {python}.0." in run.stdout
    assert not (tmp_path / "venv").exists()


def test_binder_installs_the_helpers_package_when_it_builds():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    assert "pip install --no-deps --quiet -e ." in post_build.read_text()


def test_every_root_requirement_is_pinned_exactly():
    for env in (BINDER_ENV, MAC_ENV):
        for name, spec in pins(read_requirements(ROOT / "requirements.txt", env)).items():
            assert re.fullmatch(r"==\d+(\.\d+)*", spec), f"{name} is not pinned with ==: {spec!r}"


@pytest.mark.parametrize("env", [BINDER_ENV, MAC_ENV], ids=["linux-x86_64", "macos-arm64"])
def test_binder_requirements_resolve_to_the_root_pins(env):
    binder = pins(read_requirements(BINDER / "requirements.txt", env))
    root = pins(read_requirements(ROOT / "requirements.txt", env))
    assert {name: binder.get(name) for name in root} == root
    # Binder may add optional extras (e.g. Voila for the dashboard link), but only pinned ones
    extras = {name: spec for name, spec in binder.items() if name not in root}
    assert all(re.fullmatch(r"==\d+(\.\d+)*", spec) for spec in extras.values()), extras
    if env is BINDER_ENV:  # Binder gets the CPU-only TensorFlow wheel
        assert "tensorflow-cpu" in binder and "tensorflow" not in binder


def test_binder_has_voila_when_the_readme_links_a_dashboard():
    """The README's Voila link (for the explorer) opens voila/render/... on Binder: Voila must be in the image."""
    if not list((ROOT / "notebooks").glob("*explorer*.ipynb")):
        pytest.skip("no explorer notebook, so no Voila link")
    assert "voila" in pins(read_requirements(BINDER / "requirements.txt", BINDER_ENV))


def test_the_reader_sees_a_pin_that_differs(tmp_path):
    """read_requirements is what the test above trusts: a copied, drifted pin must show up."""
    (tmp_path / "binder").mkdir()
    drifted = (ROOT / "requirements.txt").read_text().replace("keras==", "keras==0.0.1; python_version < '3'\nkeras==")
    (tmp_path / "requirements.txt").write_text(drifted.replace("numpy==", "numpy==1.0.0  # was: "))
    (tmp_path / "binder" / "requirements.txt").write_text("-r ../requirements.txt\n")
    binder = pins(read_requirements(tmp_path / "binder" / "requirements.txt", BINDER_ENV))
    assert binder["numpy"] == "==1.0.0" and binder != pins(read_requirements(ROOT / "requirements.txt", BINDER_ENV))


@pytest.fixture(scope="module")
def repo2docker():
    """The Dockerfile repo2docker would build from this repository (no Docker needed for --no-build)."""
    run = subprocess.run([sys.executable, "-m", "repo2docker", "--no-build", "--debug", "--user-id", "1000",
                          "--user-name", "jovyan", str(ROOT)], capture_output=True, text=True, timeout=300)
    if run.returncode == 127 or "No module named repo2docker" in run.stderr:
        pytest.fail("jupyter-repo2docker is not installed: run `make test` (it installs requirements-test.txt)")
    assert run.returncode == 0, run.stderr[-3000:]
    assert "FROM " in run.stdout, run.stdout[-3000:]
    return {"dockerfile": run.stdout, "log": run.stderr}


def test_repo2docker_uses_binder_folder_and_runtime_python(repo2docker):
    assert f"Building conda environment for python={BINDER_PYTHON}" in repo2docker["log"], repo2docker["log"]
    dockerfile = repo2docker["dockerfile"]
    # one environment for server and kernel, so ipywidgets' front end and the kernel's ipywidgets match
    assert "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in dockerfile


def test_repo2docker_installs_our_requirements_after_copying_the_whole_repository(repo2docker):
    lines = repo2docker["dockerfile"].splitlines()
    pip = [i for i, line in enumerate(lines) if re.search(r'pip install .*-r "binder/requirements\.txt"', line)]
    assert len(pip) == 1, "the Dockerfile must pip-install binder/requirements.txt once"
    copy_all = [i for i, line in enumerate(lines) if re.fullmatch(r"COPY --chown=\S+ src/ \$\{REPO_DIR\}/", line)]
    assert copy_all, "repo2docker no longer copies the repository in one step"
    # binder/requirements.txt reads ../requirements.txt: that file exists only once the whole repo is copied.
    assert copy_all[0] < pip[0], "pip runs before the repository (and ../requirements.txt) is in the image"
    installed = pins(read_requirements(ROOT / lines[pip[0]].split("-r", 1)[1].strip().strip('"'), BINDER_ENV))
    root = pins(read_requirements(ROOT / "requirements.txt", BINDER_ENV))
    assert {name: installed.get(name) for name in root} == root


def test_repo2docker_runs_binder_start_for_every_session(repo2docker):
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in repo2docker["dockerfile"]


def test_binder_start_silences_tensorflow_for_whatever_it_starts():
    start = BINDER / "start"
    assert os.access(start, os.X_OK), "binder/start must be executable"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    code = "import tensorflow as tf; print(float(tf.reduce_sum(tf.ones(3))))"
    bare = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    started = subprocess.run([str(start), sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             timeout=300)
    assert bare.stdout == started.stdout == "3.0\n"
    assert bare.stderr.strip(), "TensorFlow printed nothing at start-up anyway: this check would prove nothing"
    assert started.stderr == "", started.stderr


ARENAS = """
import ctypes, threading
import helpers                                               # TensorFlow and its threads
def allocate():
    kept.append([bytearray(2000) for _ in range(2000)])      # over pymalloc's 512 bytes: glibc's malloc
kept = []
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL(None).malloc_stats()                             # one "Arena k:" block per arena, on stderr
"""


def test_binder_start_keeps_malloc_to_two_arenas():
    # Notebook 05's kernel peaked at 1.10 GB with glibc's default (8 arenas per core) and 0.9 GB with two
    # (README, Memory). The Makefile exports the same for the kernels it starts.
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("MALLOC_ARENA_MAX is glibc's")
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    bare = subprocess.run([sys.executable, "-c", ARENAS], env=env, capture_output=True, text=True, timeout=300)
    started = subprocess.run([str(BINDER / "start"), sys.executable, "-c", ARENAS], env=env, capture_output=True,
                             text=True, timeout=300)
    assert bare.returncode == started.returncode == 0, bare.stderr[-2000:] + started.stderr[-2000:]
    assert bare.stderr.count("Arena ") > 2, "glibc made no more arenas anyway: this check would prove nothing"
    assert 1 <= started.stderr.count("Arena ") <= 2, started.stderr[-2000:]


def base_environment_pins():
    """What repo2docker's own environment for the Binder Python already holds: {pip name: version}.

    The Jupyter packages our requirements must live beside (they are installed first, from conda-forge, and
    pip then installs binder/requirements.txt on top). Read from the lock file of the installed repo2docker.
    """
    import repo2docker
    lock = Path(repo2docker.__file__).parent / "buildpacks" / "conda" / f"environment.py-{BINDER_PYTHON}-linux-64.lock"
    assert lock.exists(), f"repo2docker has no base environment for Python {BINDER_PYTHON}: {lock}"
    wanted = {"notebook": "notebook", "jupyter_server": "jupyter-server", "jupyterhub-base": "jupyterhub"}
    found = {}
    for conda_name, version in re.findall(r"/([A-Za-z0-9_.-]+?)-(\d[^-/]*)-[^-/]+\.conda", lock.read_text()):
        if conda_name in wanted:
            found[wanted[conda_name]] = version
    assert set(found) == set(wanted.values()), f"{lock.name}: expected {sorted(wanted)}, found {found}"
    return found


def test_binder_requirements_resolve_together_with_repo2dockers_base_environment(tmp_path):
    """pip's resolver, for Binder's Python on Linux x86-64, with the base environment's notebook/server pinned.

    With jupyterlab 4.5+ this fails: Binder's notebook 7.4.x needs jupyterlab<4.5. Needs PyPI (the registries are
    reachable here and in CI); only metadata is fetched (--dry-run).
    """
    base = base_environment_pins()
    # Every manylinux tag an Ubuntu 24.04 image (repo2docker's base, glibc 2.39) accepts; pip does not widen it.
    platforms = [arg for minor in range(17, 40) for arg in ("--platform", f"manylinux_2_{minor}_x86_64")]
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
               "--disable-pip-version-check", "--target", str(tmp_path / "t"), "--python-version", BINDER_PYTHON,
               "--implementation", "cp", "--only-binary=:all:", *platforms, "--platform", "manylinux2014_x86_64",
               "-r", str(BINDER / "requirements.txt"), *(f"{name}=={version}" for name, version in base.items())]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900)
    errors = "\n".join(line for line in run.stderr.splitlines() if "is ignored" not in line)
    if run.returncode and ("NewConnectionError" in errors or "Failed to establish" in errors):
        pytest.skip(f"PyPI is not reachable: {errors[-500:]}")
    assert run.returncode == 0, f"Binder cannot install our requirements beside {base}:\n{errors[-3000:]}"


def test_jupyterlab_is_told_not_to_ask_about_news_where_the_course_runs():
    """The overrides are real settings of the installed JupyterLab, and both installs (make, Binder) copy them."""
    import json
    overrides = json.loads((ROOT / "scripts" / "jupyterlab-overrides.json").read_text())
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    for plugin, settings in overrides.items():
        package, name = plugin.split(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())["properties"]
        for key, value in settings.items():
            assert key in schema, f"{plugin} has no setting {key!r}"
            allowed = [choice["const"] for choice in schema[key].get("oneOf", [])]
            assert not allowed or value in allowed, f"{plugin}.{key} must be one of {allowed}, not {value!r}"
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    for installer in (ROOT / "Makefile", BINDER / "postBuild"):
        text = installer.read_text()
        assert "jupyterlab-overrides.json" in text and "share/jupyter/lab/settings" in text, installer


def test_binder_culls_the_kernels_of_closed_tabs(tmp_path):
    """postBuild writes the culling settings where Jupyter Server reads them, keeping settings already there;
    a server started with that config dir culls idle kernels that have no tab."""
    assert "scripts/server_culling.py" in (BINDER / "postBuild").read_text()
    from scripts import server_culling
    (tmp_path / "jupyter_server_config.json").write_text('{"ServerApp": {"shutdown_no_activity_timeout": 0}}')
    server_culling.write(tmp_path)
    code = ("from jupyter_server.serverapp import ServerApp; app = ServerApp(); app.load_config_file(); "
            "import json; print(json.dumps({k: dict(v) for k, v in app.config.items()}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path)})
    config = json.loads(run.stdout.strip().splitlines()[-1])
    assert config["MappingKernelManager"]["cull_idle_timeout"] == server_culling.IDLE_S > 0
    assert config["MappingKernelManager"]["cull_connected"] is False       # an open tab's kernel is kept
    assert config["ServerApp"] == {"shutdown_no_activity_timeout": 0}     # what was there is kept
