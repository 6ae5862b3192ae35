"""A study as text and as static HTML: what shows where widgets cannot render.

The summary a terminal prints, the text of a saved notebook and the HTML kept in
it once a run ended are made here, from the study's public reading methods, so
the study can show itself without any view. User text is escaped in HTML.
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any

from ..core.crossval import folds_ran
from ..core.text import shorten
from ..core.trials import COMPLETE, FAILED, PRUNED, Direction, Trial, no_best

ERROR_CHARS = 90  # of an error shown in the table (the whole error is a click away)
OUTPUT_CHARS = 64 * 1024  # of a trial's printed output (and of its error) shown: the tail
NOTES_SHOWN = 200  # the study's latest notes shown
NOTE_CHARS = 1000  # of one note
PARAM_CHARS = 300  # of a trial's params in the table, and of a value shown as best


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.6g}"


def format_value(value: Any) -> str:
    """A parameter value as people read it (floats short, strings quoted, long ones cut)."""
    if isinstance(value, str):
        return shorten(repr(value), PARAM_CHARS)
    if isinstance(value, float):
        return _fmt(value)
    return shorten(str(value), PARAM_CHARS)


def format_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={format_value(v)}" for k, v in params.items())


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _one_line(text: str | None, limit: int) -> str:
    return shorten(" ".join((text or "")[: limit * 4].split()), limit)


def tail(text: str, limit: int = OUTPUT_CHARS) -> str:
    """The last ``limit`` characters of ``text``, after a line saying how much was cut.

    A trial that prints megabytes must not send megabytes to the page on each click.
    """
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"[… first {cut} characters cut; the last {limit} shown]\n" + text[cut:]


def shown_notes(notes: list[str], limit: int = NOTES_SHOWN) -> list[str]:
    """The latest ``limit`` notes, each shortened, after a line counting the ones left out."""
    out = [shorten(note, NOTE_CHARS) for note in notes[-limit:]]
    if len(notes) > limit:
        out.insert(0, f"({len(notes) - limit} earlier notes not shown)")
    return out


def fold_seconds_saved(trials: Any) -> float:
    """Seconds of CV folds that pruned trials did not run: each trial's time per fold × folds left."""
    saved = 0.0
    for trial in trials:
        ran = folds_ran(trial.extras) if trial.state == PRUNED else None
        if ran and 0 < ran[0] < ran[1]:
            saved += trial.duration / ran[0] * (ran[1] - ran[0])
    return saved


def progress_line(study: Any, counts: dict[str, int] | None = None) -> str:
    """``12/50 trials · 2 failed · 1 pruned · 14.2s elapsed · ~40s left`` for this run."""
    counts = counts if counts is not None else study.counts()
    ran, target = study.n_ended_this_run, study.n_target
    parts = [f"{ran}/{target} trials" if target else f"{sum(counts.values())} trials"]
    parts.append(f"{counts.get(FAILED, 0)} failed")
    parts.append(f"{counts.get(PRUNED, 0)} pruned")
    saved = fold_seconds_saved(study.trials) if counts.get(PRUNED, 0) else 0.0
    if saved > 0:
        parts.append(f"~{format_duration(saved)} of CV folds saved")
    earlier = study.n_before_run
    if earlier:
        parts.append(f"+{earlier} earlier")
    if study.run_started_at is not None:
        end = study.run_ended_at or time.time()
        elapsed = max(0.0, end - study.run_started_at)
        parts.append(f"{format_duration(elapsed)} elapsed")
        if study.running and 0 < ran < target:
            parts.append(f"~{format_duration(elapsed / ran * (target - ran))} left")
    return " · ".join(parts)


FRONT_SHOWN = 12  # trials of a Pareto front listed in text and static HTML


def format_values(values: Any) -> str:
    """``error=0.031, latency=0.0042``: a trial's objectives."""
    return ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())


def front_lines(study: Any, limit: int = FRONT_SHOWN) -> list[str]:
    """The Pareto front as lines ``#12  error=0.03, latency=0.004  C=1.2, …`` (several objectives)."""
    front = study.best_trials
    lines = [
        f"#{t.number:<4} {format_values(t.values)}  {shorten(format_params(t.params), PARAM_CHARS)}"
        for t in front[:limit]
    ]
    if len(front) > limit:
        lines.append(f"… {len(front) - limit} more on the front (study.best_trials)")
    return lines


