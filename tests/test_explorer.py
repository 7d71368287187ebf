"""The explorer's logic, tested directly: state strings, verdicts, redraws, bad input, coalescing."""
import asyncio
import time

import numpy as np
import pytest
from matplotlib.colors import to_hex

from helpers import explorer as E
from helpers import plots, theory, training
from helpers.diagnosis import verdict

PLATEAU = "depth=2&init=seed&opt=sgd&lr=0.001&steps=10000&seed=0"     # the seed's deeper net
LEARNS = "depth=2&init=glorot&opt=sgd&lr=0.001&steps=10000&seed=0"


@pytest.mark.parametrize("text", [PLATEAU, LEARNS, "depth=8&init=normal&sigma=0.0178&opt=adam&lr=0.0316&steps=2000&seed=9999"])
def test_state_string_round_trip(text):
    state = E.ExplorerState.from_string(text)
    assert state.to_string() == text
    assert E.ExplorerState.from_string(state.to_string()) == state


def test_state_string_accepts_a_pasted_url_fragment_and_any_key_order():
    state = E.ExplorerState.from_string("#seed=3&lr=0.01&depth=5&init=he&opt=adam&steps=5000")
    assert state == E.ExplorerState(depth=5, init="he", opt="adam", lr=0.01, steps=5000, seed=3)


@pytest.mark.parametrize("text, message", [
    ("", "the state string is empty"),
    ("depth", "cannot read 'depth'"),
    ("depth=2&colour=red", "unknown key 'colour'.*valid keys: depth, init, sigma, opt, lr, steps, seed"),
    ("depth=two", "depth='two' is not a whole number"),
    ("depth=0", "depth must be a whole number from 1 to 8"),
    ("init=xavier", "init must be one of seed, glorot, he, normal"),
    ("init=normal&sigma=0", "sigma must be a number from 0.0001 to 10"),
    ("lr=-0.001", "lr must be a number from 0.0001 to 1"),
    ("lr=nan", "lr='nan' must be a finite number"),
    ("steps=1234", "steps must be one of 1000, 2000, 5000, 10000, 20000"),
    ("opt=rmsprop", "opt must be one of sgd, adam"),
])
def test_bad_state_strings_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        E.ExplorerState.from_string(text)


def test_the_panel_shows_the_diagnosis_verdict():
    view = E.run(E.ExplorerState.from_string(PLATEAU))
    assert view.verdict == verdict(view.result) and view.verdict.startswith("on a plateau")


def test_draw_gives_six_titled_panels_with_labelled_axes():
    fig = E.draw(E.run(E.ExplorerState.from_string(PLATEAU)), E.new_figure())
    assert len(fig.axes) == 6
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert E.png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_dead_network_still_draws_its_one_recorded_gradient_over_the_whole_run():
    view = E.run(E.ExplorerState.from_string("depth=3&init=seed&opt=adam&lr=0.001&steps=10000&seed=0"))
    fig = E.draw(view, E.new_figure())
    assert fig.axes[3].get_xlim() == (0, 10_000)
    assert all(line.get_marker() == "o" for line in fig.axes[3].lines)    # single points, drawn as dots
    assert E.png(fig)


def test_redrawing_a_figure_shows_only_the_new_run():
    # The panel reuses its figure; nothing of the previous run may stay behind.
    fig = E.new_figure()
    E.draw(E.run(E.ExplorerState(depth=8, init="he")), fig)
    E.draw(E.run(E.ExplorerState.from_string(PLATEAU)), fig)
    grads = fig.axes[3]
    assert [line.get_label() for line in grads.lines] == ["hidden 1", "hidden 2", "output"]
    assert [text.get_text() for text in grads.get_legend().get_texts()] == ["hidden 1", "hidden 2", "output"]
    assert grads.get_ylim()[1] < 1e-2           # scaled to this run's gradients, not depth 8's (about 1)
    assert to_hex(fig.axes[0].lines[-1].get_color()) == "#1f77b4"    # colours start again from C0


def test_panel_retrains_and_redraws_when_a_control_moves():
    panel = E.Explorer(PLATEAU)
    before_image = panel.image.value
    before_verdict = before_image.split("<svg")[0]
    assert "on a plateau" in before_verdict
    panel.init.value = "glorot"                 # no event loop here: retrains at once
    assert panel.image.value != before_image
    assert "converged" in panel.image.value.split("<svg")[0]
    assert panel.state_text.value == LEARNS
    assert panel.latency_ms is not None


def test_sigma_slider_only_works_for_the_normal_init():
    panel = E.Explorer(PLATEAU)
    assert panel.sigma.disabled
    panel.init.value = "normal"
    assert not panel.sigma.disabled


