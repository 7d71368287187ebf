"""The set-up every notebook runs first: versions, seeds, quiet logs, figure style."""
import inspect
import platform
import random
import sys

import matplotlib
import numpy as np

MIN_VERSIONS = {"Python": (3, 11), "TensorFlow": (2, 16), "Keras": (3, 0), "NumPy": (1, 26)}


def _major_minor(version):
    return tuple(int(part) for part in version.split(".")[:2])


def setup(seed=0):
    """Check library versions, seed every random generator, silence TensorFlow, style figures.

    Prints one line with the versions in use; raises RuntimeError naming what to upgrade
    if one is too old for the course.
    """
    import keras
    import tensorflow as tf

    versions = {
        "Python": platform.python_version(),
        "TensorFlow": tf.__version__,
        "Keras": keras.__version__,
        "NumPy": np.__version__,
    }
    too_old = [f"{name} {found} (need >= {'.'.join(map(str, MIN_VERSIONS[name]))})"
               for name, found in versions.items() if _major_minor(found) < MIN_VERSIONS[name]]
    if too_old:
        raise RuntimeError("Too old for this course: " + ", ".join(too_old)
                           + ". Run `make course` to install the pinned versions.")

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    matplotlib.rcParams.update({
        "figure.figsize": (7.0, 3.6), "figure.dpi": 80, "axes.grid": True,
        "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    })
    print("Set-up OK: " + ", ".join(f"{name} {v}" for name, v in versions.items()))


def show_source(obj):
    """Show a helper's source code as a highlighted block, so a notebook can teach from it."""
    from IPython.display import Markdown, display
    display(Markdown(f"```python\n{inspect.getsource(obj).rstrip()}\n```"))


if sys.version_info < (3, 11):  # pragma: no cover - the pinned NumPy, matplotlib and Keras need 3.11
    raise RuntimeError("This course needs Python 3.11 or newer.")
