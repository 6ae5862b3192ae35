"""Odd but legal use of results: a closed study still held, trials that do not count, small leaks.

A study replaced by a re-run cell refuses to run in one line naming what to use, instead
of running without saving. Infeasible trials rank nowhere: not in edge warnings, zoom,
importance or the best. The text summary carries what the widget shows, matplotlib's
warnings stay out of the cell, and reading an empty file leaves it empty.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from hpmagic import Options, SpaceError, create_study
from hpmagic.core.options import OptionsError
from hpmagic.search.importance import importance

from .harness import assert_all_kept, finish, options

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT_ENV = dict(os.environ, PYTHONPATH=ROOT)

# the upper half of the range is better and infeasible: the best feasible trials sit mid-range
CONSTRAINED = "x = tune.uniform(0, 1)\ny = tune.uniform(0, 1)\ntune.constraint(x < 0.5)\n-x + 0.01 * y\n"


# -- 4. a study the user still holds ------------------------------------------------------------


def test_a_closed_study_refuses_to_run_and_says_what_to_use(tmp_path):
    opts = options(tmp_path, name="held")
    first = finish(create_study("x = tune.uniform(0, 1)\nx\n", {}, opts).run(3))
    first.close(successor="Out[7]")
    with pytest.raises(RuntimeError) as err:
        first.run(2)
    message = str(err.value)
    assert "\n" not in message and "'held'" in message and "Out[7]" in message
    second = finish(create_study("x = tune.uniform(0, 1)\nx\n", {}, opts).run(2))
    assert len(second.trials) == 5
    assert_all_kept(second)
    plain = create_study("x = tune.uniform(0, 1)\nx\n", {}, Options())
    plain.close()
    with pytest.raises(RuntimeError, match="was closed"):
        plain.run(1)


# -- 6. trials that do not count ------------------------------------------------------------------


def test_infeasible_trials_rank_nowhere(tmp_path):
    study = create_study(CONSTRAINED, {}, options(tmp_path, algo="rand"))
    finish(study.run(60))
    feasible = [t for t in study.trials if t.feasible]
    assert 10 < len(feasible) < 50
    assert study.best_trial in feasible and study.best_params["x"] < 0.5
    assert not [e for e in study.at_bounds() if e.label == "x"], study.at_bounds()
    assert "x" not in study.suggest_widening()
    zoomed = study.suggest_refinement()
    assert zoomed["x"][1] <= 0.5 + 0.06, zoomed
    expected = importance(study.search_space, [t.raw for t in feasible], [t.value for t in feasible], seed=0)
    assert study.importance() == pytest.approx(expected)


def test_infeasible_trials_rank_nowhere_with_several_objectives(tmp_path):
    cell = CONSTRAINED.replace("-x + 0.01 * y\n", "{'f': -x, 'g': y}\n")
    study = create_study(cell, {}, options(tmp_path, algo="rand", objectives="f:min,g:min"))
    finish(study.run(60))
    assert all(t.feasible for t in study.best_trials)
    assert not [e for e in study.at_bounds() if e.label == "x" and e.side == "upper"]


def test_every_trial_infeasible_says_so_instead_of_no_complete_trial(tmp_path):
    study = create_study(CONSTRAINED.replace("x < 0.5", "x > 2"), {}, options(tmp_path, algo="rand"))
    finish(study.run(4))
    for call in (study.code, study.apply):
        with pytest.raises(ValueError) as err:
            call()
        assert "no feasible trial" in str(err.value) and "4 complete" in str(err.value)
    assert "no feasible trial" in study._repr_mimebundle_()["text/plain"]
    assert study.code(trial=0)  # a trial picked by hand is written all the same


# -- 7. smaller ones ------------------------------------------------------------------------------------


def test_resuming_several_objectives_with_maximize_names_only_what_was_typed(tmp_path):
    cell = "x = tune.uniform(0, 1)\n{'f': x, 'g': -x}\n"
    finish(create_study(cell, {}, options(tmp_path, name="mo", objectives="f:min,g:max")).run(2))
    with pytest.raises(OptionsError) as err:
        create_study(cell, {}, options(tmp_path, name="mo", direction="maximize"))
    message = str(err.value)
    assert "--maximize" in message and "'mo'" in message and "f:min,g:max" in message
    assert "leave out --maximize" in message and "\n" not in message


def test_plots_of_extreme_values_leak_no_warning(tmp_path):
    from hpmagic.ui import dashboard

    cell = (
        "x = tune.uniform(-1e307, 1e307)\nl = tune.loguniform(1e-300, 1e300)\n"
        "if x > 0:\n    raise ValueError('no')\nx * 10 if x < -5e306 else 1e308\n"
    )
    study = finish(create_study(cell, {}, Options(algo="rand", seed=0)).run(12))
    fails = create_study("x = tune.uniform(0, 1)\n1 / 0\n", {}, Options(algo="rand")).run(3)
    finish(fails)
    with np.errstate(all="warn"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for s in (study, fails):
            view = dashboard.Dashboard(s, listen=False)
            view.refresh(final=True)
            for name in view.view_names:
                view._draw_view(name)
            view.close()
    shown = [f"{w.category.__name__}: {w.message}" for w in caught]
    assert not shown, shown
    assert "failed" not in study.log.getvalue()


def test_the_text_summary_carries_the_edge_warning():
    study = create_study("x = tune.uniform(0, 1)\n-x\n", {}, Options(algo="rand", seed=1))
    finish(study.run(30))
    edges = study.at_bounds()
    assert edges and edges[0].side == "upper"
    text = study._repr_mimebundle_()["text/plain"]
    assert edges[0].message() in text and "suggest_widening" in text
    assert edges[0].message() in study.summary()
    assert edges[0].message() in study._repr_mimebundle_()["text/html"]


def test_listing_an_empty_file_leaves_it_empty(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    done = subprocess.run(
        [sys.executable, "-m", "hpmagic", "list", "--store", str(empty)],
        capture_output=True,
        text=True,
        env=ROOT_ENV,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "no studies" in done.stdout
    assert os.path.getsize(empty) == 0 and not os.path.exists(str(empty) + "-wal")
    from hpmagic.storage.store import StoreError, find_stored

    with pytest.raises(StoreError, match="no study named 'x'"):
        find_stored("x", [str(empty)])
    assert os.path.getsize(empty) == 0


# -- an adversarial read of the newer code ---------------------------------------------------------


def test_a_store_file_deleted_during_a_study_is_written_again_with_every_trial(tmp_path):
    path = tmp_path / "gone.db"
    study = finish(create_study("x = tune.uniform(0, 1)\nx\n", {}, options(tmp_path, store=str(path))).run(4))
    for leftover in tmp_path.glob("gone.db*"):
        leftover.unlink()
    finish(study.run(3))
    assert path.exists(), "the trials went to a deleted file"
    assert len(assert_all_kept(study)) == 7
    assert any("was deleted while the study ran: written again" in n for n in study.notes), study.notes


@pytest.mark.parametrize(("fraction", "pad"), [(0.5, -1), (0.5, float("nan")), (float("nan"), 0.1), (2, 0.1)])
def test_zoom_to_best_with_a_pad_or_fraction_out_of_range_is_one_clear_error(fraction, pad):
    study = finish(create_study("x = tune.uniform(0, 1)\nx\n", {}, Options(algo="rand", seed=0)).run(8))
    with pytest.raises(ValueError) as err:
        study.suggest_refinement(fraction=fraction, pad=pad)
    assert "\n" not in str(err.value) and ("pad" in str(err.value) or "fraction" in str(err.value))


def test_enqueue_takes_any_mapping_of_labels():
    import types

    study = create_study("x = tune.uniform(0, 1)\nk = tune.choice(['a', 'b'])\nx\n", {}, Options(algo="rand"))
    study.enqueue(types.MappingProxyType({"x": 0.5, "k": "b"}))
    study.enqueue(study.queued[0])  # a queued point, as it shows
    assert study.queued == [{"x": 0.5, "k": "b"}] * 2
    with pytest.raises(SpaceError, match="dict of label"):
        study.enqueue([("x", 0.5)])


def test_a_continued_study_says_so_and_from_how_many_trials_in_the_dashboard_and_summary(tmp_path):
    from hpmagic.ui import dashboard

    opts = options(tmp_path, name="again")
    finish(create_study("x = tune.uniform(0, 1)\nx\n", {}, opts).run(4))
    again = finish(create_study("x = tune.uniform(0, 1)\nx\n", {}, opts).run(2))
    said = "continues study 'again': 4 earlier trials loaded from the store"
    view = dashboard.Dashboard(again, listen=False)
    view.refresh(final=True)
    assert html.escape(said) in view.title.value and "+4 earlier" in view.status.value
    view.close()
    assert said in again._repr_mimebundle_()["text/plain"] and said in again.summary()
    assert html.escape(said) in again._repr_mimebundle_()["text/html"]
    changed = create_study("x = tune.uniform(0, 2)\nx\n", {}, opts)
    assert any(n.startswith("continues study 'again' from 6 earlier trials") for n in changed.notes)


def test_the_convergence_plot_shows_infeasible_trials_apart_from_failed_ones():
    from hpmagic.ui import plotdata, plots

    data = plotdata.convergence(
        [0, 1, 2, 3], [0.5, 0.1, float("nan"), 0.3], ["complete", plotdata.INFEASIBLE, "failed", "complete"]
    )
    assert list(data.failed_x) == [2] and list(data.infeasible_x) == [1] and list(data.infeasible_y) == [0.1]
    assert list(data.best_y) == [0.5, 0.3]  # the infeasible 0.1 is never the best
    assert plots.convergence_png(data)[:4] == b"\x89PNG"
