"""hpmagic's own cost: ``%%tune`` in a real IPython kernel against raw ``hyperopt.fmin``.

Everything runs in one real kernel (started through jupyter_client, as a notebook
would), cells sent one after the other:

1. Trial throughput: 1000 trials of a trivial objective (the cell returns
   ``x1 + x2`` at once) over a 2-d uniform space, through ``%%tune -n 1000 --wait``
   with its defaults (dashboard shown, store on in a temporary directory), against
   ``hyperopt.fmin`` in the same kernel on the same space: random search on both
   sides (the same algorithm: hpmagic's overhead alone), and TPE — hpmagic's default
   on this flat space is its joint TPE, ``fmin`` runs hyperopt's TPE with the settings
   of ``HyperoptTPESettings``. Wall time of the whole cell, from sending
   it to the kernel going idle. Target: ≤ 1.15×.
2. Time to first trial: from sending a ``%%tune`` cell to its first trial
   starting; the trial writes ``time.time()`` to a file. Once for the first
   ``%%tune`` of a fresh kernel (imports included), once for a later cell.
   Target: < 1.5 s.
3. Peak memory: the kernel's peak RSS (``VmHWM``) after 10 000 trials of a
   trivial objective (2000 with ``--quick``), in a fresh kernel per algorithm:
   ``tpe`` (the default), ``rand``, ``anneal`` and ``grid`` (over two integers of
   100 values each, so the grid is 10 000 points); none of them imports hyperopt.
   Target: < 200 MB.

    python benchmarks/overhead.py [--quick]
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from typing import Any

try:
    from . import common
except ImportError:  # run as a script
    import common  # type: ignore[no-redef]

from tests.kernel.kernel import Kernel  # noqa: E402 - common puts the project on sys.path

SPACE_CELL = "x1 = tune.uniform(-5, 10)\nx2 = tune.uniform(0, 15)\nx1 + x2"
#: a grid of 10 000 points (the continuous cell's grid is only 25)
GRID_CELL = "x1 = tune.int(0, 99)\nx2 = tune.int(0, 99)\nx1 + x2"
MEMORY_ALGOS = ("tpe", "rand", "anneal", "grid")
HYPEROPT_SETUP = """
import functools, numpy as _np
from hyperopt import fmin as _fmin, hp as _hp, tpe as _tpe, rand as _rand, Trials as _Trials
from hpmagic.search.hyperopt_driver import HyperoptTPESettings
_space = {"x1": _hp.uniform("x1", -5, 10), "x2": _hp.uniform("x2", 0, 15)}
_algos = {"tpe": functools.partial(_tpe.suggest, verbose=False, **HyperoptTPESettings().suggest_kwargs(2)), "rand": _rand.suggest}
"""


def _status_mb(pid: int, field: str) -> float:
    """A memory field of a process's /proc status (e.g. VmRSS), in MB (Linux)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc status")


def vm_hwm_mb(pid: int) -> float:
    """Peak resident set size of a process, in MB."""
    return _status_mb(pid, "VmHWM")


def vm_rss_mb(pid: int) -> float:
    """Current resident set size of a process, in MB."""
    return _status_mb(pid, "VmRSS")


def timed(kernel: Kernel, code: str, timeout: float = 1800) -> float:
    t = time.perf_counter()
    reply = kernel.execute(code, timeout=timeout)
    seconds = time.perf_counter() - t
    if reply.error or reply.status != "ok":
        raise RuntimeError(f"cell failed: {reply.error_text}\n{code}")
    return seconds


def tune_cell(n: int, store: str, algo: str, seed: int, body: str = SPACE_CELL, wait: bool = True) -> str:
    # a fresh study name each time: the same cell under a known name would continue that study
    name = f"overhead-{uuid.uuid4().hex[:8]}"
    flags = f"-n {n} --algo {algo} --seed {seed} --store {store} --name {name}" + (" --wait" if wait else "")
    return f"%%tune {flags}\n{body}"


def expect_trials(kernel: Kernel, n: int) -> None:
    """The last %%tune cell's study (its output, ``_``) ended with ``n`` trials, or the figure is void."""
    ended = kernel.value("len(_.trials)")
    if ended != n:
        raise RuntimeError(f"%%tune ended with {ended} trials, expected {n}")


