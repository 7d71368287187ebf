"""What a notebook needs to repeat train_net's run by hand, one Python step at a time (notebook 01)."""
import numpy as np

from . import training


def run_inputs(steps, seed=0):
    """The inputs x that train_net(steps=steps, seed=seed) trains on, shape (steps, 1, 1): step i's is [i]."""
    return np.asarray(training._inputs(training.capacity(steps, 1), 1, seed))[:steps]
