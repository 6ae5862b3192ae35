"""--warm-start: every kind of source seeds the search, only trials that fit, never counted as the study's."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest

from hpmagic import Options, create_study
from hpmagic.core.options import OptionsError
from hpmagic.core.trials import Trial
from hpmagic.run.report import text_summary, warm_line
from hpmagic.run.warmsearch import PAIRS, calibrated, distances

CELL = "x = tune.uniform(0, 10)\nkind = tune.choice(['a', 'b'])\n(x - TARGET) ** 2 + (kind == 'b')"


def source(tmp_path, target=7.0, n=30, name="src", **options):
    store = str(tmp_path / "studies.db")
    study = create_study(
        CELL, {"TARGET": target}, Options(max_evals=n, seed=5, store=store, name=name, **options)
    )
    return study.run().wait(), store


def warm(spec, namespace=None, n=1, **options):
    ns = {"TARGET": 7.2, **(namespace or {})}
    options.setdefault("seed", 1)
    return create_study(CELL, ns, Options(max_evals=n, warm_start=spec, **options)).run().wait()


def test_every_kind_of_source_seeds_the_search_with_the_same_trials(tmp_path):
    src, store = source(tmp_path)
    src.export(str(tmp_path / "src.json"))
    url = f"sqlite:///{tmp_path / 'optuna.db'}"
    src.to_optuna(url)
    frame = src.to_dataframe()
    specs = {
        "a name in the store": ("src", {}, {"store": store}),
        "PATH:NAME": (f"{store}:src", {}, {}),
        "an export": (str(tmp_path / "src.json"), {}, {}),
        "an Optuna storage, its only study": (url, {}, {}),
        "an Optuna storage and a name": (f"{url}:src", {}, {}),
        "a DataFrame's name": ("frame", {"frame": frame}, {}),
        "a DataFrame": (frame, {}, {}),
        "a study": (src, {}, {}),
        "a study's name in the namespace": ("first", {"first": src}, {}),
    }
    expected = sorted((t.params["x"], t.params["kind"], t.value) for t in src.trials)
    for what, (spec, namespace, options) in specs.items():
        study = warm(spec, namespace, **options)
        seeded = study.warm_trials
        assert sorted((t.params["x"], t.params["kind"], t.value) for t in seeded) == expected, what
        assert [t.number for t in seeded] == list(range(-1, -31, -1)), what
        assert len(study.trials) == 1 and study.trials[0].number == 0, what  # not counted as its trials
        assert study.warm_start.n_read == 30 and study.warm_start.n_left_out == 0, what
        assert not study.notes, (what, study.notes)


def test_the_seeded_search_starts_where_the_source_was_best(tmp_path):
    src, _ = source(tmp_path, target=7.0, n=40)
    firsts = [warm(src, seed=s).trials[0].params for s in range(5)]
    colds = [
        create_study(CELL, {"TARGET": 7.2}, Options(max_evals=1, seed=s)).run().wait().trials[0].params
        for s in range(5)
    ]
    assert all(abs(p["x"] - 7.0) < 1.0 and p["kind"] == "a" for p in firsts), firsts
    assert sum(abs(p["x"] - 7.0) < 1.0 for p in colds) <= 2, colds


def test_trials_that_do_not_fit_are_counted_in_one_note():
    frame = pd.DataFrame(
        {
            "x": [1.0, 2.0, 11.0, 3.0, None, 4.0],
            "kind": ["a", "b", "a", "c", "a", "a"],
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, None],
            "state": ["complete", "COMPLETE", "complete", "complete", "complete", "failed"],
            "fit_time": [0.1] * 6,  # not a label: not a param
        }
    )
    study = warm(frame)
    assert [(t.params["x"], t.params["kind"]) for t in study.warm_trials] == [(1.0, "a"), (2.0, "b")]
    left = [n for n in study.notes if n.startswith("warm start:")]
    assert left == [
        "warm start: 4 of 6 trials of a DataFrame left out (3 outside this space, 1 not complete)"
    ]


def test_a_source_run_the_other_way_seeds_nothing_and_says_why(tmp_path):
    src, store = source(tmp_path, n=6, direction="maximize")
    study = warm("src", store=store, direction="minimize")
    assert study.warm_trials == []
    assert study.notes == [
        "warm start: 6 of 6 trials of study 'src' in "
        + store
        + " left out (6 the source was run to maximize, this study to minimize)"
    ]


def test_bad_sources_are_one_line_errors_before_anything_runs(tmp_path):
    src, store = source(tmp_path, n=3)
    cases = {
        "nope": "--warm-start nope: no study named 'nope' in .*other.db or .hpmagic/studies.db",
        f"{store}:nope": "no study named 'nope'",
        str(tmp_path / "missing.json"): "cannot read an hpmagic export there",
        f"sqlite:///{tmp_path / 'none.db'}:x": "no Optuna study 'x'",
        "": "--warm-start needs a source",
    }
    for spec, message in cases.items():
        with pytest.raises(OptionsError, match=message) as info:
            create_study(CELL, {"TARGET": 1}, Options(warm_start=spec, store=str(tmp_path / "other.db")))
        assert "\n" not in str(info.value)
    assert not (tmp_path / "other.db").exists()  # nothing written for a study that did not start
    with pytest.raises(OptionsError, match="--algo grid tries every point anyway"):
        create_study(CELL, {"TARGET": 1}, Options(warm_start=src, algo="grid"))
    with pytest.raises(OptionsError, match="that is this study"):
        create_study(CELL, {"TARGET": 1}, Options(warm_start="src", store=store, name="src"))


def test_the_first_trial_measures_the_sources_best_here(tmp_path):
    src, _ = source(tmp_path, target=7.0, n=30)
    study = warm(src, n=1)
    assert study.trials[0].params == src.best_params  # then the seeded search and one without it take turns
    assert "on trial: the first trials alternate" in warm_line(study)


def test_an_unhelpful_source_is_dropped_after_its_trial_and_a_helpful_one_kept(tmp_path):
    wrong, _ = source(tmp_path, target=0.5, n=30, name="wrong")  # the study's optimum is at 9.5
    right, _ = source(tmp_path, target=7.0, n=30, name="right")  # ... at 7.2
    seeds = range(8)
    dropped = [warm(wrong, n=2 * PAIRS, seed=s, namespace={"TARGET": 9.5}) for s in seeds]
    kept = [warm(right, n=2 * PAIRS, seed=s) for s in seeds]
    assert all(k.warm_start.verdict == "kept" and len(k.warm_trials) == 30 for k in kept)
    assert sum(d.warm_start.verdict == "dropped" for d in dropped) >= 5, [
        d.warm_start.verdict for d in dropped
    ]
    gone = next(d for d in dropped if d.warm_start.verdict == "dropped")
    assert gone.warm_trials == []
    assert any(n.startswith(f"warm start dropped after {2 * PAIRS} trials") for n in gone.notes)
    assert "dropped: its suggestions did worse here" in warm_line(gone)
    assert "kept: its suggestions did as well here" in text_summary(kept[0])
    assert kept[0].summary().endswith("; warm start: 30 trials of study 'right', kept")  # %tune_status


def test_warm_trials_are_neither_stored_nor_exported(tmp_path):
    src, store = source(tmp_path, n=10)
    study = (
        create_study(
            CELL, {"TARGET": 7.2}, Options(max_evals=4, seed=0, store=store, name="dst", warm_start="src")
        )
        .run()
        .wait()
    )
    with sqlite3.connect(store) as db:
        numbers = [r[0] for r in db.execute("SELECT number FROM trials WHERE study = 'dst' ORDER BY number")]
    assert numbers == [0, 1, 2, 3]
    path = study.export(str(tmp_path / "dst.json"))
    with open(path) as f:
        assert [t["number"] for t in json.load(f)["trials"]] == [0, 1, 2, 3]
    assert len(study.to_dataframe()) == 4 and study.counts()["complete"] == 4
    assert study.to_optuna(f"sqlite:///{tmp_path / 'o.db'}").trials[-1].user_attrs["hpmagic_number"] == 3
    assert study.options.to_json()["warm_start"] == "src"
    assert Options(warm_start=pd.DataFrame()).to_json()["warm_start"] == "<DataFrame>"


def test_several_objectives_take_each_objective_from_the_source():
    cell = 'x = tune.uniform(0, 1)\n{"error": (x - 0.3) ** 2, "size": x}'
    src = create_study(cell, {}, Options(max_evals=12, seed=0, objectives="error:min,size:min")).run().wait()
    study = create_study(
        cell, {}, Options(max_evals=3, seed=0, objectives="error:min,size:min", warm_start=src)
    )
    study.run().wait()
    assert len(study.warm_trials) == 12 and all(set(t.values) == {"error", "size"} for t in study.warm_trials)
    one = create_study("x = tune.uniform(0, 1)\n(x - 0.3) ** 2", {}, Options(max_evals=2, warm_start=src))
    assert one.warm_trials == [] or all(t.value is not None for t in one.warm_trials)
    frame = pd.DataFrame({"params_x": [0.1, 0.2], "values_error": [0.04, 0.01]})
    study = create_study(cell, {}, Options(max_evals=1, objectives="error:min,size:min", warm_start=frame))
    assert study.warm_trials == [] and "2 without this study's objectives" in study.notes[0]


def test_distances_count_other_options_and_dimensions_active_in_one_point_only():
    cell = "m = tune.choice([SVC(C=tune.loguniform(1e-2, 1e2)), 'plain'])\nx = tune.uniform(0, 10)\nx"
    space = create_study(cell, {"SVC": dict}, Options()).search_space
    svc = {"m": 0, "C": 1.0, "x": 5.0}
    far = {"m": 0, "C": 100.0, "x": 0.0}
    plain = {"m": 1, "x": 5.0}
    got = distances(space, [svc, plain], [svc, far, plain])
    assert got[0].tolist() == pytest.approx([0.0, 0.25 + 0.25, 1.0 + 1.0])  # C: half the log range
    assert got[1].tolist() == pytest.approx([2.0, 2.0 + 0.25, 0.0])


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_placed_source_values_never_tie_and_rank_behind_what_the_study_measured(direction):
    # a tie is a plateau to the search, which then draws its good trials among the tied ones;
    # copies of one measured value are no plateau, and drawing among them lost on every cell
    sign = 1.0 if direction == "minimize" else -1.0
    space = create_study("x = tune.uniform(0, 10)\nx", {}, Options()).search_space

    def trial(number, x, loss):
        return Trial(number, {"x": x}, sign * loss, "complete", 0.0, raw={"x": x})

    own = [trial(0, 5.0, 1.0), trial(1, 9.9, 4.0)]
    # three source trials near the own trial at x = 5 (all take its value), the best far off
    warm = [trial(-4, 5.2, 0.3), trial(-3, 4.9, 0.2), trial(-2, 5.1, 0.4), trial(-1, 0.0, 0.1)]
    placed = [sign * t.value for t in calibrated(space, warm, own, sign)]
    measured = [sign * t.value for t in own]
    assert len(set(placed + measured)) == 6  # no two equal
    # the source's best goes to the own best (1.0), just behind it; the copies of 1.0 follow in
    # the source's order (0.2, 0.3, 0.4), and all stay below the next measured value
    order = sorted(range(4), key=lambda i: placed[i])
    assert order == [3, 1, 0, 2]
    assert all(1.0 < v < 1.0 + 1.5 for v in placed)
