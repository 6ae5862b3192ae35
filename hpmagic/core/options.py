"""The options of a study run, checked before anything runs."""

from __future__ import annotations

import keyword
import os
from dataclasses import dataclass, field, fields
from typing import Any

from .numeric import real

DEFAULT_MAX_EVALS = 50
DEFAULT_STORE = os.path.join(".hpmagic", "studies.db")
ALGOS = ("tpe", "gp", "auto", "rand", "anneal", "grid", "hyperopt", "hyperopt-tpe")
#: names that mean the same search as another
ALGO_ALIASES = {"hyperopt-tpe": "hyperopt"}
PRUNERS = ("none", "median", "halving", "hyperband", "folds")
#: local worker processes per CPU at most: more only trade memory for nothing
PROCESSES_PER_CPU = 4
#: trials at once on a Dask cluster at most (each in-flight trial holds a task and a future)
MAX_DASK_PARALLEL = 1024


def parallel_limit(dask: bool) -> int:
    """The largest ``--parallel`` that makes sense here: 4 × the CPUs for local processes."""
    if dask:
        return MAX_DASK_PARALLEL
    return PROCESSES_PER_CPU * (os.cpu_count() or 1)


class OptionsError(ValueError):
    """A bad option; the message is one line that says which and why."""


@dataclass
class Options:
    """What ``%%tune`` options say. ``None`` means "not given" (a default applies).

    Attributes:
        max_evals: ``-n``: trials in a run (50 when not given; a grid: the whole grid).
        algo: ``--algo``: ``tpe``, ``rand``, ``anneal``, ``grid`` or ``hyperopt`` (``hyperopt-tpe``).
        direction: ``--minimize`` / ``--maximize``: "minimize" or "maximize"; None: the objective
            decides (a ``"score"`` is maximised).
        seed: ``--seed``: the start-up points are reproducible.
        timeout: ``--timeout``: start no new trial after this many seconds.
        early_stop: ``--early-stop``: stop after this many trials without improvement.
        name: ``--name``: the study's name in the store; a known name continues that study.
        store: ``--store``: a SQLite file; None keeps the study in memory (``%%tune`` gives
            ``.hpmagic/studies.db``).
        parallel: ``--parallel``: trials at once (local worker processes, or on Dask).
        dask: ``--dask``: a scheduler's address; "" means the kernel's current ``distributed.Client``.
        prune: ``--prune``: ``none``, ``median`` or ``halving``.
        wait: ``--wait``: the cell blocks until the run ends.
        out: ``-o``: also bind the study to this name in the user namespace.
        mlflow: ``--mlflow``: log to MLflow, in this experiment ("" or True: the study's name).
        start_at_defaults: ``--start-at-defaults``: a fresh study's trial 0 runs the cell's own values.
        objectives: ``--objectives``: several named objectives, ``"error:min,latency:min"``.
        warm_start: ``--warm-start``: earlier trials that seed the search (a stored study's name,
            ``PATH:NAME``, an export file, an Optuna storage URL, a DataFrame or a study).
    """

    max_evals: int | None = None
    algo: str = "tpe"
    direction: str | None = None  # "minimize" | "maximize" | None (decided by the objective)
    seed: int | None = None
    timeout: float | None = None
    early_stop: int | None = None
    name: str | None = None
    store: str | None = None  # a SQLite file; None keeps the study in memory (%%tune gives DEFAULT_STORE)
    parallel: int = 1
    dask: str | None = None  # "" means the kernel's current distributed.Client
    prune: str = "none"
    wait: bool = False
    out: str | None = None
    mlflow: str | bool | None = None  # log to MLflow: the experiment's name ("" or True: the study's name)
    start_at_defaults: bool = False  # a fresh study's trial 0 runs the cell's own values
    objectives: str | None = None  # several named objectives: "error:min,latency:min"
    #: earlier work that seeds the search: a study name, PATH:NAME, an export file, an Optuna
    #: storage URL[:NAME], a DataFrame's name in the namespace, or (from Python) the DataFrame or study
    warm_start: Any = field(default=None, compare=False)
    stop_when_done: bool = False  # end the run when more trials are unlikely to gain more than noise

    def check(self) -> Options:
        """Raise :class:`OptionsError` for the first bad option; return self."""
        self._plain_numbers()
        if self.max_evals is not None and self.max_evals < 1:
            raise OptionsError(f"-n/--max-evals must be at least 1, got {self.max_evals}")
        if self.algo not in ALGOS:
            raise OptionsError(f"--algo must be one of {', '.join(ALGOS)}, got {self.algo!r}")
        if self.direction not in (None, "minimize", "maximize"):
            raise OptionsError(f"direction must be minimize or maximize, got {self.direction!r}")
        if self.seed is not None and not 0 <= self.seed < 2**32:
            raise OptionsError(f"--seed must be between 0 and 2**32 - 1, got {self.seed}")
        if self.timeout is not None and not self.timeout > 0:
            raise OptionsError(f"--timeout must be a positive number of seconds, got {self.timeout}")
        if self.early_stop is not None and self.early_stop < 1:
            raise OptionsError(f"--early-stop must be at least 1, got {self.early_stop}")
        if self.name is not None and not self.name.strip():
            raise OptionsError("--name must not be empty")
        if self.name is not None and not self.name.isprintable():  # a listing shows one line per study
            raise OptionsError(f"--name must be one line of printable text, got {self.name!r:.60}")
        if self.parallel < 1:
            raise OptionsError(f"--parallel must be at least 1, got {self.parallel}")
        limit = parallel_limit(self.dask is not None)
        if self.parallel > limit:
            where = (
                "on Dask"
                if self.dask is not None
                else f"for local processes ({PROCESSES_PER_CPU} × {os.cpu_count() or 1} CPUs)"
            )
            raise OptionsError(f"--parallel must be at most {limit} {where}, got {self.parallel}")
        if self.prune not in PRUNERS:
            raise OptionsError(f"--prune must be one of {', '.join(PRUNERS)}, got {self.prune!r}")
        if self.out is not None and (not self.out.isidentifier() or keyword.iskeyword(self.out)):
            raise OptionsError(f"-o/--out must be a Python name, got {self.out!r}")
        if self.mlflow is True:
            self.mlflow = ""
        if self.mlflow is not None and not isinstance(self.mlflow, str):
            raise OptionsError(f"--mlflow takes an experiment name, got {self.mlflow!r}")
        if self.objectives is not None:
            self._check_objectives()
        if isinstance(self.warm_start, str) and not self.warm_start.strip():
            raise OptionsError(
                "--warm-start needs a source: a study name, a file, a storage URL or a DataFrame"
            )
        if self.warm_start is not None and self.algo == "grid":
            raise OptionsError(
                "--warm-start seeds a search that learns; --algo grid tries every point anyway"
            )
        if not isinstance(self.start_at_defaults, bool):
            raise OptionsError(f"start_at_defaults must be True or False, got {self.start_at_defaults!r}")
        if not isinstance(self.stop_when_done, bool):
            raise OptionsError(f"stop_when_done must be True or False, got {self.stop_when_done!r}")
        if self.stop_when_done and self.objectives:
            raise OptionsError("--stop-when-done needs one objective; it cannot be used with --objectives")
        return self

    def _plain_numbers(self) -> None:
        """numpy, pandas and ``numbers`` values as Python's (the store keeps the options as JSON)."""
        for name in ("max_evals", "seed", "early_stop", "parallel", "timeout"):
            value = getattr(self, name)
            if value is None:
                continue
            number = real(value)  # a bool is no number here: -n True is a slip, not one trial
            if number is None or (name != "timeout" and not isinstance(number, int)):
                kind = "a number" if name == "timeout" else "an integer"
                raise OptionsError(f"{name} must be {kind}, got {type(value).__name__} {value!r:.40}")
            setattr(self, name, float(number) if name == "timeout" else number)

    def _check_objectives(self) -> None:
        from .objectives import parse_objectives, spec_of

        try:
            self.objectives = spec_of(parse_objectives(self.objectives))  # type: ignore[arg-type]
        except ValueError as exc:
            raise OptionsError(str(exc)) from None
        if self.direction is not None:
            raise OptionsError(
                "--objectives gives each objective its direction (name:min or name:max); "
                "leave out --maximize/--minimize"
            )
        if self.prune != "none":
            raise OptionsError("--prune needs one objective; it cannot be used with --objectives")
        algo = ALGO_ALIASES.get(self.algo, self.algo)
        if algo in ("hyperopt", "gp"):
            raise OptionsError(
                f"--objectives searches with --algo tpe, auto, rand, anneal or grid, not {algo}"
            )

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        if data["warm_start"] is not None and not isinstance(data["warm_start"], str):
            data["warm_start"] = f"<{type(data['warm_start']).__name__}>"  # the table itself is not kept
        return data
