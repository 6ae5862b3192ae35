"""The IPython layer: ``%%tune`` and the line magics. Parses options, builds, displays.

This is the only module that imports IPython. Everything it does is a call into
the core (:func:`hpmagic.run.compose.create_study` and the study object).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .core import context
from .core.annotations import tune
from .core.options import DEFAULT_MAX_EVALS, DEFAULT_STORE, Options, OptionsError
from .core.program import ProgramError
from .run.compose import create_study
from .run.processes import ExecutorError
from .run.report import advice_lines
from .run.study import Study
from .search.searcher import preload
from .storage.store import StoreError, export_stored, store_paths, stored_code, stored_lines
from .ui.display import register as register_display

#: studies of this kernel, by name; the most recent last
STUDIES: dict[str, Study] = {}


def wait_from_env() -> bool:
    return os.environ.get("HPMAGIC_WAIT", "").strip().lower() in ("1", "true", "yes", "on")


@magics_class
class TuneMagics(Magics):
    """Hyperparameter tuning of a cell with inline annotations."""

    @magic_arguments()
    @argument(
        "-n",
        "--max-evals",
        type=int,
        default=None,
        help=f"number of trials in this run (default {DEFAULT_MAX_EVALS}; with --algo grid, the whole grid)",
    )
    @argument(
        "--algo",
        default="tpe",
        help=(
            "search algorithm: tpe (hpmagic's joint TPE), gp (Gaussian process, for small budgets), auto (gp or"
            " tpe, picked per study), rand, anneal, grid, or hyperopt (alias hyperopt-tpe: hyperopt's own TPE"
            " with its defaults) (default tpe)"
        ),
    )
    @argument(
        "--maximize", dest="direction", action="store_const", const="maximize", help="maximise the objective"
    )
    @argument(
        "--minimize",
        dest="direction",
        action="store_const",
        const="minimize",
        help="minimise the objective (default)",
    )
    @argument(
        "--objectives",
        default=None,
        metavar="SPEC",
        help=(
            'several objectives, e.g. "error:min,latency:min": entries of the dict the cell ends with; '
            "searches for the Pareto front (study.best_trials)"
        ),
    )
    @argument("--seed", type=int, default=None, help="make the run reproducible")
    @argument("--timeout", type=float, default=None, help="stop starting new trials after SECONDS")
    @argument("--early-stop", type=int, default=None, help="stop after N trials without improvement")
    @argument("--name", default=None, help="the study's name in the store; a known name continues the study")
    @argument("--store", default=None, help="the study store, a SQLite file (default .hpmagic/studies.db)")
    @argument("--parallel", type=int, default=1, help="run N trials at once in local worker processes")
    @argument(
        "--dask",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run trials on a Dask cluster (the scheduler at ADDRESS, or the current distributed.Client)",
    )
    @argument(
        "--prune",
        default="none",
        help="stop unpromising trials early: none, median, halving or hyperband (from tune.report values), "
        "or folds (a trial's tune.cross_val_score folds against the best trial's same folds)",
    )
    @argument(
        "--mlflow",
        nargs="?",
        const="",
        default=None,
        metavar="EXPERIMENT",
        help="log the study and its trials to MLflow, in EXPERIMENT (default: the study's name)",
    )
    @argument(
        "--start-at-defaults",
        action="store_true",
        help="run the cell's own values (its defaults) as trial 0 of a new study",
    )
    @argument(
        "--warm-start",
        default=None,
        metavar="SOURCE",
        help=(
            "seed the search with earlier trials: a stored study NAME (or PATH:NAME), an export .json, "
            "an Optuna storage URL[:NAME], or a DataFrame variable"
        ),
    )
    @argument(
        "--stop-when-done",
        action="store_true",
        help="end the run when more trials are unlikely to beat the best by more than the objective's noise",
    )
    @argument("--wait", action="store_true", help="block the cell until the run ends (also: HPMAGIC_WAIT=1)")
    @argument("-o", "--out", default=None, help="also bind the study to VAR in the user namespace")
    @cell_magic
    def tune(self, line: str, cell: str) -> Study:
        """Tune the cell: its tune.* annotations are searched with hyperopt in the background.

        The cell's last expression is the objective (a number, or a dict with 'loss' or
        'score'). The cell returns at once and shows a live dashboard; the study object
        is the cell's result.
        """
        options = options_from_args(parse_options(self.tune, line))
        study = build_study(cell, self.shell.user_ns, options)
        replaced = STUDIES.pop(study.name, None)
        if replaced is not None and replaced is not study:
            # its worker processes are not needed any more, and its store writer goes to the new object
            count = self.shell.execution_count
            replaced.close(successor=f"{options.out} or Out[{count}]" if options.out else f"Out[{count}]")
        STUDIES[study.name] = study
        if options.out:
            self.shell.user_ns[options.out] = study
        wait = options.wait or wait_from_env()
        try:
            study.run()
            if wait:
                study.wait()
        except KeyboardInterrupt:  # interrupting a waiting cell stops its run
            study.stop()
            raise
        return study

    @line_magic
    def tune_stop(self, line: str) -> None:
        """%tune_stop [NAME]: start no new trials in the study (default: the latest)."""
        study = find_study(line.strip())
        study.stop()
        print(f"stopping study '{study.name}': running trials finish and are kept")

    @line_magic
    def tune_status(self, line: str) -> None:
        """%tune_status: one line per study of this kernel, then one per stored study."""
        if not STUDIES:
            print("no studies in this kernel yet")
        for study in STUDIES.values():
            print(study.summary())
            for advice in advice_lines(study):
                print("  " + advice)
        for text in stored_lines(store_paths(STUDIES.values()), set(STUDIES)):
            print(text)

    @line_magic
    def tune_apply(self, line: str) -> None:
        """%tune_apply [--ranges] [--trial N] [NAME]: insert a new cell below with the best values
        (or trial N's, e.g. one of the Pareto front) written in.

        With --ranges the new cell is a %%tune cell in the study's current (narrowed) space.
        """
        ranges, trial, name = apply_args(line)
        try:
            if name and name not in STUDIES:
                code = stored_code(name, store_paths(STUDIES.values()), ranges=ranges, trial=trial)
            else:
                code = find_study(name).code(ranges=ranges, trial=trial)
        except (ValueError, StoreError) as exc:
            raise UsageError(f"%tune_apply: {exc}") from None
        self.shell.set_next_input(code, replace=False)

    @line_magic
    def tune_export(self, line: str) -> None:
        """%tune_export PATH [NAME]: write best params and a summary (.json, or .yaml with PyYAML).

        NAME may also be a study that is only in the store.
        """
        args = line.split()
        if not 1 <= len(args) <= 2:
            raise UsageError("usage: %tune_export PATH [NAME]")
        path, name = args[0], (args[1] if len(args) == 2 else "")
        try:
            if name and name not in STUDIES:
                export_stored(name, path, store_paths(STUDIES.values()))
            else:
                find_study(name).export(path)
        except (ValueError, StoreError) as exc:
            raise UsageError(f"%tune_export: {exc}") from None
        print(f"wrote {path}")


def apply_args(line: str) -> tuple[bool, int | None, str]:
    """``%tune_apply``'s line: (--ranges, --trial N, NAME); anything else is its usage."""
    usage = UsageError("usage: %tune_apply [--ranges] [--trial N] [NAME]")
    args = line.split()
    ranges, trial, rest = False, None, []
    while args:
        arg = args.pop(0)
        if arg == "--ranges":
            ranges = True
        elif arg == "--trial" and args and args[0].isdigit() and trial is None:
            trial = int(args.pop(0))
        elif arg.startswith("-") or rest:
            raise usage
        else:
            rest.append(arg)
    if ranges and trial is not None:
        raise UsageError("%tune_apply: --ranges writes the space, --trial a trial's values: give one")
    return ranges, trial, rest[0] if rest else ""


def parse_options(magic: Any, line: str) -> Any:
    """The option line as argparse sees it; a bad or unknown flag is one line naming %%tune."""
    try:
        args = parse_argstring(magic, line)
    except UsageError as exc:
        raise UsageError(f"%%tune: {' '.join(str(exc).split())}") from None
    for key, value in vars(args).items():  # IPython keeps the quotes of a quoted value
        setattr(args, key, unquote(value))
    return args


def unquote(value: Any) -> Any:
    """``"error:min, latency:min"`` as the user meant it: without its matching outer quotes."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def options_from_args(args: Any) -> Options:
    try:
        return Options(
            max_evals=args.max_evals,
            algo=args.algo,
            direction=args.direction,
            seed=args.seed,
            timeout=args.timeout,
            early_stop=args.early_stop,
            name=args.name,
            store=args.store or DEFAULT_STORE,
            parallel=args.parallel,
            dask=args.dask,
            prune=args.prune,
            wait=args.wait,
            out=args.out,
            mlflow=args.mlflow,
            start_at_defaults=args.start_at_defaults,
            objectives=args.objectives,
            warm_start=args.warm_start,
            stop_when_done=args.stop_when_done,
        ).check()
    except OptionsError as exc:
        raise UsageError(f"%%tune: {exc}") from None


def build_study(cell: str, user_ns: dict[str, Any], options: Options) -> Study:
    """The study of a cell; errors in the cell become one-line UsageErrors."""
    try:
        # the %%tune line is line 1 of the cell as the user sees it
        return create_study(cell, user_ns, options, first_line=2)
    except ProgramError as exc:
        raise UsageError(f"%%tune: {exc}") from None
    except OptionsError as exc:
        raise UsageError(f"%%tune: {exc}") from None
    except ExecutorError as exc:
        raise UsageError(f"%%tune: {exc}") from None


def find_study(name: str = "") -> Study:
    if not STUDIES:
        raise UsageError("no study in this kernel yet: run a %%tune cell first")
    if not name:
        return next(reversed(STUDIES.values()))
    if name not in STUDIES:
        raise UsageError(f"no study named {name!r} in this kernel; known: {', '.join(STUDIES)}")
    return STUDIES[name]


@contextmanager
def displays_as_text() -> Iterator[None]:
    """In a trial's thread: ``display()`` / ``clear_output()`` never reach another cell.

    ipykernel publishes rich output to whichever cell is executing; while a trial
    runs, its displays become text in the trial's output instead.
    """
    shell = InteractiveShell.instance() if InteractiveShell.initialized() else None
    publisher = getattr(shell, "display_pub", None)
    if publisher is None or not hasattr(publisher, "register_hook"):
        yield
        return

    def hook(msg: dict[str, Any]) -> None:
        if msg.get("msg_type") in ("display_data", "update_display_data"):
            text = msg.get("content", {}).get("data", {}).get("text/plain")
            if text:
                print(text)  # the trial's captured stdout
        return None

    publisher.register_hook(hook)
    try:
        yield
    finally:
        publisher.unregister_hook(hook)


def load(ipython: Any) -> None:
    context.add_trial_hook(displays_as_text)
    preload()  # the search's imports in the background, so the first %%tune starts its trials sooner
    context.install_router()  # now, so logging handlers made later write through it
    ipython.register_magics(TuneMagics)
    register_display(ipython)  # a study shows its one live view
    ipython.user_ns.setdefault("tune", tune)


def unload(ipython: Any) -> None:
    for study in STUDIES.values():
        study.stop()
