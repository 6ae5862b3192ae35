"""The IPython layer: ``%%tune`` and the line magics. Parses options, builds, displays.

This is the only module that imports IPython. Everything it does is a call into
the core (:func:`hpmagic.study.create_study` and the study object).
"""

from __future__ import annotations

import os
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from .annotations import tune
from .executors import ExecutorError
from .options import DEFAULT_MAX_EVALS, Options, OptionsError
from .program import ProgramError
from .study import Study, create_study

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
        help=f"number of trials in this run (default {DEFAULT_MAX_EVALS})",
    )
    @argument("--algo", default="tpe", help="search algorithm: tpe, rand, anneal or grid (default tpe)")
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
        help="stop unpromising trials from their tune.report values: none, median or halving",
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
        args = parse_argstring(self.tune, line)
        options = options_from_args(args)
        study = build_study(cell, self.shell.user_ns, options)
        replaced = STUDIES.pop(study.name, None)
        if replaced is not None and replaced is not study:
            replaced.close()  # its worker processes are not needed any more
        STUDIES[study.name] = study
        if options.out:
            self.shell.user_ns[options.out] = study
        study.run()
        if options.wait or wait_from_env():
            study.wait()
        return study

    @line_magic
    def tune_stop(self, line: str) -> None:
        """%tune_stop [NAME]: start no new trials in the study (default: the latest)."""
        study = find_study(line.strip())
        study.stop()
        print(f"stopping study '{study.name}': running trials finish and are kept")

    @line_magic
    def tune_status(self, line: str) -> None:
        """%tune_status: one line per study of this kernel."""
        if not STUDIES:
            print("no studies in this kernel yet")
        for study in STUDIES.values():
            print(study.summary())


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
            store=args.store or Options.store,
            parallel=args.parallel,
            dask=args.dask,
            prune=args.prune,
            wait=args.wait,
            out=args.out,
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


def load(ipython: Any) -> None:
    ipython.register_magics(TuneMagics)
    ipython.user_ns.setdefault("tune", tune)


def unload(ipython: Any) -> None:
    for study in STUDIES.values():
        study.stop()
