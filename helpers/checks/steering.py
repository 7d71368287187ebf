"""Checkers for notebooks 06-07 · steering a gradient step (06: the core; 07: going further)."""
import numpy as np
import tensorflow as tf

from ..exercises import StudentCodeError, call, exercise, grade_number


# ----------------------------------------------------------------------------- shared set-ups
def _course_gradient_and_jacobian(n_samples):
    """The course's own small net (seed 0): the loss-on-output-2 gradient g and output 1's J on n inputs."""
    from .. import partial_update as pu
    x, y, _, _ = pu.make_data(n_samples, seed=0)
    model = pu.make_net("small", seed=0)
    with tf.GradientTape() as tape:
        loss = pu.loss_out2(model(x), y)
    g = pu.flatten_tensors(tape.gradient(loss, model.trainable_variables)).numpy()
    J = pu.held_jacobian(model, model.trainable_variables, x, hold=(0,)).numpy()
    return g, J


def _as_vector(value, what, hint):
    try:
        return np.asarray(value).astype(float).reshape(-1)
    except (TypeError, ValueError, AttributeError) as err:
        raise StudentCodeError(f"{what} must return a vector of numbers ({err}). {hint}") from None


# ----------------------------------------------------------------------------- notebook 06
def pu_project_out(g, J):
    from ..projection import project_out
    return project_out(tf.constant(g), tf.constant(J)).numpy()


@exercise("06.2")
def _check_06_2(answer):
    hint = ("Remove from g its part in J's row space, the combination of J's rows closest to g: a "
            "least-squares problem, which has an answer even when rows of J are dependent and J J^T "
            "cannot be inverted (then np.linalg.solve gives garbage).")
    for n in (8, 32):             # 8 inputs: J has full row rank; 32 inputs: rank 21 of 32 rows
        g, J = _course_gradient_and_jacobian(n)
        truth = pu_project_out(g, J)
        got = _as_vector(call(answer, g.copy(), J.copy(), what="project_null(g, J)"), "project_null(g, J)", hint)
        if got.shape != g.shape:
            return False, f"Expected a vector of length {g.size} (one per parameter); got {got.size} numbers. {hint}"
        if not np.all(np.isfinite(got)):
            return False, f"With J from {n} inputs (rank {np.linalg.matrix_rank(J)}) your step has inf or NaN. {hint}"
        scale = np.linalg.norm(g)
        if np.allclose(got, truth, rtol=0, atol=1e-7 * scale):
            continue
        rank = np.linalg.matrix_rank(J)
        if np.abs(J @ got).max() > 1e-6 * np.abs(J @ g).max():
            return False, (f"With J from {n} inputs ({J.shape[0]} rows, rank {rank}) J @ your step is up to "
                           f"{np.abs(J @ got).max():.1e}, not ~0: output 1 would still move. {hint}")
        return False, (f"With J from {n} inputs ({J.shape[0]} rows, rank {rank}) J @ your step is ~0, but the step "
                       "is not the one closest to g: it removes more than J's row space. " + hint)
    return True, ("Right: g - J^+ J g removes exactly the directions that move output 1 on the batch, also "
                  "when J's rows are dependent (32 inputs, rank 21), where J J^T cannot be inverted.")


def _masked_reference(out, y, mask):
    return tf.reduce_sum(mask * tf.square(out - y)) / tf.reduce_sum(mask)


@exercise("06.1")
def _check_06_1(answer):
    hint = ("Sum mask * (out - y)^2 over every entry and divide by the number of entries the mask keeps "
            "(the sum of the mask), with tf operations so that GradientTape can differentiate it.")
    rng = np.random.default_rng(6)
    out = tf.constant(rng.normal(size=(8, 2)))
    y = tf.constant(rng.normal(size=(8, 2)))
    masks = {"[0, 1] on every row": np.tile([0.0, 1.0], (8, 1)), "all ones": np.ones((8, 2)),
             "a random 0/1 mask": (rng.random((8, 2)) < 0.5).astype(float)}
    masks["a random 0/1 mask"][0, 0] = 1.0
    for name, m in masks.items():
        m = tf.constant(m)
        with tf.GradientTape() as tape:
            tape.watch(out)
            got = call(answer, out, y, m, what="masked_mse(out, y, mask)")
        try:
            value = float(np.asarray(got).astype(float).reshape(()))
        except (TypeError, ValueError, AttributeError):
            return False, f"masked_mse must return one number (a scalar tensor); got {type(got).__name__}. {hint}"
        truth = float(_masked_reference(out, y, m))
        if not np.isclose(value, truth, rtol=1e-9, atol=0):
            wrong = float(tf.reduce_mean(tf.square(m * out - y)))
            if np.isclose(value, wrong, rtol=1e-9):
                return False, ("That is mean((mask * out - y)^2), the answer's version: it masks the outputs but "
                               "not the targets, so the hidden entries still count (as y^2). " + hint)
            if np.isclose(value, float(tf.reduce_mean(m * tf.square(out - y))), rtol=1e-9):
                return False, ("That divides by every entry, hidden ones too: with [0, 1] it halves the loss and "
                               "so the gradient, a silently halved learning rate. " + hint)
            return False, f"With {name} the masked mean squared error is not {value:.4g}. {hint}"
        grad = tape.gradient(got, out) if tf.is_tensor(got) else None
        if grad is None:
            return False, ("The value is right, but GradientTape cannot differentiate it (numpy, or a Python "
                           "float?): write it with tf operations. " + hint)
    return True, ("Right: a masked entry adds nothing to the loss and gets a zero gradient; dividing by "
                  "sum(mask) keeps it the mean over the entries that count.")