def test_pasting_a_state_moves_every_control_and_retrains_once(monkeypatch):
    panel = E.Explorer(PLATEAU)
    calls = []
    monkeypatch.setattr(E, "run", lambda state, _run=E.run: calls.append(state) or _run(state))
    panel.state_text.value = "depth=1&init=he&opt=adam&lr=0.01&steps=2000&seed=3"   # what Enter in the box sends
    assert len(calls) == 1
    assert (panel.depth.value, panel.init.value, panel.opt.value, panel.steps.value, panel.seed.value) == (
        1, "he", "adam", 2000, 3)
    assert panel.state_text.value == "depth=1&init=he&opt=adam&lr=0.01&steps=2000&seed=3"


@pytest.mark.parametrize("bad", ["depth=9", "init=normal&sigma=0", "this is not a state"])
def test_bad_pasted_state_shows_a_message_and_keeps_the_last_good_plot(bad):
    panel = E.Explorer(PLATEAU)
    image = panel.image.value
    panel.state_text.value = bad
    assert "Could not load that state" in panel.status.value
    assert "last good run" in panel.status.value
    assert panel.image.value == image
    assert panel.depth.value == 2                         # the controls did not move either


def test_a_diverging_run_shows_a_message_and_keeps_the_last_good_plot(monkeypatch):
    panel = E.Explorer(PLATEAU)
    image = panel.image.value

    def diverge(**kwargs):
        losses = np.array([1.0, np.inf], dtype=np.float32)
        result = training.TrainResult(config={"optimizer": "sgd", "lr": 1.0, "clip": 4.5}, losses=losses, diverged_at=1,
                                       **{f: None for f in ("record_steps", "weights", "biases", "grads",
                                                            "activations", "update_ratio", "probe_x",
                                                            "probe_estimates", "max_abs_grad", "params")})
        raise training.TrainingDiverged(1, result)

    monkeypatch.setattr(E, "train_net", diverge)
    panel.depth.value = 3
    assert "diverged" in panel.status.value and "at step 1" in panel.status.value
    assert panel.image.value == image


def test_moves_during_a_retrain_coalesce_into_one_retrain_with_the_latest_values(monkeypatch):
    async def scenario():
        panel = E.Explorer(PLATEAU)
        seen = []
        monkeypatch.setattr(E, "run", lambda state, _run=E.run: seen.append(state.depth) or _run(state))
        for depth in (3, 4, 5, 6):          # four quick moves, as a dragged slider would send
            panel.depth.value = depth
        await asyncio.sleep(0.5)
        return panel, seen

    panel, seen = asyncio.run(scenario())
    assert seen == [6]
    assert panel.state.depth == 6


def test_snapshot_prints_the_state_and_the_verdict(capsys):
    E.snapshot(PLATEAU)
    out = capsys.readouterr().out
    assert out.startswith(PLATEAU + "\nverdict: on a plateau")


# -- the live panel's SVG figure and issue 10 §3's plot fixes --------------------------------------
EXPLODES = "depth=8&init=he&opt=sgd&lr=1&steps=10000&seed=0"         # loss up to ~1e17, then dead units


def test_running_mean_is_exact_for_losses_from_1e_minus_4_to_1e19():
    losses = np.r_[np.full(300, 1e19), np.full(1000, 1e-4), np.geomspace(1e-4, 1e19, 500)]
    mean = plots.running_mean(losses, 200)
    direct = [losses[max(0, i - 199):i + 1].mean() for i in range(len(losses))]
    np.testing.assert_allclose(mean, direct, rtol=1e-12)
    assert mean[1299] == pytest.approx(1e-4, rel=1e-12)      # a cumulative-sum difference gave 0 here


def test_svg_figure_has_six_titled_panels_and_no_missing_numbers():
    svg = E.draw_svg(E.run(E.ExplorerState.from_string(PLATEAU)))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for title in ("What the trained net outputs", "Training loss", "Gradient scale per layer",
                  "Gradient sizes over steps", "Update : data ratio", "Live units"):
        assert f">{title}</text>" in svg
    assert "nan" not in svg.lower() and "inf" not in svg.lower()


def test_svg_panel_with_one_recorded_point_draws_a_dot():
    # Adam at depth 3 with the tiny init: the dead layers' gradients are recorded once, at step 0.
    svg = E.draw_svg(E.run(E.ExplorerState.from_string("depth=3&init=seed&opt=adam&lr=0.001&steps=10000&seed=0")))
    gradients = svg.split(">Gradient sizes over steps</text>")[0].split(">Gradient scale per layer</text>")[-1]
    assert "<circle" in gradients


