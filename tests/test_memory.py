"""benchmarks/memory.py measures a notebook's kernel, not nbconvert or the test process (`make memory` runs it on
every notebook; its figures are in the README)."""
from pathlib import Path

import nbformat

from benchmarks import memory

ROOT = Path(__file__).resolve().parent.parent


def test_memory_benchmark_sees_what_the_kernel_allocates(tmp_path):
    notebook = tmp_path / "allocate.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("block = bytearray(300_000_000)\nblock[::4096] = b'x' * len(block[::4096])"),
                nbformat.v4.new_code_cell("del block")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebook)
    result = memory.measure(notebook, timeout=120)
    assert 300e6 <= result["kernel"] < 600e6, result      # the 300 MB block, plus a bare kernel
    assert result["anon"] is None or result["anon"] >= 250e6, result
    assert result["total"] >= result["kernel"]
    assert not (tmp_path / "allocate.nbconvert.ipynb").exists()   # the notebook folder is left alone
