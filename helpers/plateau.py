"""When a run leaves its plateau: the step at which its loss first falls well below answering 0.

    escape_step(losses)   the first step of the first window whose mean loss is below `level`, or None

Answering 0 for every x scores E[x^2] = 1/3; a net on the plateau sits there. The default level 0.1 is under
a third of that, which only a net whose estimate follows x reaches. Windows do not overlap, and each mean is
taken over its own window (no cumulative sums), so the answer is exact for losses of any size.
"""
import numpy as np

from .diagnosis import _window_means

LEVEL = 0.1


def escape_step(losses, window=1000, level=LEVEL):
    """The first step of the first `window`-step window whose mean loss is below `level`; None if none is."""
    below = np.flatnonzero(_window_means(np.asarray(losses, dtype=np.float64), window) < level)
    return int(below[0]) * window if below.size else None
