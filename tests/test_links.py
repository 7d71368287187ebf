"""Launch links and the notebooks' set-up cell come from docs/publish.cfg, and the set-up cell works on Colab too.

Nothing here contacts Binder, Colab or GitHub: the links are checked as text, and Colab is simulated (a fake
`google.colab` module, a fake `git`, pip with no index). Outside Colab the set-up cell's output is what nbval
checks in every notebook.
"""
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from scripts import links

ROOT = Path(__file__).resolve().parent.parent

CFG = links.load()
SETUP_LINE = re.compile(r"Set-up OK: Python \S+, TensorFlow \S+, Keras \S+, NumPy \S+\n")


def test_readme_links_and_every_notebooks_setup_cell_are_generated_from_publish_cfg():
    problems = links.stale(CFG)
    assert problems == [], "\n".join(problems) + "\nRun `make links`."


def _readme_urls():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(links.BEGIN):readme.index(links.END)]
    return re.findall(r"\]\((https://[^)\s]+)\)", block)


def test_every_notebook_has_a_binder_lab_link_and_a_colab_link_to_itself():
    urls = _readme_urls()
    for notebook in links.notebooks():
        binder = [u for u in urls if u.startswith("https://mybinder.org/v2/gh/")
                  and parse_qs(urlparse(u).query)["urlpath"] == [f"lab/tree/notebooks/{notebook}"]]
        assert len(binder) == 1, notebook
        assert urlparse(binder[0]).path == f"/v2/gh/{CFG['repo']}/{CFG['branch']}"
        colab = [u for u in urls if u == f"https://colab.research.google.com/github/{CFG['repo']}/blob/"
                                         f"{CFG['branch']}/notebooks/{notebook}"]
        assert len(colab) == 1, notebook
    for url in urls:  # and every notebook a link names exists
        path = unquote(url)
        if path.endswith(links.DASHBOARD):
            assert (ROOT / links.DASHBOARD).is_file(), url
            continue
        target = path.split("notebooks/")[-1]
        if target.endswith(".ipynb"):
            assert (ROOT / "notebooks" / target).is_file(), url


def test_explorer_gets_a_voila_link():
    block = links.readme_block(CFG, names=["01_a.ipynb", "04_explorer.ipynb"])
    voila = re.findall(r"\((https://mybinder\.org/[^)]+)\)", block)
    assert [parse_qs(urlparse(u).query)["urlpath"] for u in voila if "voila" in u] == [
        ["voila/render/dashboard/explorer.ipynb"]]


def test_unpublished_placeholder_is_announced_and_a_real_repo_is_not(tmp_path):
    assert ("Not published yet" in links.readme_block(CFG)) == (CFG["repo"] == links.PLACEHOLDER)
    cfg = tmp_path / "publish.cfg"
    cfg.write_text("[publish]\nrepo = someone/deep-course\nbranch = main\nhub = https://hub.example.org/\n")
    real = links.load(cfg)
    assert "Not published yet" not in links.readme_block(real)
    assert 'Path("/content/deep-course")' in links.setup_cell(real)
    assert '"https://github.com/someone/deep-course"' in links.setup_cell(real)


@pytest.mark.parametrize("repo", ["OWNER", "a/b/c", "a b/c", "/name"])
def test_a_malformed_repo_is_refused(tmp_path, repo):
    cfg = tmp_path / "publish.cfg"
    cfg.write_text(f"[publish]\nrepo = {repo}\nbranch = main\n")
    with pytest.raises(ValueError, match="owner/name"):
        links.load(cfg)


def test_nbgitpuller_link_clones_the_course_and_opens_the_notebook_in_lab():
    url = links.nbgitpuller_url(CFG, "02_vanishing_gradients.ipynb", hub="https://hub.example.org/")
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == "https://hub.example.org/hub/user-redirect/git-pull"
    query = parse_qs(parsed.query)
    assert query["repo"] == [f"https://github.com/{CFG['repo']}"] and query["branch"] == [CFG["branch"]]
    # nbgitpuller clones into a folder named after the repository, under the server's root
    assert query["urlpath"] == [f"lab/tree/{CFG['name']}/notebooks/02_vanishing_gradients.ipynb"]


