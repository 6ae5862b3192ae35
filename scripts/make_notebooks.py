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
            'study.refine(gamma=(1e-4, 1e-2), kernel=["rbf", "linear"])\n'
            "study.run(10).wait()\n"
            "later = study.trials[20:]\n"
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
        ("code", "from hpmagic.sliders import SpaceControls\n\ncontrols = SpaceControls(study)\ncontrols"),
        (
            "code",
            "# what the Continue button does, from code\n"
            "study.refine(**ranges).run(5).wait()\n"
            "print(study.summary())",
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
        nbformat.write(nb, HERE / name)
        print("wrote", HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
