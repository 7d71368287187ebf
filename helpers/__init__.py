"""Small helpers the course notebooks import instead of pasting code.

Modules, named for what they hold:
    environment    set-up cell: versions, seeds, quiet TensorFlow
    training       train_net(): the seed's 1 -> 16 -> ... -> 1 ReLU net, one compiled graph
    theory         chain-rule prediction of each layer's gradient scale
    plots          matplotlib views of a training run
    legacy         the same training written TF1-style (placeholders, Session)
    partial_update notebook 04: move one output while holding the other
    projection     a projected gradient step that holds chosen outputs of any Keras model
    explorer       the classroom panel: sliders that retrain and redraw (notebook 05)
    exercises      check() for the exercises at the end of each notebook
"""
import os as _os

# TensorFlow reads these when it is first imported, so they must be set before that.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")     # no C++ INFO/WARNING start-up lines
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")    # no oneDNN notice, bit-stable CPU results

from .environment import setup, show_source  # noqa: E402
from .exercises import check, grade  # noqa: E402
from .partial_update import partial_update_table, projected_step  # noqa: E402
from .training import (INITS, OPTIMIZERS, TrainingDiverged, TrainResult,  # noqa: E402
                       initial_params, train_net)
from .theory import backward_factor, measure_grad_std, predict_grad_std  # noqa: E402
from .plots import (describe, plot_active_fraction, plot_distributions, plot_estimate,  # noqa: E402
                    plot_estimate_over_steps, plot_grad_over_steps, plot_grad_std, plot_layer_report, plot_loss,
                    plot_update_ratio)
from . import explorer  # noqa: E402
