"""Small helpers the course notebooks import instead of pasting code.

Modules, named for what they hold:
    quiet           TensorFlow's log noise, silenced in one place (imported first)
    environment     the set-up cell: versions, seeds, figure style
    training        train_net(): the seed's 1 -> 16 -> ... -> 1 ReLU net, one compiled graph
    theory          chain-rule prediction and measurement of each layer's gradient scale
    gradients       each layer's kernel and bias gradient at the start (notebook 02)
    plateau         escape_step(): where a run's loss leaves its plateau (notebooks 01-02)
    by_hand         train_net's inputs, to repeat its run one Python step at a time (notebook 01)
    seeds           notebook 03: runs over many seeds, gradients a run does not record, dead layers
    diagnosis       verdict(): a run's diagnosis in one line (learns, stuck, on a plateau, ...)
    trainability    trainability_map(): depth x initial scale, many nets in one compiled program (notebook 05)
    plots           matplotlib views of a training run
    legacy          the same training written TF1-style (placeholders, Session) and as an eager loop
    explorer        the classroom panel: sliders that retrain and redraw (notebook 04)
    explorer_svg    the panel's live figure, drawn as SVG in the page (a few ms per redraw)
    partial_update  notebooks 06-07: move one output while holding the other (data, nets, methods)
    projection      a projected gradient step that holds chosen outputs of any Keras model
    plots_steering  the figures of notebooks 06-07
    exercises       check()/grade() and the one grading helper for numeric answers
    checks          the exercise checkers, one module per notebook
"""
from . import quiet  # noqa: F401  (first: it must set TensorFlow's environment before TensorFlow loads)
from .environment import setup, show_source  # noqa: E402
from .exercises import check, grade  # noqa: E402
from .partial_update import partial_update_table, projected_step  # noqa: E402
from .training import (INITS, OPTIMIZERS, TrainingDiverged, TrainResult,  # noqa: E402
                       initial_params, train_net)
from .theory import backward_factor, measure_grad_std, predict_grad_std  # noqa: E402
from .diagnosis import verdict  # noqa: E402
from .trainability import trainability_map  # noqa: E402
from .plots import (describe, plot_active_fraction, plot_distributions, plot_estimate,  # noqa: E402
                    plot_estimate_over_steps, plot_grad_over_steps, plot_grad_std, plot_layer_report, plot_loss,
                    plot_update_ratio)
from . import explorer  # noqa: E402
