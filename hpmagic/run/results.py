"""What a study gives back: best values, importance, a table, a file, the cell with the values in.

A mixin of :class:`hpmagic.run.study.Study`: each result is read from the study's
public reading methods, so this module knows nothing of runs, threads or observers.
"""

from __future__ import annotations

from typing import Any

from ..core.trials import COMPLETE, Trial
from .execution import apply_values
from .report import static_html, summary_line, text_summary
from .searching import values_of


class Results:
    """Best values and the ways they leave the study (dict, DataFrame, file, code, namespace)."""

    name: str
    program: Any
    user_ns: dict[str, Any]
    trials: list[Trial]
    best_trial: Trial | None
    search_space: Any
    _lock: Any
    _ledger: Any

    @property
    def best_params(self) -> dict[str, Any]:
        """The best trial's params, active labels only (``{}`` before there is a best trial)."""
        best = self.best_trial
        return dict(best.params) if best else {}

    @property
    def best_value(self) -> float | None:
        """The best trial's objective (the first objective with several), or None."""
        best = self.best_trial
        return best.value if best else None

    @property
    def best_trials(self) -> list[Trial]:
        """The Pareto front with several objectives (no other trial is as good in every one and
        better in one), by the first objective; with one objective, the best trial alone."""
        with self._lock:
            return list(self._ledger.front())

    def trial(self, number: int) -> Trial:
        """The ended trial numbered ``number``."""
        for t in self.trials:
            if t.number == number:
                return t
        raise ValueError(f"study '{self.name}' has no ended trial number {number!r}")

    def _chosen(self, trial: int | Trial | None, what: str) -> Trial:
        """The trial a result is about: the best by default, else the one given (or its number)."""
        if trial is None:
            best = self.best_trial
            if best is None:
                raise ValueError(f"study '{self.name}' has no complete trial yet: nothing to {what}")
            return best
        if isinstance(trial, Trial):
            return trial
        if isinstance(trial, bool) or not isinstance(trial, int):
            raise TypeError(f"trial= takes a trial or its number, got {trial!r}")
        return self.trial(trial)

    def importance(self) -> dict[str, float]:
        """label → share of the objective's variation it explains (sums to 1); see hpmagic.search.importance."""
        from ..search.importance import importance

        done = [t for t in self.trials if t.state == COMPLETE and t.value is not None]
        return importance(self.search_space, [t.raw for t in done], [t.value for t in done], seed=0)

    def to_dataframe(self) -> Any:
        """The trials as a pandas DataFrame, one column per parameter (``params_<label>``)."""
        from ..storage.export import dataframe

        return dataframe(self.trials)

    def summary(self) -> str:
        """One line: where the run is and what is best so far."""
        return summary_line(self)

    def export(self, path: str) -> str:
        """Write best params and a summary to ``path`` (.json, or .yaml with PyYAML); returns it."""
        from ..storage.export import export

        return export(self, path)

    def to_optuna(self, storage: str, name: str | None = None, replace: bool = False) -> Any:
        """Write the study to Optuna's ``storage`` (e.g. ``"sqlite:///optuna.db"``) as a study of
        the same name (or ``name``), for ``optuna.load_study`` and optuna-dashboard; returns the
        Optuna study. Needs ``hpmagic[optuna]``; see :mod:`hpmagic.integrations.optuna`."""
        from ..integrations.optuna import export_study

        return export_study(self, storage, name, replace)

    def code(self, ranges: bool = False, trial: int | Trial | None = None) -> str:
        """The cell with each annotation replaced by its best value (``ranges``: by the current
        space; ``trial``: by that trial's values, e.g. one of ``best_trials``)."""
        from ..core.codegen import best_code, code_with_values, ranges_cell

        if ranges:
            return ranges_cell(self)
        if trial is None:
            return best_code(self)
        return code_with_values(self.program, self.search_space, self._chosen(trial, "write").raw)

    def apply(self, trial: int | Trial | None = None) -> float | dict[str, float]:
        """Run the cell once with the best params (or ``trial``'s) in the user namespace.

        Returns the objective; with several objectives, the dict of their values.
        """
        chosen = self._chosen(trial, "apply")
        return apply_values(self.program, values_of(self.search_space, chosen.raw), self.user_ns)

    def __repr__(self) -> str:
        return f"<hpmagic.Study {self.summary()}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # text and static HTML, without side effects; in a kernel with hpmagic loaded a
        # display formatter shows the study's one live view instead (hpmagic.ui.display)
        return {"text/plain": text_summary(self), "text/html": static_html(self)}