# ----------------------------------------------------------------------------- notebook 07
@exercise("07.1")
def _check_07_1(answer):
    from .. import partial_update as pu
    hint = ("Keep a copy of the weights, subtract lr * d from each variable (assign_sub), measure "
            "max |out1 after - out1 before| on x, then put the copy back (assign).")
    x, y, _, _ = pu.make_data(8, seed=0)
    model = pu.make_net("small", seed=0)
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        loss = pu.loss_out2(model(x), y)
    g = pu.flatten_tensors(tape.gradient(loss, variables))
    J = pu.held_jacobian(model, variables, x, hold=(0,))
    direction = pu.split_like(pu.project_out(g, J), variables)
    start = [v.numpy() for v in variables]
    out1 = model(x)[:, 0].numpy()
    for lr in (0.1, 0.01):
        for v, d in zip(variables, direction):
            v.assign_sub(lr * d)
        truth = float(np.abs(model(x)[:, 0].numpy() - out1).max())
        model.set_weights(start)
        got = call(answer, model, x, direction, lr, what="drift_after_step(model, x, direction, lr)")
        moved = max(float(np.abs(v.numpy() - s).max()) for v, s in zip(variables, start))
        model.set_weights(start)
        try:
            value = float(np.asarray(got).astype(float).reshape(()))
        except (TypeError, ValueError, AttributeError):
            return False, f"drift_after_step must return one number; got {type(got).__name__}. {hint}"
        if moved > 0:
            return False, ("Your function left the weights changed: the next learning rate would start "
                           "from the moved weights, not from the same start. " + hint)
        if not np.isclose(value, truth, rtol=1e-6, atol=0):
            if np.isclose(value, truth / lr, rtol=1e-3) or np.isclose(value, truth / lr ** 2, rtol=1e-3):
                return False, "Return the drift itself, not divided by the learning rate. " + hint
            return False, (f"At lr = {lr} output 1 moves by at most {truth:.3g} on x after the step; "
                           f"you return {value:.3g}. {hint}")
    return True, ("Right: one step from the same start, measured and undone, so every learning rate in the "
                  "sweep starts from the same weights.")


@exercise("07.2")
def _check_07_2(answer):
    return grade_number(
        answer, 31, what="the smallest n, a whole number",
        hint=("Count the parameters output 1 depends on in the 3 -> 6 -> 2 net (W1, b1, and output 1's "
              "column of W2 and entry of b2): J has one row per sample, so its rank grows up to that count."),
        explain=("output 1 depends on W1 (18), b1 (6), W2[:, 0] (6) and b2[0] (1) = 31 parameters. "
                 "From n = 31 samples J has rank 31, its null space is just output 2's own head "
                 "(W2[:, 1], b2[1]), and projection = head-only training."),
        mistakes=[(38, "38 is every parameter, but W2[:, 1] and b2[1] never touch output 1: their columns "
                       "of J are zero, so they always stay in the null space."),
                  (7, "7 is the size of output 2's head, what is LEFT at the limit."),
                  (21, "21 is the answer for 4 hidden units; this net has 6.")])


@exercise("07.3")
def _check_07_3(answer):
    return grade_number(
        answer, 1.25, what="the largest lambda", atol=0.015,
        hint=("Along b2[0] alone the penalty is lam * n * (b2[0] - target)^2 on a batch of n = 8, and "
              "gradient descent on a*(b - c)^2 with step lr is stable only if lr * 2a < 2."),
        explain=("1 / (lr * n) = 1 / (0.1 * 8) = 1.25. b2[0] moves output 1 on every sample alike, so its "
                 "column of J is all ones and sigma_max^2 >= n whatever the hidden layer does; above 1.25 "
                 "the b2[0] error is multiplied by |1 - 2 lr lam n| > 1 every step. That is why lam = 3 "
                 "blows up (factor 3.8)."),
        mistakes=[(0.66, "0.66 is the limit at the start, from sigma_max^2 of the starting J. The run at "
                         "lam = 1 shows the hidden layer can shrink that; find what it cannot shrink."),
                  (0.625, "Close, but check the factor 2: the curvature of a*(b - c)^2 is 2a.")])


