"""What a study hands back besides code: an export file and the applied cell.

:func:`summary` builds the export from plain data (so a study that lives only in
the store can be exported from a terminal); :func:`export` writes it as JSON or
YAML.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

from ..core.objectives import pareto_front, parse_objectives
from ..core.trials import COMPLETE, FAILED, PRUNED, Direction


class ExportError(ValueError):
    """The export cannot be written as asked (format, missing PyYAML)."""


def best_of(trials: Sequence[Any], direction: str) -> Any:
    """The best complete trial in ``direction``, or ``None``."""
    return Direction.of(direction).best(trials)


def summary(
    name: str,
    direction: str,
    trials: Sequence[Any],
    space: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    best: Any = None,
    objectives: str | None = None,
) -> dict[str, Any]:
    """The export's content: best result, counts, space and a row per trial.

    ``best``: the trial to name best when not every trial may be (one whose option left the cell).
    With ``objectives`` (a spec), the Pareto front too, and the best is its first trial.
    """
    front = pareto_front(list(trials), parse_objectives(objectives)) if objectives else []
    if objectives and best is None:
        best = front[0] if front else None
    best = best if best is not None else best_of(trials, direction)
    counts = {COMPLETE: 0, FAILED: 0, PRUNED: 0}
    for t in trials:
        counts[t.state] = counts.get(t.state, 0) + 1
    data: dict[str, Any] = {
        "name": name,
        "direction": direction,
        "best_params": dict(best.params) if best else {},
        "best_value": best.value if best else None,
        "best_trial": best.number if best else None,
        "n_trials": len(trials),
        "counts": counts,
        "space": {k: list(v) if isinstance(v, tuple) else v for k, v in (space or {}).items()},
        "trials": [
            {
                "number": t.number,
                "state": t.state,
                "value": t.value,
                "duration": round(float(t.duration), 6),
                "params": t.params,
                "error": t.error,
                **({"values": dict(t.values)} if t.values else {}),
            }
            for t in trials
        ],
    }
    if objectives:
        data["objectives"] = objectives
        data["pareto_front"] = [
            {"number": t.number, "values": dict(t.values), "params": dict(t.params)} for t in front
        ]
    data.update(extra or {})
    return data


def _finite_json(value: Any) -> Any:
    """NaN and infinities as the words "nan", "inf", "-inf": a JSON file has no numbers for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_json(v) for v in value]
    return value


def write(data: dict[str, Any], path: str) -> str:
    """Write ``data`` to ``path`` as JSON (.json) or YAML (.yaml/.yml); returns the path."""
    ext = os.path.splitext(path)[1].lower()
    data = _finite_json(data)
    if ext == ".json":
        text = json.dumps(data, indent=2, default=repr, allow_nan=False) + "\n"
    elif ext in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ExportError(
                f"writing {path} needs PyYAML (pip install pyyaml); or export to a .json file"
            ) from None
        text = yaml.safe_dump(json.loads(json.dumps(data, default=repr)), sort_keys=False)
    else:
        raise ExportError(f"export writes .json or .yaml files, not {ext or 'a file without extension'!r}")
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def study_summary(study: Any) -> dict[str, Any]:
    """What ``study.export`` writes, as a dict (also the MLflow parent run's artifact)."""
    return summary(
        study.name,
        study.direction,
        study.trials,
        study.space,
        {"seed": study.seed, "algo": study.options.algo},
        objectives=study.options.objectives,
    )


def export(study: Any, path: str) -> str:
    """``study.export(path)``."""
    return write(study_summary(study), path)


def dataframe(trials: list[Any]) -> Any:
    """The trials as a pandas DataFrame, one column per parameter (``params_<label>``)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_dataframe() needs pandas: pip install pandas") from None
    columns = ["number", "value", "state", "duration", "error", "feasible"]
    rows = []
    for t in trials:
        row = {
            "number": t.number,
            "value": t.value,
            "state": t.state,
            "duration": t.duration,
            "error": t.error,
            "feasible": t.feasible,
        }
        if t.algo:  # --algo auto: which search proposed the trial
            row["algo"] = t.algo
        row.update({f"values_{k}": v for k, v in t.values.items()})
        row.update({f"params_{k}": v for k, v in t.params.items()})
        rows.append(row)
    return pd.DataFrame(rows, columns=None if rows else columns)
