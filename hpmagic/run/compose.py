"""Wiring: which store a study writes to and what it continues from, in one place.

The store knows records, the study knows its run; neither builds the other.
:func:`create_study` parses the cell, asks the store for the earlier trials of a
study of that name, builds the :class:`~hpmagic.run.study.Study` with them and
subscribes the store's writer. Views are not wired here: a view is made when a
study is first displayed (see :mod:`hpmagic.ui.display`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..core.options import Options, OptionsError
from ..core.program import parse
from ..core.space import Space
from ..integrations import mlflow
from ..search.searcher import SearchSettings
from ..storage.store import StoreObserver, continued
from .study import Study
from .warmstart import source_of, warm_start


def create_study(
    source: str,
    namespace: dict[str, Any] | None = None,
    options: Options | None = None,
    *,
    first_line: int = 1,
    search_settings: SearchSettings | None = None,
) -> Study:
    """Parse a cell and build its study (nothing runs until ``run``).

    Kept in memory unless ``options.store`` names a SQLite file; with a file, a study
    of a known name continues from its stored trials and each new trial is saved.
    """
    options = (options or Options()).check()
    program = parse(source, first_line=first_line)
    namespace = namespace if namespace is not None else {}
    if options.mlflow is not None:
        mlflow.require()  # before anything is written to the store
    warm = None
    if options.warm_start is not None:  # read now: a source that cannot be read writes nothing
        name = options.name or program.default_name()
        warm = source_of(options.warm_start, namespace, options.store, name)
    if options.store is None:
        study = Study(program, namespace, options)
    else:
        study = open_study(program, namespace, options)
    if search_settings is not None:
        study.search_settings = search_settings
    if warm is not None:  # before the first ask, so the search starts from it
        warm_start(study, warm)
    if options.start_at_defaults and study._fresh():  # a continued study has run them already
        study.enqueue_defaults()
    if options.mlflow is not None:  # every ended trial also goes to MLflow, from a thread of its own
        mlflow.track(study, options.mlflow or None)
    # workers start now, so a namespace that cannot reach them is an error before any trial
    study._executor_started()
    return study


def open_study(program: Any, namespace: dict[str, Any], options: Options) -> Study:
    """The study of a cell in the store ``options.store``, continued when its name is known there."""
    assert options.store is not None
    name = options.name or program.default_name()
    space = Space.build(program, dict(namespace))
    found = continued(options.store, name, space)
    options = same_objectives(name, options, found.objectives)
    study = Study(
        program,
        namespace,
        options,
        space=space,
        history=found.history,
        first_number=found.first_number,
        stored_direction=found.direction,
    )
    study.notes.extend(found.notes)
    if found.store is not None:
        observer = StoreObserver(found.store, cell_space=space)
        observer.save(study)
        study.subscribe(observer)
    return study


def same_objectives(name: str, options: Options, stored: str | None) -> Options:
    """The options a continued study runs with: its stored objectives ranked its trials.

    Left out, they carry over; a different set (or several where one was run) is an
    :class:`OptionsError`, like a cell whose objective turned the stored direction round.
    """
    if stored is None or stored == (options.objectives or ""):
        return options
    if options.objectives is None and stored:
        return replace(options, objectives=stored)
    was = f"--objectives {stored!r}" if stored else "one objective"
    now = f"--objectives {options.objectives!r}" if options.objectives else "one objective"
    raise OptionsError(
        f"study '{name}' was run with {was} and this run asks for {now}: "
        f"give {('--objectives ' + repr(stored)) if stored else 'no --objectives'} to go on, "
        "or another --name for a new study"
    )
