"""hpmagic: hyperparameter tuning in one notebook cell.

``%load_ext hpmagic`` registers the ``%%tune`` magic; ``from hpmagic import tune``
gives the annotations. Importing this package loads neither IPython nor ipywidgets; in a
running IPython shell it registers how a study is displayed.
"""

from __future__ import annotations

from typing import Any

from .core.annotations import Tune, tune
from .core.options import Options
from .core.program import ProgramError
from .core.space import SpaceError
from .core.trials import Trial
from .run.compose import create_study
from .run.processes import ExecutorError, UnsendableError
from .run.study import Study

__all__ = [
    "ExecutorError",
    "Options",
    "ProgramError",
    "SpaceError",
    "Study",
    "Trial",
    "Tune",
    "UnsendableError",
    "create_study",
    "load_ipython_extension",
    "tune",
]
__version__ = "0.1.0"


def _show_studies_in_ipython() -> None:
    """In a running IPython shell, a study is displayed as its one live view (see hpmagic.ui.display)."""
    import sys

    if "IPython" in sys.modules:
        from .ui.display import register_if_loaded

        register_if_loaded()


_show_studies_in_ipython()


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext hpmagic``: register the magics and put ``tune`` in the namespace."""
    from .magic import load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .magic import unload

    unload(ipython)