@exercise("07.4")
def _check_07_4(answer):
    hint = ("Write a function gn_correction(J, r) returning delta (length n_params) with "
            "J @ delta = -r and delta a combination of the rows of J (the least-norm solution).")
    rng = np.random.default_rng(4)
    J = rng.normal(size=(4, 10))
    # The course's J has dependent rows (notebook 06, section 4), so the answer is also tried on one: row 0 twice.
    for J, what in ((J, ""), (np.vstack([J, J[:1]]), " on a J whose rows are dependent (one row twice)")):
        r = J @ rng.normal(size=10)              # a drift the parameters can cancel
        try:
            delta = call(answer, J, r, what="gn_correction(J, r)" + what)
        except StudentCodeError as err:
            raise StudentCodeError(f"{err}. J J^T is singular there: use least squares, as in exercise 06.2."
                                   if what else str(err)) from None
        delta = _as_vector(delta, "gn_correction(J, r)", hint)
        if delta.shape != (10,):
            return False, (f"Expected a vector of length 10 for J of shape {J.shape}{what}; got {delta.size} "
                           "numbers. " + hint)
        if not np.allclose(J @ delta, -r, atol=1e-8):
            return False, (f"J @ delta is not -r{what}, so the held outputs would not return. " + hint +
                           (" J J^T is singular there: use least squares, as in exercise 06.2." if what else ""))
        if not np.allclose(delta, -np.linalg.pinv(J) @ r, atol=1e-8):
            return False, (f"J @ delta = -r holds{what}, but delta is not the smallest such change: it also "
                           "moves along J's null space, spending step on nothing. " + hint)
    return True, ("Right: delta = -J^+ r (least squares; = -J^T (J J^T)^-1 r when the rows are independent) "
                  "cancels the drift to first order and is the shortest parameter change that does.")


# ----------------------------------------------------------------------------- examples for the tests
def _project_null(g, J):
    return g - J.T @ np.linalg.lstsq(J.T, g, rcond=None)[0]


def _project_null_solve(g, J):                     # right for full-rank J only
    return g - J.T @ np.linalg.solve(J @ J.T, J @ g)


def _project_onto_rows(g, J):                      # the removed part instead of what is left
    return np.linalg.pinv(J) @ (J @ g)


def _masked_mse(out, y, mask):
    return tf.reduce_sum(mask * tf.square(out - y)) / tf.reduce_sum(mask)


def _drift_after_step(model, x, direction, lr):
    start = [v.numpy() for v in model.trainable_variables]
    before = model(x)[:, 0]
    for v, d in zip(model.trainable_variables, direction):
        v.assign_sub(lr * d)
    drift = float(tf.reduce_max(tf.abs(model(x)[:, 0] - before)))
    for v, s in zip(model.trainable_variables, start):
        v.assign(s)
    return drift


def _drift_not_undone(model, x, direction, lr):
    before = model(x)[:, 0]
    for v, d in zip(model.trainable_variables, direction):
        v.assign_sub(lr * d)
    return float(tf.reduce_max(tf.abs(model(x)[:, 0] - before)))


def _least_norm(J, r):
    return -np.linalg.lstsq(J, r, rcond=None)[0]


def _least_norm_solve(J, r):                        # right for independent rows only
    return -J.T @ np.linalg.solve(J @ J.T, r)


def _not_least_norm(J, r):
    return _least_norm(J, r) + np.linalg.svd(J)[2][-1]        # plus a direction J cannot see


# For tests/test_exercises.py: per exercise, the answer the notebook's solution arrives at and wrong answers.
EXAMPLES = {
    "06.1": (_masked_mse, [lambda out, y, m: tf.reduce_mean(tf.square(m * out - y)),
                           lambda out, y, m: tf.reduce_mean(m * tf.square(out - y)),
                           lambda out, y, m: float(np.sum(m.numpy() * (out.numpy() - y.numpy()) ** 2)
                                                   / np.sum(m.numpy()))]),
    "06.2": (_project_null, [_project_null_solve, _project_onto_rows, lambda g, J: g, lambda g, J: g[:5]]),
    "07.1": (_drift_after_step, [_drift_not_undone, lambda model, x, d, lr: 0.0]),
    "07.2": (31, [38, 7, 21, "31"]),
    "07.3": (1.25, [0.66, 0.625, 3.0]),
    "07.4": (_least_norm, [_not_least_norm, _least_norm_solve, lambda J, r: np.zeros(10), lambda J, r: 1 / 0]),
}