def first_trial_delay(kernel: Kernel, store: str, marker: str, seed: int) -> float:
    """Seconds from sending a %%tune cell to its first trial starting."""
    if os.path.exists(marker):
        os.remove(marker)
    body = (
        "import time as _time\n"
        f"with open({marker!r}, 'a') as _f:\n"
        "    _f.write(repr(_time.time()) + '\\n')\n"
        "x = tune.uniform(0, 1)\n"
        "x"
    )
    sent = time.time()
    reply = kernel.execute(tune_cell(1, store, "tpe", seed, body, wait=True))
    if reply.error:
        raise RuntimeError(reply.error_text)
    deadline = time.monotonic() + 60
    while not os.path.exists(marker) or not open(marker).read().strip():
        if time.monotonic() > deadline:
            raise TimeoutError("the first trial never started")
        time.sleep(0.01)
    with open(marker) as f:
        return float(f.read().split()[0]) - sent


def main(argv: Sequence[str] | None = None) -> None:
    quick = common.get_flag(argv, "--quick")
    n = 200 if quick else 1000
    n_memory = 2000 if quick else 10_000
    common.print_header(
        "Overhead of %%tune in a real kernel",
        "%%tune (dashboard shown, SQLite store on) vs hyperopt.fmin, same kernel, same space, same algorithm",
        f"{n} trials of a trivial objective (x1 + x2, x1 uniform in [-5, 10], x2 uniform in [0, 15]); "
        f"time to first trial (fresh kernel and later cell); peak RSS of a fresh kernel after {n_memory} "
        f"trials, --algo {'/'.join(MEMORY_ALGOS)}",
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "studies.db")
        marker = os.path.join(tmp, "first_trial.txt")
        kernel = Kernel(cwd=tmp)
        try:
            rss_start = vm_rss_mb(kernel.pid)
            load = timed(kernel, "%load_ext hpmagic")
            first_cold = first_trial_delay(kernel, store, marker, seed=1)
            first_warm = first_trial_delay(kernel, store, marker, seed=2)
            timed(kernel, HYPEROPT_SETUP)
            rows: list[list[Any]] = []
            for algo in ("tpe", "rand"):
                ours = timed(kernel, tune_cell(n, store, algo, seed=3))
                expect_trials(kernel, n)
                raw = timed(
                    kernel,
                    f"_fmin(lambda p: p['x1'] + p['x2'], _space, algo=_algos[{algo!r}], max_evals={n}, "
                    f"trials=_Trials(), rstate=_np.random.default_rng(3), show_progressbar=False)",
                )
                rows.append([algo, n, ours, raw, f"{ours / raw:.2f}×"])
            common.print_table(
                ["algorithm", "trials", "%%tune (s)", "hyperopt.fmin (s)", "ratio"],
                rows,
                "Wall time of the cell (target ratio ≤ 1.15×):",
            )
            common.print_table(
                ["case", "seconds"],
                [
                    ["%load_ext hpmagic (fresh kernel)", load],
                    ["first %%tune cell of the kernel → first trial starts", first_cold],
                    ["a later %%tune cell → first trial starts", first_warm],
                ],
                "Time to first trial (target < 1.5 s):",
            )
            memory_rows = []
            for algo in MEMORY_ALGOS:
                kernel.shutdown()
                kernel = Kernel(cwd=tmp)
                timed(kernel, "%load_ext hpmagic")
                before = vm_rss_mb(kernel.pid)
                body = GRID_CELL if algo == "grid" else SPACE_CELL
                seconds = timed(kernel, tune_cell(n_memory, store + f".{algo}.mem", algo, seed=4, body=body))
                expect_trials(kernel, n_memory)
                hyperopt = kernel.value("'hyperopt' in __import__('sys').modules")
                memory_rows.append(
                    [algo, n_memory, "yes" if hyperopt else "no", before, vm_hwm_mb(kernel.pid), seconds]
                )
            common.print_table(
                [
                    "--algo",
                    "trials",
                    "hyperopt imported",
                    "RSS before (MB)",
                    "peak RSS (MB)",
                    "wall time (s)",
                ],
                memory_rows,
                f"Kernel memory (target peak < 200 MB; a fresh kernel's RSS was {rss_start:.0f} MB):",
            )
        finally:
            kernel.shutdown()


if __name__ == "__main__":
    main()
