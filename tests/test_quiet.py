"""TensorFlow's start-up noise stays out of the notebooks (helpers/quiet.py)."""
import os
import subprocess
import sys

SCRIPT = """
import os
from helpers.quiet import native_stderr_captured
with native_stderr_captured():
    os.write(2, b"E0000 hidden: a C++ line written before TensorFlow reads its log level\\n")
os.write(2, b"after the block\\n")
try:
    with native_stderr_captured():
        os.write(2, b"shown because the block failed\\n")
        raise ImportError("broken install")
except ImportError:
    pass
"""


def run(code, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    environ.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ, timeout=300)


def test_lines_written_to_descriptor_2_are_hidden_unless_the_import_fails():
    done = run(SCRIPT)
    assert done.returncode == 0, done.stderr
    assert "E0000" not in done.stderr
    assert "after the block" in done.stderr
    assert "shown because the block failed" in done.stderr


def test_importing_the_helpers_prints_nothing_even_without_tensorflows_variables():
    done = run("import helpers; helpers.train_net(depth=1, steps=10)")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == "", done.stderr