def test_estimate_outside_the_usual_range_widens_the_axis_and_says_so():
    view = E.run(E.ExplorerState.from_string(EXPLODES))
    assert np.abs(view.result.predict(np.linspace(-1, 1, 11))).max() > 1.3
    assert "What the trained net outputs (axis widened)" in E.draw_svg(view)
    fig = E.draw(view, E.new_figure())
    assert fig.axes[0].get_title().endswith("(axis widened)")
    assert fig.axes[0].get_ylim()[1] > np.abs(view.result.predict(np.linspace(-1, 1, 11))).max()


def test_the_loss_line_survives_a_loss_of_1e17():
    view = E.run(E.ExplorerState.from_string(EXPLODES))
    mean = plots.running_mean(view.result.losses, 200)
    assert np.all(mean > 0)                 # every value shows on the log axis


@pytest.mark.parametrize("depth, init", [(2, "seed"), (4, "glorot"), (8, "he")])
def test_gradient_scale_at_init_matches_helpers_theory(depth, init):
    # The panel compares like with like: its numpy measurement at init is theory.measure_grad_std's.
    from helpers.explorer_svg import grad_std_at_init
    mine = np.array(grad_std_at_init(depth, init))
    theirs = np.array(theory.measure_grad_std(depth, init))
    np.testing.assert_allclose(mine, theirs, rtol=0.15)


def test_the_runs_of_exercise_04_1_are_what_helpers_diagnosis_says():
    from helpers.checks import explorer as checks
    for state, kind in checks.RUNS.items():
        assert checks.kind_of(E.run(E.ExplorerState.from_string(state)).result) == kind, state


def test_going_back_to_a_setting_shows_it_without_retraining(monkeypatch):
    panel = E.Explorer(PLATEAU)
    figure = panel.image.value
    panel.init.value = "glorot"
    calls = []
    monkeypatch.setattr(E, "run", lambda state: calls.append(state))
    panel.init.value = "seed"
    assert calls == [] and panel.image.value == figure and "on a plateau" in panel.image.value
    assert panel.status.value.startswith(PLATEAU + ": seen before")



def test_settings_one_move_away_are_trained_ahead_while_idle_and_give_the_same_run(monkeypatch):
    panel = E.Explorer(PLATEAU, prefetch=True)
    try:
        wanted = panel.neighbours()
        assert E.ExplorerState(depth=3) in wanted and E.ExplorerState(depth=2, init="glorot") in wanted
        deadline = time.monotonic() + 120
        while any(state not in panel._seen for state in wanted) and time.monotonic() < deadline:
            time.sleep(0.1)
        # The same figure as a run made now: prefetching changes when a run is made, never what it shows.
        fresh = E._figure_html(E.run(E.ExplorerState.from_string(LEARNS)))
        calls = []
        monkeypatch.setattr(E, "run", lambda state: calls.append(state))
        panel.init.value = "glorot"
        assert calls == [] and "trained ahead while idle" in panel.status.value
        assert panel.image.value == fresh
    finally:
        panel.close()


def test_kernels_keep_compiled_programs_on_disk_and_the_installers_warm_them():
    import os
    from pathlib import Path
    from helpers import quiet
    if os.environ.get("COURSE_XLA_CACHE", "1") != "0":
        assert "--tf_xla_persistent_cache_directory=" in os.environ["TF_XLA_FLAGS"]
    env = {"TF_XLA_FLAGS": "--tf_xla_enable_lazy_compilation=false"}
    assert quiet.use_xla_cache(env, quiet.XLA_CACHE)
    assert env["TF_XLA_FLAGS"] == f"--tf_xla_enable_lazy_compilation=false --tf_xla_persistent_cache_directory={quiet.XLA_CACHE}"
    root = Path(__file__).resolve().parents[1]
    for installer in ("Makefile", "binder/postBuild"):
        assert "explorer.warm_cache()" in (root / installer).read_text(), installer


def test_the_panel_can_trace_every_depth_in_order_for_the_persistent_cache():
    """trace_all_depths() falls back quietly when training's internals change (the depths then compile on first
    use, 2-5 s each): this test makes that fallback loud instead."""
    assert E.trace_all_depths() is True
    # Tracing each depth at the panel's first step count covers every step count and optimizer it offers: no
    # setting of the panel needs another program (train_net's program key is the same for all of them).
    from helpers import training
    before = training.compiled_trainer.cache_info().misses
    for steps in E.STEPS:
        for optimizer in ("sgd", "adam"):
            training.train_net(depth=1, steps=steps, optimizer=optimizer)
    assert training.compiled_trainer.cache_info().misses == before