def test_setup_cell_on_colab_fetches_the_course_installs_quietly_and_finds_helpers(tmp_path):
    bin_dir, content = tmp_path / "bin", tmp_path / "content"
    bin_dir.mkdir()
    git_log = tmp_path / "git.log"
    # A stand-in for `git clone URL TARGET`: logs its arguments and copies what the course needs from here.
    # Colab has the `tensorflow` distribution; this environment may have `tensorflow-cpu` (same package, other wheel).
    colab_reqs = tmp_path / "requirements-colab.txt"
    text = (ROOT / "requirements-colab.txt").read_text()
    if not _installed("tensorflow") and _installed("tensorflow-cpu"):
        text = text.replace("\ntensorflow>=", "\ntensorflow-cpu>=")
    colab_reqs.write_text(text)
    # The clone's helpers is a stand-in that prints what helpers.setup() prints, without importing TensorFlow
    # (outside Colab, nbval checks the real set-up cell's output in every notebook).
    stub = tmp_path / "stub" / "helpers"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        "def setup():\n    print('Set-up OK: Python 3.11.7, TensorFlow 2.19.0, Keras 3.8.0, NumPy 2.0.2')\n")
    (bin_dir / "git").write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{git_log}"\n'
        'for target; do :; done\n'
        'mkdir -p "$target/notebooks"\n'
        f'cp -r "{stub}" "{colab_reqs}" "$target/"\n')
    (bin_dir / "git").chmod(0o755)
    cfg = {**CFG, "repo": "someone/course", "name": "course", "published": True}
    cell = links.setup_cell(cfg).replace('Path("/content/', f'Path("{content}/')
    assert cell != links.setup_cell(cfg)
    program = ("import sys, types\n"
               "sys.modules['google.colab'] = types.ModuleType('google.colab')   # what Colab's kernel has\n"
               f"CELL = {cell!r}\n"
               "exec(CELL)\n"
               "exec(CELL)   # the cell run a second time: nothing is cloned again\n"
               "import os\n"
               "print('CWD', os.getcwd())\n"
               "print('HELPERS', helpers.__file__)\n")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PIP_NO_INDEX": "1",
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stderr == ""
    course = content / cfg["name"]
    lines = run.stdout.splitlines(keepends=True)
    assert len(lines) == 4 and all(SETUP_LINE.fullmatch(line) for line in lines[:2]), run.stdout
    assert lines[2] == f"CWD {course / 'notebooks'}\n"
    assert lines[3].startswith(f"HELPERS {course / 'helpers'}")
    clones = git_log.read_text().splitlines()
    assert clones == [f"clone -q --depth=1 --branch={cfg['branch']} https://github.com/{cfg['repo']} {course}"]


def test_setup_cell_on_colab_says_in_one_line_that_an_unpublished_course_cannot_be_fetched(tmp_path):
    unpublished = {**CFG, "repo": links.PLACEHOLDER, "name": "REPO", "published": False}
    program = ("import sys, types\n"
               "sys.modules['google.colab'] = types.ModuleType('google.colab')\n"
               f"exec({links.setup_cell(unpublished)!r})\n")
    run = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.strip() == ("This course is not published yet, so Colab cannot fetch it: docs/publish.cfg still "
                                  "names OWNER/REPO. Open it with Binder or `make course` instead.")


def _installed(distribution):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _floors(path):
    found = {}
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == ">=", f"{line}: Colab gets minimum versions only"
            found[req.name.lower()] = Version(spec.version)
    return found


def test_colab_minimums_match_helpers_and_are_met_by_the_pins():
    from helpers.environment import MIN_VERSIONS
    floors = _floors(ROOT / "requirements-colab.txt")
    for name, minimum in MIN_VERSIONS.items():
        if name != "Python":
            assert floors[name.lower()] == Version(".".join(map(str, minimum))), name
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[req.name.lower().removesuffix("-cpu")] = Version(next(iter(req.specifier)).version)
    for name, floor in floors.items():
        assert pins[name] >= floor, name


def test_readme_links_every_student_edition_on_binder_and_colab():
    block = links.readme_block(CFG)
    for name in links.notebooks():
        assert f"(notebooks/student/{name})" in block
        assert links.binder_url(CFG, f"student/{name}") in block and links.colab_url(CFG, f"student/{name}") in block
        assert (ROOT / "notebooks" / "student" / name).exists()