def front_heading(study: Any) -> str:
    """``Pareto front: 7 trials (error:min, latency:min)``."""
    names = ", ".join(str(o) for o in study.objectives)
    return f"Pareto front: {len(study.best_trials)} trials ({names})"


def state_line(study: Any, stopping: bool = False) -> str:
    if study.running:
        return "stopping: running trials finish…" if stopping else "running"
    return study.message or study.end_reason or "not started"


def warm_line(study: Any) -> str | None:
    """One line about the trials that seeded the search (``--warm-start``), apart from the study's own."""
    warm = getattr(study, "warm_start", None)
    if warm is None:
        return None
    trials = warm.trials
    direction = Direction.of(study.direction)
    best = direction.best(trials)
    text = f"warm start: {len(trials)} trials of {warm.source} seed the search, not counted here"
    if best is not None:
        text += f" (best there {_fmt(best.value)})"
    if warm.verdict == "dropped":
        return text + "; dropped: its suggestions did worse here than a search without it"
    if warm.verdict == "kept":
        return text + "; kept: its suggestions did as well here as a search without it, or better"
    if trials and getattr(study, "_searching", None) is not None and study._searching.testing is not None:
        return text + "; on trial: the first trials alternate with a search without it"
    return text


def _notes_html(study: Any) -> str:
    """The study's lasting notes (continued, space changed, no longer saved), escaped; the warm
    start's line first, in its own colour (those trials are not the study's)."""
    warm = warm_line(study)
    head = (
        f"<div class='hpmagic-warm' style='color:#1f5fa8;font-size:12px'>{html.escape(warm)}</div>"
        if warm
        else ""
    )
    return head + "".join(
        f"<div style='color:#8a5a00;font-size:12px'>{html.escape(note)}</div>"
        for note in shown_notes(study.notes)
    )


def _trial_line(trial: Trial, best: Trial | None) -> str:
    mark = "★" if best is not None and trial is best else {FAILED: "✗", PRUNED: "✂"}.get(trial.state, " ")
    if not trial.feasible:
        mark = "⊘"  # complete, but the cell said its result breaks a constraint
    value = _fmt(trial.value) if trial.state != FAILED else "–"
    head = f"{mark} #{trial.number:<4} {trial.state:<8} {value:>11} {format_duration(trial.duration):>7}  "
    if trial.algo:  # --algo auto: which search proposed it
        head += f"[{trial.algo}] "
    if trial.state == FAILED:
        return head + _one_line(trial.error, ERROR_CHARS)
    ran = folds_ran(trial.extras)  # the CV folds it ran, where it stopped before the last
    folds = f"[{ran[0]}/{ran[1]} folds] " if ran and ran[0] < ran[1] else ""
    return head + folds + shorten(format_params(trial.params), PARAM_CHARS)


def advice_lines(study: Any) -> list[str]:
    """``advice: log-scale C: …`` per piece of the study's advice (edges are said apart, as
    warnings); none when the advice cannot be worked out (the summary must still show)."""
    try:
        found = study.advice()
    except Exception:  # noqa: BLE001 - advice is a hint: never the reason a summary fails
        return []
    return [f"advice: {shorten(a.line(), NOTE_CHARS)}" for a in found if a.kind != "widen"]


def text_summary(study: Any, recent: int = 8) -> str:
    """Several lines of plain text: where the run is, the best config, the last trials."""
    trials = study.trials
    counts = {COMPLETE: 0, FAILED: 0, PRUNED: 0}
    for t in trials:
        counts[t.state] = counts.get(t.state, 0) + 1
    lines = [f"hpmagic study '{study.name}' ({study.direction}) — {state_line(study)}"]
    warm = warm_line(study)
    if warm:
        lines.append(f"  {warm}")
    lines.extend(f"  note: {note}" for note in shown_notes(study.notes))
    lines.append("  " + progress_line(study, counts))
    best = study.best_trial
    if best is None:
        lines.append("  " + no_best(trials))
    else:
        lines.append(f"  best value {_fmt(best.value)} (trial {best.number}):")
        lines.extend(f"    {k} = {format_value(v)}" for k, v in best.params.items())
    if getattr(study, "objectives", ()) and best is not None:
        lines.append("  " + front_heading(study) + ":")
        lines.extend("    " + line for line in front_lines(study))
    lines.extend("  " + line for line in edge_lines(study))
    lines.extend("  " + line for line in advice_lines(study))
    if trials:
        lines.append(f"  last {min(recent, len(trials))} of {len(trials)} trials:")
        lines.extend("   " + _trial_line(t, best) for t in reversed(trials[-recent:]))
    return "\n".join(lines)


