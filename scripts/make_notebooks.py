"""Writes the example notebooks in notebooks/ from the cells below (run after editing)."""

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
}


def main() -> int:
    HERE.mkdir(exist_ok=True)
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=[new_markdown_cell(t) if k == "md" else new_code_cell(t) for k, t in cells],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        )
        nbformat.write(nb, HERE / name)
        print("wrote", HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
