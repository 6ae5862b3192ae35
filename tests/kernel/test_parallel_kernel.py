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


def test_a_choice_of_notebook_lambdas_ends_and_stores_every_trial(kernel):
    """Before, pickling the lambdas killed the serving thread and --wait blocked the kernel."""
    from hpmagic.storage.store import Store

    reply = kernel.execute(
        "import os\nfns = [lambda v: v + 1, lambda v: 10 * v]\ndef double(v):\n    return 2 * v\nfns.append(double)"
    )
    assert reply.status == "ok", reply.error_text
    reply = kernel.execute(
        "%%tune --parallel 2 -n 6 --seed 3 --wait --name lam -o lam\n"
        "f = tune.choice(fns)\nx = tune.uniform(0, 1)\n{'loss': f(x)}\n",
        timeout=60,
    )
    assert reply.status == "ok", reply.error_text
    states = kernel.value("[t.state for t in lam.trials]")
    assert states == ["complete"] * 6, kernel.value("[t.error for t in lam.trials]")
    path = kernel.value("os.path.abspath(lam.options.store)")
    store = Store(path)
    try:
        stored = store.trials("lam")
    finally:
        store.close()
    assert sorted(t.number for t in stored) == sorted(kernel.value("[t.number for t in lam.trials]"))
    assert all(t.state == "complete" for t in stored)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("how", ["shutdown", "sigkill"])
def test_a_kernel_that_ends_leaves_no_worker_process(tmp_path, how):
    """Only the kernel is asked to end or killed (not its process group): its workers must follow."""
    import os
    import signal
    import time

    from .kernel import Kernel

    k = Kernel(cwd=str(tmp_path))
    try:
        assert k.execute("%load_ext hpmagic").status == "ok"
        reply = k.execute(
            "%%tune --parallel 2 -n 2 --wait -o s --name s\nx = tune.uniform(0, 1)\nx\n", timeout=60
        )
        assert reply.status == "ok", reply.error_text
        pids = k.value("s._executor.pids()")
        assert len(pids) == 2 and all(alive(p) for p in pids)
        if how == "sigkill":
            os.kill(k.pid, signal.SIGKILL)
        else:
            k.kc.shutdown()  # the kernel's own shutdown request; it exits by itself
        deadline = time.monotonic() + 15
        # the workers must end; a kernel that used spawn may linger in its own exit a while longer
        while any(alive(p) for p in pids):
            assert time.monotonic() < deadline, f"worker processes {pids} outlived their kernel"
            time.sleep(0.05)
    finally:
        k.shutdown()