def edge_lines(study: Any) -> list[str]:
    """The edge warnings the widget shows under each slider, as text (terminals, %tune_status)."""
    edges = study.at_bounds() if hasattr(study, "at_bounds") else []
    lines = [f"{shorten(e.label, 60)}: {e.message()}" for e in edges]
    if any(e.new_range is not None for e in edges):
        lines.append("widen and go on: study.refine(**study.suggest_widening()).run(n)")
    return lines


def static_html(study: Any, convergence: bytes | None = None) -> str:
    """The final results as plain HTML (escaped), for notebooks saved without widget state."""
    e = html.escape
    best = study.best_trial
    counts = study.counts()
    rows = "".join(
        f"<tr><td style='padding:1px 8px 1px 0'><code>{e(str(k))}</code></td>"
        f"<td style='padding:1px 0'><code>{e(format_value(v))}</code></td></tr>"
        for k, v in (best.params.items() if best else [])
    )
    best_html = (
        f"<div>best value <b>{e(_fmt(best.value))}</b> (trial {best.number})</div>"
        f"<table style='border-collapse:collapse;margin:2px 0 6px 0'>{rows}</table>"
        if best
        else f"<div>{e(no_best(study.trials))}</div>"
    )
    if getattr(study, "objectives", ()) and best is not None:
        items = "".join(f"<div><code>{e(line)}</code></div>" for line in front_lines(study))
        best_html += f"<div style='margin-top:4px'><b>{e(front_heading(study))}</b></div>{items}"
    edges = "".join(f"<div style='color:#8a5a00'>{e(line)}</div>" for line in edge_lines(study))
    img = (
        f"<img alt='convergence' src='data:image/png;base64,{base64.b64encode(convergence).decode()}'/>"
        if convergence
        else ""
    )
    return (
        "<div class='hpmagic-summary' style='font-family:sans-serif;font-size:13px'>"
        f"<div><b>hpmagic study {e(study.name)}</b> ({e(study.direction)}) — {e(state_line(study))}</div>"
        f"{_notes_html(study)}"
        f"<div style='color:#555'>{e(progress_line(study, counts))}; "
        f"{counts[COMPLETE]} complete in all</div>"
        f"{best_html}{edges}{img}</div>"
    )


def summary_line(study: Any) -> str:
    """One line: where the run is and what is best so far (``repr``, ``%tune_status``)."""
    counts = study.counts()
    parts = [f"study '{study.name}'"]
    if study.running:
        parts.append(f"running: {study.n_started}/{study.n_target} started")
    elif study.end_reason:
        parts.append(study.message or study.end_reason)
    parts.append(
        f"{sum(counts.values())} trials ({counts[COMPLETE]} complete, {counts[FAILED]} failed, "
        f"{counts[PRUNED]} pruned)"
    )
    infeasible = sum(not t.feasible for t in study.trials)
    if infeasible:
        parts.append(f"{infeasible} infeasible")
    if study.best_trial is not None:
        parts.append(f"best {study.best_value:.6g} at {study.best_params}")
    if getattr(study, "objectives", ()):
        parts.append(front_heading(study))
    warm = getattr(study, "warm_start", None)
    if warm is not None:  # seeded the search; not among the trials counted above
        parts.append(
            f"warm start: {len(warm.trials)} trials of {warm.source}"
            + (f", {warm.verdict}" if warm.verdict else "")
        )
    parts.extend(line for line in edge_lines(study) if not line.startswith("widen and go on"))
    parts.extend(study.notes)
    return "; ".join(parts)
