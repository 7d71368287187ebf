"""The student edition and the nbgrader course, generated from the full edition in notebooks/.

    python scripts/editions.py --write              # rewrite notebooks/student/ (`make editions`)
    python scripts/editions.py --check              # exit 1 and say what is stale (tests/test_editions.py)
    python scripts/editions.py --mark               # add nbgrader metadata to exercise cells (see docs/authoring.md)
    python scripts/editions.py --nbgrader-course DIR
                                                    # an nbgrader course folder: DIR/source/<NN_name>/<NN_name>.ipynb
                                                    # and DIR/nbgrader_config.py; then `nbgrader generate_assignment`

The student edition is the full edition with nbgrader's own preprocessors applied: solution regions become `...`
(ClearSolutions) and hidden tests go (ClearHiddenTests). On top of that, cells tagged `solution` (the collapsed
worked solutions) are removed, and the outputs of exercise cells (nbgrader cells and cells tagged
`exercise-output`) are cleared and marked for nbval to ignore, since they depend on what the student writes.
Everything else, outputs included, is the full edition's.
"""
import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
STUDENT = NOTEBOOKS / "student"
CODE_STUB = "..."          # what a solution region becomes; the stub's own `raise` follows it (docs/authoring.md)
SOLUTION_TAG, OUTPUT_TAG, NBVAL_IGNORE = "solution", "exercise-output", "nbval-ignore-output"
STUB_LINE = re.compile(r"^# Exercise (\d\d)\.(\d+) · ")
CHECK_LINE = re.compile(r"^helpers\.check\(\"(\d\d)\.(\d+)\"")

NBGRADER_CONFIG = f'''\
# nbgrader's settings for this course (written by scripts/editions.py --nbgrader-course).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "deep-nets"
# A solution region becomes `...`; the exercise's own `raise NotImplementedError(...)` follows it.
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
# The notebooks train networks: give each cell time (nbgrader's default is 30 s).
c.Execute.timeout = 600
'''


def full_editions():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def is_exercise_cell(cell):
    return "nbgrader" in cell.get("metadata", {}) or OUTPUT_TAG in _tags(cell)


def mark(nb):
    """Add nbgrader metadata to exercise stubs and checks (by their first line); returns how many changed."""
    changed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        stub, check = STUB_LINE.match(cell.source), CHECK_LINE.match(cell.source)
        if stub:
            want = {"grade": False, "grade_id": f"ex{stub[1]}_{stub[2]}", "locked": False,
                    "schema_version": 3, "solution": True, "task": False}
        elif check:
            want = {"grade": True, "grade_id": f"ex{check[1]}_{check[2]}_check", "locked": True, "points": 1,
                    "schema_version": 3, "solution": False, "task": False}
        else:
            continue
        if cell.metadata.get("nbgrader") != want:
            cell.metadata["nbgrader"] = want
            changed += 1
    return changed


def _nbgrader_clean(nb):
    """nbgrader's own preprocessors: solution regions become CODE_STUB, hidden tests go."""
    config = Config({"ClearSolutions": {"code_stub": {"python": CODE_STUB}}})
    nb, _ = ClearSolutions(config=config).preprocess(nb, {})
    nb, _ = ClearHiddenTests(config=config).preprocess(nb, {})
    return nb


def student_edition(nb):
    """The student edition of a full-edition notebook (a new notebook; `nb` is left alone)."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if SOLUTION_TAG not in _tags(cell)]
    exercise = [is_exercise_cell(cell) for cell in nb.cells]
    nb = _nbgrader_clean(nb)
    for cell, cleared in zip(nb.cells, exercise):
        if cleared and cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata["tags"] = sorted(set(_tags(cell)) | {NBVAL_IGNORE})
    return nb


def nbgrader_source(nb):
    """What a teacher gives nbgrader: the full edition without the worked-solution cells, which nbgrader would
    otherwise release to students as they are."""
    nb = copy.deepcopy(nb)
    nb.cells = [cell for cell in nb.cells if SOLUTION_TAG not in _tags(cell)]
    return nb


def _render(nb):
    return nbformat.writes(nb) + "\n"


def stale():
    """What differs from what the full editions generate: a list of sentences, empty when all is current."""
    problems = []
    wanted = {path.name for path in full_editions()}
    for extra in sorted({p.name for p in STUDENT.glob("*.ipynb")} - wanted):
        problems.append(f"notebooks/student/{extra} has no full edition")
    for path in full_editions():
        nb = nbformat.read(path, as_version=4)
        if mark(copy.deepcopy(nb)):
            problems.append(f"{path.name}: exercise cells without nbgrader metadata (run --mark)")
        target = STUDENT / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != _render(student_edition(nb)):
            problems.append(f"notebooks/student/{path.name} is out of date")
    return problems


def write():
    STUDENT.mkdir(exist_ok=True)
    for extra in set(STUDENT.glob("*.ipynb")) - {STUDENT / p.name for p in full_editions()}:
        extra.unlink()
    for path in full_editions():
        text = _render(student_edition(nbformat.read(path, as_version=4)))
        target = STUDENT / path.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            print(f"wrote notebooks/student/{path.name}")


def write_nbgrader_course(directory):
    """DIR/source/<NN_name>/<NN_name>.ipynb for every notebook, and DIR/nbgrader_config.py."""
    directory = Path(directory)
    for path in full_editions():
        assignment = directory / "source" / path.stem
        assignment.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbgrader_source(nbformat.read(path, as_version=4)), assignment / path.name)
    (directory / "nbgrader_config.py").write_text(NBGRADER_CONFIG, encoding="utf-8")
    return [path.stem for path in full_editions()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite notebooks/student/")
    mode.add_argument("--check", action="store_true", help="exit 1 if the student edition is stale")
    mode.add_argument("--mark", action="store_true", help="add nbgrader metadata to the exercise cells")
    mode.add_argument("--nbgrader-course", metavar="DIR", help="write an nbgrader course folder")
    args = parser.parse_args(argv)
    if args.mark:
        for path in full_editions():
            nb = nbformat.read(path, as_version=4)
            changed = mark(nb)
            if changed:
                nbformat.write(nb, path)
                print(f"{path.name}: marked {changed} exercise cells")
    elif args.check:
        problems = stale()
        for problem in problems:
            print(problem)
        if problems:
            print("Run `make editions` (python scripts/editions.py --write) to regenerate them.")
            return 1
        print("the student edition is current")
    elif args.write:
        write()
    else:
        names = write_nbgrader_course(args.nbgrader_course)
        print(f"wrote {len(names)} assignments to {args.nbgrader_course}/source/: {', '.join(names)}")
        print(f"next: cd {args.nbgrader_course} && nbgrader generate_assignment <name>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
