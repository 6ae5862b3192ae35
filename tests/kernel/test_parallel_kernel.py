"""%%tune --parallel and --dask in a real kernel."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

SETUP = """
import time
def burn(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds
"""

CELL = """%%tune -n 6 --seed 1 --wait {flags} -o {out} --name {out}
import os
x = tune.uniform(-2, 2)
print("trial at", x)
burn(0.1)
{{"loss": (x - 0.5) ** 2, "pid": os.getpid()}}
"""


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster


def check_study(kernel, reply, out: str) -> None:
    assert reply.status == "ok", reply.error_text
    assert "trial at" not in reply.stdout  # prints stay with their trial
    states = kernel.value(f"[t.state for t in {out}.trials]")
    assert states == ["complete"] * 6, kernel.value(f"[t.error for t in {out}.trials]")
    assert kernel.value(f"all(t.output == f'trial at {{t.params[\"x\"]}}\\n' for t in {out}.trials)")
    pids = kernel.value(f"{{t.extras['pid'] for t in {out}.trials}}")
    assert len(pids) == 2 and kernel.value("os.getpid()") not in pids


def test_parallel_runs_trials_in_two_worker_processes(kernel):
    assert kernel.execute(SETUP + "import os").status == "ok"
    reply = kernel.execute(CELL.format(flags="--parallel 2", out="sp"))
    check_study(kernel, reply, "sp")


def test_a_variable_that_cannot_travel_is_a_one_line_error(kernel):
    kernel.execute("import threading\nguard = threading.Lock()")
    reply = kernel.execute("%%tune --parallel 2 -n 2\nx = tune.uniform(0, 1)\nwith guard:\n    y = x\ny")
    # IPython shows a UsageError as one line on stderr
    assert reply.status == "error"
    assert reply.stderr.startswith("UsageError: %%tune: variable 'guard' (lock) cannot be sent")
    assert "--parallel 1" in reply.stderr and reply.stderr.count("\n") == 1


def test_dask_needs_a_client_or_an_address(kernel):
    reply = kernel.execute("%%tune --dask -n 2\nx = tune.uniform(0, 1)\nx")
    assert reply.status == "error"
    assert reply.stderr.startswith("UsageError: %%tune: --dask without an address needs")


def test_dask_at_a_scheduler_address(kernel, cluster):
    reply = kernel.execute(CELL.format(flags=f"--dask {cluster.scheduler_address}", out="sa"))
    check_study(kernel, reply, "sa")


def test_dask_with_the_kernels_client(kernel):
    reply = kernel.execute(
        "from distributed import Client, LocalCluster\n"
        "cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,"
        " host='127.0.0.1', dashboard_address=None)\n"
        "client = Client(cluster)"
    )
    assert reply.status == "ok", reply.error_text
    try:
        reply = kernel.execute(CELL.format(flags="--dask", out="sd"))
        check_study(kernel, reply, "sd")
        # the study runs on the kernel's own cluster
        workers = kernel.value("sorted(client.run(os.getpid).values())")
        assert sorted(kernel.value("{t.extras['pid'] for t in sd.trials}")) == workers
    finally:
        kernel.execute("sd.close(); client.close(); cluster.close()")
