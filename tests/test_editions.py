"""The student edition and the nbgrader round trip, generated from the full edition (scripts/editions.py).

The student edition itself runs top to bottom under nbval like every notebook (it is in notebooks/student/).
Here: it is current, it differs from the full edition only where it may, and nbgrader, given the course,
generates the assignment, gives the worked solutions full marks and an untouched student copy zero.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from helpers import exercises
from scripts import editions

NAMES = [path.name for path in editions.full_editions()]


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def test_student_edition_is_current():
    problems = editions.stale()
    assert problems == [], "\n".join(problems) + "\nRun `make editions`."


@pytest.mark.parametrize("name", NAMES)
def test_student_edition_differs_from_the_full_one_only_in_exercises(name):
    full = [c for c in _cells(editions.NOTEBOOKS / name) if editions.SOLUTION_TAG not in c.metadata.get("tags", [])]
    student = _cells(editions.STUDENT / name)
    assert len(full) == len(student)
    for ours, theirs in zip(full, student):
        text = theirs.source
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        if editions.is_exercise_cell(ours):
            assert theirs.get("outputs", []) == []
            if ours.metadata.get("nbgrader", {}).get("solution"):
                assert re.search(r"^[ \t]*\.\.\.$", text, re.M), text      # the stub marks where code goes (indented in a def)
        else:
            assert (theirs.source, theirs.get("outputs")) == (ours.source, ours.get("outputs"))


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_a_stub_a_check_a_solution_and_a_checker(name):
    cells = _cells(editions.NOTEBOOKS / name)
    ids = {"stub": set(), "check": set(), "solution": set()}
    for cell in cells:
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("solution"):
            assert "### BEGIN SOLUTION" in cell.source, cell.source
            number = editions.STUB_LINE.match(cell.source)
            ids["stub"].add(f"{number[1]}.{number[2]}")
        if grading.get("grade"):
            assert "### BEGIN HIDDEN TESTS" in cell.source and "assert_correct(" in cell.source, cell.source
            assert grading["points"] >= 1
            number = editions.CHECK_LINE.match(cell.source)
            ids["check"].add(f"{number[1]}.{number[2]}")
        if editions.SOLUTION_TAG in cell.metadata.get("tags", []):
            ids["solution"].add(re.search(r"Solution (\d\d\.\d+)", cell.source)[1])
    assert ids["stub"] == ids["check"] == ids["solution"], ids
    assert ids["stub"] <= set(exercises.exercise_ids()), ids["stub"] - set(exercises.exercise_ids())


def _nbgrader(course, *args):
    # nbgrader runs `alembic` (for its gradebook) from PATH: this environment's bin/ must be on it.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                         text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    return run


@pytest.mark.parametrize("name", NAMES)
def test_nbgrader_generates_the_assignment_and_autogrades_solutions_full_and_a_blank_copy_zero(tmp_path, name):
    from nbgrader.api import Gradebook

    course, assignment = tmp_path / "course", name[:-len(".ipynb")]
    editions.write_nbgrader_course(course)
    _nbgrader(course, "generate_assignment", assignment, "--force")
    release = course / "release" / assignment / name
    # nbgrader's release is the student edition (nbgrader clears every output; we keep those of other cells)
    assert [c.source for c in _cells(release)] == [c.source for c in _cells(editions.STUDENT / name)]

    for student, source in (("reference", course / "source" / assignment / name), ("blank", release)):
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        shutil.copy(source, folder / name)
    _nbgrader(course, "autograde", assignment, "--create", "--force")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        reference = gradebook.find_submission(assignment, "reference")
        blank = gradebook.find_submission(assignment, "blank")
        assert reference.max_score == blank.max_score
        assert reference.score == reference.max_score, f"the worked solutions scored {reference.score}"
        assert blank.score == 0
        graded = reference.max_score
    # the blank copy ran to the end: every check cell after the first exercise was executed and failed alone
    autograded = _cells(course / "autograded" / "blank" / assignment / name)
    errors = [c for c in autograded if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert all(c.metadata.get("nbgrader", {}).get("grade") for c in errors), [c.source[:80] for c in errors]
    assert len(errors) == graded
