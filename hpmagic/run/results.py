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

    @property
    def best_params(self) -> dict[str, Any]:
        best = self.best_trial
        return dict(best.params) if best else {}

    @property
    def best_value(self) -> float | None:
        best = self.best_trial
        return best.value if best else None

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

    def code(self, ranges: bool = False) -> str:
        """The cell with each annotation replaced by its best value (``ranges``: by the current space)."""
        from ..core.codegen import best_code, ranges_cell

        return ranges_cell(self) if ranges else best_code(self)

    def apply(self) -> float:
        """Run the cell once with the best params in the user namespace; returns the objective."""
        best = self.best_trial
        if best is None:
            raise ValueError(f"study '{self.name}' has no complete trial yet: nothing to apply")
        return apply_values(self.program, values_of(self.search_space, best.raw), self.user_ns)

    def __repr__(self) -> str:
        return f"<hpmagic.Study {self.summary()}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # text and static HTML, without side effects; in a kernel with hpmagic loaded a
        # display formatter shows the study's one live view instead (hpmagic.ui.display)
        return {"text/plain": text_summary(self), "text/html": static_html(self)}
