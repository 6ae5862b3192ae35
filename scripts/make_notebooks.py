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
