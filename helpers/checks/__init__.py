"""Exercise checkers, one module per notebook (the list is helpers.exercises.CHECK_MODULES).

    shallow       01 · shallow net
    vanishing     02 · vanishing gradients
    fix           03 · the fix
    explorer      04 · explorer
    trainability  05 · trainability map
    steering      06-07 · steering a gradient step

Each checker recomputes the truth (usually by training) rather than storing the answer.
"""


def pick_mistakes(values, ok, what, smallest=True):
    """Known wrong answers to "which is the smallest (largest) of `values` that works?", for grade_number.

    Returns (truth, mistakes); truth is None when no value works.
    """
    working = [v for v, good in zip(values, ok) if good]
    truth = (min(working) if smallest else max(working)) if working else None
    other = "smaller" if smallest else "larger"
    mistakes = [(v, f"{v:.2g} works, but a {other} {what} in the list does too." if good
                 else f"{v:.2g} does not work: look at its mean error or the verdict.")
                for v, good in zip(values, ok) if v != truth]
    return truth, mistakes
