"""Writes the example notebooks in notebooks/ from the cells below (run after editing; then
`python scripts/docs_notebooks.py` runs the changed ones again for the docs site)."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent.parent / "notebooks"

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "quickstart.ipynb": [
        ("md", "# hpmagic quickstart\n\nLoad the extension; it puts `tune` in the namespace."),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_digits\n\nX, y = load_digits(return_X_y=True)"),
        (
            "md",
            "Replace literals by annotations and put `%%tune` on top. The last expression is the "
            "objective (minimised by default). The cell returns at once; the search runs in the "
            "background and the dashboard updates live.",
        ),
        (
            "code",
            "%%tune -n 30 --seed 0 -o study\n"
            "from sklearn.ensemble import RandomForestClassifier\n"
            "from sklearn.model_selection import cross_val_score\n\n"
            "model = RandomForestClassifier(\n"
            "    n_estimators=tune.int(10, 100),\n"
            "    max_depth=tune.int(2, 32),\n"
            '    max_features=tune.choice(["sqrt", "log2", None]),\n'
            "    random_state=0,\n"
            ")\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        ("md", "Keep working while it runs. `study.wait()` blocks until it ends."),
        ("code", "study.wait()\nprint(study.best_value)\nstudy.best_params"),
        ("code", "study.trials[:3]"),
    ],
    "store_and_results.ipynb": [
        (
            "md",
            "# Every trial kept: resume, export, code, apply\n\n"
            "Each trial is written to `.hpmagic/studies.db` (beside the notebook) the moment it ends. "
            "Re-running a cell whose study is known continues it.",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_iris\n\nX, y = load_iris(return_X_y=True)"),
        (
            "code",
            "%%tune -n 10 --seed 0 --name iris-svc -o study\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "# the kernel is a choice; C and gamma are searched on log scales\n"
            "model = SVC(\n"
            "    C=tune.loguniform(1e-2, 1e2),\n"
            "    gamma=tune.loguniform(1e-4, 1e0),\n"
            '    kernel=tune.choice(["rbf", "linear"]),\n'
            ")\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        (
            "md",
            "Run the same study again (here: the same `--name`): the 10 trials above are loaded, "
            "TPE is warm-started from them, and 5 more run, numbered after them.",
        ),
        (
            "code",
            "%%tune -n 5 --seed 0 --name iris-svc -o study\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "# the kernel is a choice; C and gamma are searched on log scales\n"
            "model = SVC(\n"
            "    C=tune.loguniform(1e-2, 1e2),\n"
            "    gamma=tune.loguniform(1e-4, 1e0),\n"
            '    kernel=tune.choice(["rbf", "linear"]),\n'
            ")\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        (
            "code",
            "study.wait()\nprint(len(study.trials), 'trials; numbers', [t.number for t in study.trials])",
        ),
        ("md", "Best params and a summary to a file (`.json`, or `.yaml` with PyYAML):"),
        (
            "code",
            "import json\n\nstudy.export('iris-svc.json')\n"
            "data = json.load(open('iris-svc.json'))\n"
            "{k: data[k] for k in ('name', 'direction', 'best_params', 'best_value', 'n_trials')}",
        ),
        (
            "md",
            "The cell's own code with the best values written in (`%tune_apply` inserts it as a new "
            "cell below):",
        ),
        ("code", "print(study.code())"),
        ("md", "`apply()` runs the cell once with the best params in this namespace: the final model."),
        ("code", "loss = study.apply()\nprint(loss, model)"),
        (
            "md",
            "After narrowing the space, `code(ranges=True)` is a `%%tune` cell over the narrowed "
            "space that continues the study (`%tune_apply --ranges` inserts it).",
        ),
        ("code", "study.refine(C=(0.5, 50), kernel=['rbf'])\nprint(study.code(ranges=True))"),
        ("md", "From a terminal: `python -m hpmagic list` and `python -m hpmagic export NAME PATH`."),
        ("code", "import sys\n\n!{sys.executable} -m hpmagic list"),
    ],
    "search_control.ipynb": [
        (
            "md",
            "# Search control: pruning, grid search, importance\n\n"
            "A model trained epoch by epoch can say how it is doing with `tune.report(value, step)`. "
            "With `--prune median` a trial whose report falls below the median of the other trials at "
            "the same epoch is stopped there and recorded as `pruned`; `--prune halving` keeps only the "
            "best third at epochs 1, 3, 9, ... (asynchronous successive halving).",
        ),
        ("code", "%load_ext hpmagic"),
        (
            "code",
            "import warnings\n"
            "import numpy as np\n"
            "from sklearn.datasets import load_digits\n"
            "from sklearn.model_selection import train_test_split\n"
            "from sklearn.preprocessing import StandardScaler\n\n"
            "X, y = load_digits(return_X_y=True)\n"
            "X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)\n"
            "scaler = StandardScaler().fit(X_train)\n"
            "X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)\n"
            "classes = np.unique(y)",
        ),
        (
            "code",
            "%%tune -n 30 --seed 0 --prune median -o pruned\n"
            "from sklearn.linear_model import SGDClassifier\n\n"
            "model = SGDClassifier(\n"
            '    loss=tune.choice(["hinge", "log_loss", "modified_huber"]),\n'
            "    alpha=tune.loguniform(1e-7, 1.0),\n"
            '    learning_rate=tune.choice(["optimal", "constant", "adaptive"]),\n'
            "    eta0=tune.loguniform(1e-5, 1.0),\n"
            "    random_state=0,\n"
            ")\n"
            "with warnings.catch_warnings():\n"
            '    warnings.simplefilter("ignore")\n'
            "    for epoch in range(10):\n"
            "        model.partial_fit(X_train, y_train, classes=classes)\n"
            "        error = 1 - model.score(X_val, y_val)\n"
            "        tune.report(error, step=epoch)\n"
            "error",
        ),
        (
            "md",
            "A pruned trial keeps its last reported value; the search is told that value, so it learns "
            "to stay away from such configurations without paying for their full training.",
        ),
        (
            "code",
            "pruned.wait()\n"
            "print(pruned.counts())\n"
            "print(pruned.best_value, pruned.best_params)\n"
            '[(t.number, t.state, len(t.reports)) for t in pruned.trials if t.state == "pruned"][:5]',
        ),
        (
            "md",
            "`--algo grid` tries every combination once: choice options, integers and `quniform` steps; "
            "a continuous dimension gets 5 points (log-spaced here). An option's own annotations are "
            "gridded only under that option. Without `-n` the run is the whole grid.",
        ),
        (
            "code",
            "%%tune --algo grid -o grid\n"
            "from sklearn.linear_model import SGDClassifier\n\n"
            "model = SGDClassifier(\n"
            '    loss=tune.choice(["hinge", "log_loss"]),\n'
            "    alpha=tune.loguniform(1e-5, 1e-1),\n"
            '    **tune.choice([dict(penalty="l2"), dict(penalty="elasticnet", l1_ratio=tune.uniform(0.1, 0.9))], name="penalty"),\n'
            "    random_state=0,\n"
            ")\n"
            "with warnings.catch_warnings():\n"
            '    warnings.simplefilter("ignore")\n'
            "    for epoch in range(5):\n"
            "        model.partial_fit(X_train, y_train, classes=classes)\n"
            "1 - model.score(X_val, y_val)",
        ),
        ("code", "grid.wait()\nprint(len(grid.trials), 'grid points')\ngrid.best_params"),
        (
            "md",
            "`importance()` says which dimensions explain the objective: a random forest fitted to the "
            "complete trials, and the variance of each dimension's main effect, as shares summing to 1.",
        ),
        ("code", "grid.importance()"),
    ],
    "parallel.ipynb": [
        (
            "md",
            "# Parallel trials\n\n`--parallel N` runs N trials at once in local worker processes "
            "(threads would not help CPU-bound training). `--dask` runs them on a Dask cluster. "
            "The search itself stays in the kernel and asks for a new point whenever a trial ends.",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_digits\n\nX, y = load_digits(return_X_y=True)"),
        (
            "md",
            "The workers receive the cell and the variables it reads (`X`, `y`) once, when they "
            "start. A variable that cannot be pickled (an open file, a lock) is an error before any "
            "trial runs.",
        ),
        (
            "code",
            "%%tune -n 12 --parallel 2 --seed 0 --name svc-local -o local\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "model = SVC(C=tune.loguniform(1e-2, 1e2), gamma=tune.loguniform(1e-4, 1e-2))\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        ("code", "local.wait()\nprint(local.best_value)\nlocal.best_params"),
        (
            "md",
            "## On a Dask cluster\n\nWith a `distributed.Client` in the kernel, `--dask` uses it and "
            "runs one trial per worker thread (`--parallel N` sets another number). "
            "`--dask tcp://host:8786` connects to a scheduler instead.",
        ),
        (
            "code",
            "from distributed import Client, LocalCluster\n\n"
            "cluster = LocalCluster(\n"
            '    n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None\n'
            ")\n"
            "client = Client(cluster)",
        ),
        (
            "code",
            "%%tune -n 12 --dask --seed 0 --name svc-dask -o on_dask\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "model = SVC(C=tune.loguniform(1e-2, 1e2), gamma=tune.loguniform(1e-4, 1e-2))\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        ("code", "on_dask.wait()\nprint(on_dask.best_value)\non_dask.best_params"),
        ("code", "client.close()\ncluster.close()"),
    ],
    "refine.ipynb": [
        (
            "md",
            "# Refine the search space and continue\n\n"
            "A study keeps its trials when you narrow or widen its ranges: `study.refine(...)` changes "
            "the space, `study.run(n)` runs more trials there, and TPE starts from the earlier trials "
            "that lie inside the new space. The sliders panel does the same with the mouse.",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_digits\n\nX, y = load_digits(return_X_y=True)"),
        (
            "code",
            "%%tune -n 20 --seed 0 -o study\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "model = SVC(\n"
            "    C=tune.loguniform(1e-2, 1e3),\n"
            "    gamma=tune.loguniform(1e-5, 1e-1),\n"
            '    kernel=tune.choice(["rbf", "linear", "sigmoid"]),\n'
            ")\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        ("code", "study.wait()\nprint(study.best_value, study.best_params)\nstudy.space"),
        (
            "md",
            "Narrow from code: keep the kernels that did well and a band of `gamma`, then run 10 more "
            "trials. Earlier trials stay in `study.trials`; `study.is_inside(trial)` says which lie in "
            "the current space.",
        ),
        (
            "code",
            "before = len(study.trials)  # run again, the cell continues its stored study: more than 20\n"
            'study.refine(gamma=(1e-4, 1e-2), kernel=["rbf", "linear"])\n'
            "study.run(10).wait()\n"
            "later = study.trials[before:]\n"
            "print(len(study.trials), 'trials;', sum(study.is_inside(t) for t in study.trials), 'inside')\n"
            "assert all(study.is_inside(t) for t in later)\n"
            "study.space",
        ),
        (
            "md",
            "`suggest_refinement()` proposes ranges around the best quarter of the trials "
            "(the panel's *Zoom to best* button).",
        ),
        ("code", "ranges = study.suggest_refinement()\nranges"),
        (
            "md",
            "The sliders: drag a range (or type exact bounds, also beyond the cell's own), switch "
            "options off, then *Continue* runs more trials in the new space. Under each slider, every "
            "trial so far is a tick (pale: outside the current space, green: the best).",
        ),
        ("code", "from hpmagic.ui.sliders import SpaceControls\n\ncontrols = SpaceControls(study)\ncontrols"),
        (
            "code",
            "# what the Continue button does, from code\n"
            "study.refine(**ranges).run(5).wait()\n"
            "print(study.summary())",
        ),
    ],
    "gp_and_auto.ipynb": [
        (
            "md",
            "# Gaussian-process search for small budgets\n\n"
            "`--algo gp` fits a Gaussian process to the trials so far and proposes the point of highest "
            "expected improvement: the strongest search when trials are few and each takes a while. "
            "`--algo auto` uses it where it fits (numbers, a flat space, fewer than 200 trials) and "
            "hpmagic's joint TPE elsewhere; each trial says which one proposed it.",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_digits\n\nX, y = load_digits(return_X_y=True)"),
        (
            "code",
            "%%tune -n 20 --algo gp --seed 0 -o gp_study\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "model = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e0))\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        ("code", "gp_study.wait()\nprint(gp_study.best_value)\ngp_study.best_params"),
        (
            "md",
            "`--algo auto` with a choice among the numbers: the GP treats the kernel as a category, "
            "and `trial.algo` says who proposed each trial.",
        ),
        (
            "code",
            "%%tune -n 20 --algo auto --seed 0 -o auto_study\n"
            "from sklearn.model_selection import cross_val_score\n"
            "from sklearn.svm import SVC\n\n"
            "model = SVC(\n"
            "    C=tune.loguniform(1e-2, 1e3),\n"
            "    gamma=tune.loguniform(1e-5, 1e0),\n"
            '    kernel=tune.choice(["rbf", "sigmoid"]),\n'
            ")\n"
            "1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        ("code", "auto_study.wait()\n[(t.number, t.algo, round(t.value, 4)) for t in auto_study.trials[:5]]"),
    ],
    "dashboard.ipynb": [
        (
            "md",
            "# The live dashboard\n\nA `%%tune` cell shows a dashboard while it runs: progress with an "
            "estimate of time left, a Stop button, the best value and config, a convergence plot, one plot "
            "per dimension (log axes for log dimensions, categories for choices) and the recent trials. "
            "Select a trial in the list to see its params, its error and what it printed. Plots redraw at "
            "most a few times a second, so fast trials keep the notebook responsive.",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_wine\n\nX, y = load_wine(return_X_y=True)"),
        (
            "md",
            "`tune.report` sends intermediate values (here the mean score so far after each fold); the "
            "dashboard draws them as curves.",
        ),
        (
            "code",
            "%%tune -n 30 --seed 1 -o study\n"
            "from sklearn.ensemble import GradientBoostingClassifier\n"
            "from sklearn.model_selection import cross_val_score\n\n"
            "model = GradientBoostingClassifier(\n"
            "    learning_rate=tune.loguniform(1e-3, 1.0),\n"
            "    n_estimators=tune.int(10, 80),\n"
            "    max_depth=tune.int(1, 5),\n"
            '    max_features=tune.choice(["sqrt", "log2", None]),\n'
            "    random_state=0,\n"
            ")\n"
            "scores = []\n"
            "for fold, score in enumerate(cross_val_score(model, X, y, cv=3)):\n"
            "    scores.append(score)\n"
            "    tune.report(1 - sum(scores) / len(scores), step=fold)\n"
            'print(f"fold scores: {scores}")\n'
            "1 - sum(scores) / len(scores)",
        ),
        (
            "md",
            "A trial that raises is marked ✗ in the list and its error is shown when you select it. "
            "Showing the study again gives a second view that stays in sync with the first.",
        ),
        ("code", "study"),
        ("code", "study.wait()\nprint(study.best_value)\nstudy.best_params"),
    ],
    "optuna_and_warm_start.ipynb": [
        (
            "md",
            "# Into Optuna's tools, and a warm start from earlier work\n\n"
            "A study goes to an Optuna storage with `study.to_optuna(url)` (or `python -m hpmagic export "
            "NAME --optuna URL` from a terminal), where `optuna.load_study` and optuna-dashboard read it. "
            "`--warm-start SOURCE` starts the next study from the trials of an earlier one.",
        ),
        ("code", "%load_ext hpmagic"),
        (
            "code",
            "from sklearn.datasets import load_digits\n\n"
            "X_all, y_all = load_digits(return_X_y=True)\n"
            "X, y = X_all[:900], y_all[:900]  # the data we have today",
        ),
        (
            "code",
            "%%tune -n 12 --seed 0 --name digits-svc -o first\n"
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.svm import SVC\n\nmodel = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e-1))\n1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        (
            "md",
            "## Optuna\n\nThe same study in Optuna's format: params with their distributions, states, "
            "values, reports and extras.",
        ),
        (
            "code",
            "import optuna\n\n"
            'first.to_optuna("sqlite:///optuna.db", replace=True)\n'
            'back = optuna.load_study(study_name="digits-svc", storage="sqlite:///optuna.db")\n'
            "print(back.best_value == first.best_value, back.best_params == first.best_params)\n"
            "back.trials[0].distributions",
        ),
        (
            "md",
            "From a terminal, a stored study goes there too; `optuna-dashboard sqlite:///optuna.db` then "
            "serves it (`pip install optuna-dashboard`).",
        ),
        (
            "code",
            "import sys\n\n"
            "!{sys.executable} -m hpmagic export digits-svc --optuna sqlite:///optuna-cli.db --replace",
        ),
        (
            "md",
            "## Warm start\n\n"
            "New data arrives. The same cell with `--warm-start digits-svc` starts from the first study's "
            "trials: they seed the search but are not this study's trials. Its first trial measures the "
            "first study's best on the new data; the first six alternate with a search without the source, "
            "which is dropped if its side does worse.",
        ),
        ("code", "X, y = X_all[900:], y_all[900:]  # the new data"),
        (
            "code",
            "%%tune -n 8 --seed 1 --name digits-svc-new --warm-start digits-svc -o second\n"
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.svm import SVC\n\nmodel = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e-1))\n1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        (
            "code",
            "print(second.warm_start.verdict, len(second.warm_trials), len(second.trials))\n"
            "second.best_value, second.best_params",
        ),
        (
            "md",
            "A source can also be an Optuna study (`URL:NAME`), an export file, `PATH:NAME` in another "
            "store, or a DataFrame in the namespace (one column per label and a `value` column, as "
            "`to_dataframe()` writes).",
        ),
        (
            "code",
            'earlier = first.to_dataframe()\nearlier[["params_C", "params_gamma", "value"]].head(3)',
        ),
        (
            "code",
            "%%tune -n 3 --seed 2 --name from-a-table --warm-start earlier -o third\n"
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.svm import SVC\n\nmodel = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e-1))\n1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
        (
            "code",
            "%%tune -n 3 --seed 3 --name from-optuna --warm-start sqlite:///optuna.db:digits-svc -o fourth\n"
            "from sklearn.model_selection import cross_val_score\nfrom sklearn.svm import SVC\n\nmodel = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e-1))\n1 - cross_val_score(model, X, y, cv=3).mean()",
        ),
    ],
    "advisor.ipynb": [
        (
            "md",
            "# The advisor: what to change in the search space\n\n"
            "Beside the edge warnings, the study reads its trials for three more kinds of advice, each "
            "with its action as data and a button under the sliders: *log-scale* (a linear range whose "
            "good trials crowd its bottom tenth), *freeze* (a dimension that does not matter) and "
            "*done* (more trials are unlikely to beat the best by more than the objective's noise).",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_diabetes\n\nX, y = load_diabetes(return_X_y=True)"),
        (
            "md",
            "`alpha` is searched on a linear scale over five decades (nine trials in ten land above 10), "
            "and the solver does not change a ridge regression's result.",
        ),
        (
            "code",
            "%%tune -n 45 --seed 0 -o study\n"
            "from sklearn.linear_model import Ridge\n"
            "from sklearn.model_selection import cross_val_score\n\n"
            "model = Ridge(\n"
            "    alpha=tune.uniform(0.001, 100),\n"
            '    solver=tune.choice(["svd", "cholesky", "lsqr"]),\n'
            ")\n"
            "-cross_val_score(model, X, y, cv=5).mean()",
        ),
        (
            "md",
            "`study.advice()` gives each piece as a record; the text summary and `%tune_status` list "
            "them too. The dashboard's buttons do what `refine` and `run` do here.",
        ),
        (
            "code",
            "for a in study.advice():\n    print(a.kind, a.label, '|', a.message, '|', a.refine, a.then)",
        ),
        ("code", "%tune_status"),
        (
            "code",
            "for a in study.advice():\n"
            "    if a.kind in ('log-scale', 'freeze'):\n"
            "        study.refine(**a.refine)\n"
            "study.space",
        ),
        ("code", "study.run(20).wait()\nprint(study.best_value)\nprint(study.code(ranges=True))"),
        (
            "md",
            "The frozen solver is written as its option by `code(ranges=True)`, alpha on its log scale; "
            "`refine(solver=['svd', 'cholesky', 'lsqr'])` sets it free again. `--stop-when-done` ends a "
            "run once a regret bound (a Gaussian process fitted to the best trials) falls below the "
            "objective's noise: here a score on freshly shuffled folds, whose noise soon swamps what "
            "is left to gain.",
        ),
        (
            "code",
            "%%tune -n 80 --seed 1 --stop-when-done -o noisy\n"
            "import random\n"
            "from sklearn.linear_model import Ridge\n"
            "from sklearn.model_selection import KFold, cross_val_score\n\n"
            "folds = KFold(5, shuffle=True, random_state=random.randrange(10**6))\n"
            "-cross_val_score(Ridge(alpha=tune.loguniform(0.001, 100)), X, y, cv=folds).mean()",
        ),
        ("code", "noisy.wait()\nprint(noisy.message)\nprint(len(noisy.trials), 'trials')"),
    ],
    "folds.ipynb": [
        (
            "md",
            "# Stop hopeless trials after their first folds\n\n"
            "Write `tune.cross_val_score` where you wrote scikit-learn's `cross_val_score`: same "
            "arguments, same result, but each fold's score is reported as it ends. With `--prune folds` "
            "a trial whose first folds are surely worse than the best trial's same folds stops there; "
            "its value is an estimate of its CV error, and it is marked ✂ pruned.",
        ),
        ("code", "%load_ext hpmagic"),
        ("code", "from sklearn.datasets import load_digits\n\nX, y = load_digits(return_X_y=True)"),
        (
            "code",
            "%%tune -n 40 --seed 0 --prune folds -o study\n"
            "from sklearn.svm import SVC\n\n"
            "model = SVC(C=tune.loguniform(1e-2, 1e3), gamma=tune.loguniform(1e-5, 1e-1))\n"
            "scores = tune.cross_val_score(model, X, y, cv=5)\n"
            "1 - scores.mean()",
        ),
        (
            "md",
            "The progress line counts the pruned trials and the CV time they did not spend; the "
            "trials table shows how many folds a pruned trial ran.",
        ),
        (
            "code",
            "study.wait()\n"
            'pruned = [t for t in study.trials if t.state == "pruned"]\n'
            'print(len(pruned), "pruned;", [t.extras["cv_folds"] for t in pruned][:10])\n'
            "study.best_value, study.best_params",
        ),
        (
            "md",
            "Outside `%%tune`, `tune.cross_val_score` is scikit-learn's own, so the cell runs as plain "
            "Python with the default values.",
        ),
        (
            "code",
            "from sklearn.svm import SVC\n\ntune.cross_val_score(SVC(), X, y, cv=5)",
        ),
    ],
}


def main() -> int:
    HERE.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=[new_markdown_cell(t) if k == "md" else new_code_cell(t) for k, t in cells],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        )
        for i, cell in enumerate(nb.cells):
            cell.id = f"{Path(name).stem}-{i}"  # stable ids: regenerating changes only what changed
        nbformat.write(nb, HERE / name)
        print("wrote", HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
