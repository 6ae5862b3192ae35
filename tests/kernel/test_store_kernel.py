"""The store in real kernels: killed kernels keep their trials, re-runs continue, line magics."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import time

import pytest

from .kernel import Kernel

pytestmark = pytest.mark.kernel

SLOW_CELL = """%%tune -n 400 --algo rand --seed 5 --name killed -o s
import time
x = tune.uniform(0, 1)
time.sleep(0.02)
x
"""

CELL = """%%tune -n 6 --seed 1 --wait -o s
x = tune.uniform(-5, 5)
kind = tune.choice(["a", "b"])
(x - 1) ** 2 + (kind == "b")
"""


def stored_numbers(path: str, name: str) -> list[int]:
    db = sqlite3.connect(path)
    try:
        return [
            r[0] for r in db.execute("SELECT number FROM trials WHERE study = ? ORDER BY number", (name,))
        ]
    finally:
        db.close()


def wait_for(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start(cwd) -> Kernel:
    k = Kernel(cwd=str(cwd))
    reply = k.execute("%load_ext hpmagic")
    assert reply.status == "ok", reply.error_text
    return k


def test_sigkill_mid_study_keeps_every_ended_trial(tmp_path):
    k = start(tmp_path)
    try:
        assert k.execute(SLOW_CELL).status == "ok"
        # let some trials end, then look at what the kernel has ended and kill it at once
        wait_for(lambda: k.value("len(s.trials)") >= 10, what="10 trials")
        ended = k.value("[t.number for t in s.trials]")
        os.kill(k.pid, signal.SIGKILL)
        wait_for(lambda: not k.km.is_alive(), what="the kernel to die")
    finally:
        try:
            k.shutdown()
        except Exception:  # noqa: BLE001 - the kernel is already dead
            pass
    numbers = stored_numbers(str(tmp_path / ".hpmagic" / "studies.db"), "killed")
    assert set(ended) <= set(numbers)
    assert numbers == list(range(len(numbers)))
    # a new kernel continues the killed study from the file
    k2 = start(tmp_path)
    try:
        reply = k2.execute(SLOW_CELL.replace("-n 400", "-n 3 --wait"))
        assert reply.status == "ok", reply.error_text
        trials = k2.value("[t.number for t in s.trials]")
        assert trials == list(range(len(numbers) + 3))
    finally:
        k2.shutdown()


def test_rerun_in_the_kernel_continues_and_magics(kernel):
    assert kernel.execute(CELL).status == "ok"
    first = kernel.value("[t.number for t in s.trials]")
    reply = kernel.execute(CELL)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("[t.number for t in s.trials]") == first + list(range(6, 12))
    assert "continues study" in (reply.result or "")
    assert kernel.value("s.best_value == min(t.value for t in s.trials)")

    # %tune_apply: a new cell with the best values below
    reply = kernel.execute("%tune_apply")
    assert reply.status == "ok", reply.error_text
    (payload,) = [p for p in reply.payload if p.get("source") == "set_next_input"]
    assert payload["replace"] is False
    code = payload["text"]
    assert "tune" not in code and code == kernel.value("s.code()")
    compile(code, "<code>", "exec")

    # %tune_apply --ranges: a %%tune cell in the current space that continues the study
    kernel.execute("s.refine(x=(0, 2))")
    reply = kernel.execute("%tune_apply --ranges")
    (payload,) = [p for p in reply.payload if p.get("source") == "set_next_input"]
    cell = payload["text"]
    assert cell.startswith("%%tune") and "tune.uniform(0, 2)" in cell
    name = kernel.value("s.name")
    reply = kernel.execute(cell.replace("%%tune", "%%tune --wait", 1).replace("-n 6", "-n 2"))
    assert reply.status == "ok", reply.error_text
    assert kernel.value(f"_.name == {name!r} and _.trials[-1].number") == 13
    assert kernel.value("all(0 <= t.params['x'] <= 2 for t in _.trials)")
    assert "space changed" in kernel.value("_.summary()")

    # %tune_export, to a file, also for a stored study not in the kernel
    reply = kernel.execute("%tune_export best.json")
    assert reply.status == "ok", reply.error_text
    data = json.loads(kernel.value("open('best.json').read()"))
    assert (
        data["name"] == name and data["n_trials"] == kernel.value("len(_.trials)") and "best_params" in data
    )

    reply = kernel.execute("%tune_status")
    assert reply.status == "ok" and name in reply.stdout

    reply = kernel.execute("%tune_export x.json no-such-study")
    assert reply.status == "error" and "no study named 'no-such-study'" in reply.stderr

    reply = kernel.execute("%tune_apply --bogus")
    assert reply.status == "error" and "usage: %tune_apply" in reply.stderr


def test_stored_only_study_from_the_kernel(tmp_path):
    from hpmagic import Options, create_study

    create_study(
        "x = tune.uniform(0, 1)\nx\n",
        {},
        Options(store=str(tmp_path / ".hpmagic" / "studies.db"), name="old", algo="rand"),
    ).run(3).wait()
    k = start(tmp_path)
    try:
        reply = k.execute("%tune_status")
        assert "stored in" in reply.stdout and "old: 3 trials" in reply.stdout
        reply = k.execute("%tune_export old.json old")
        assert reply.status == "ok", reply.error_text
        data = json.loads((tmp_path / "old.json").read_text())
        assert data["n_trials"] == 3
        reply = k.execute("%tune_apply old")
        assert reply.status == "ok", (reply.stderr, reply.error_text)
        (payload,) = [p for p in reply.payload if p.get("source") == "set_next_input"]
        assert payload["text"] == f"x = {data['best_params']['x']!r}\nx\n"
        reply = k.execute("%tune_apply --trial 1 old")
        (payload,) = [p for p in reply.payload if p.get("source") == "set_next_input"]
        assert payload["text"] == f"x = {data['trials'][1]['params']['x']!r}\nx\n"
        reply = k.execute("%tune_apply --trial 7 old")
        assert reply.status == "error" and "study 'old' has no ended trial number 7" in reply.stderr
        reply = k.execute("%tune_apply --ranges old")
        (payload,) = [p for p in reply.payload if p.get("source") == "set_next_input"]
        header, body = payload["text"].split("\n", 1)
        assert header.startswith("%%tune --algo rand --name old") and body == "x = tune.uniform(0, 1)\nx\n"
    finally:
        k.shutdown()


TWO_KERNEL_CELL = """%%tune -n 40 --algo rand --name {name} --store {store} --seed {seed} -o s
x = tune.uniform(0, 1)
x
"""


def test_two_kernels_write_one_store_at_once(tmp_path):
    store = str(tmp_path / "shared.db")
    kernels = [start(tmp_path), start(tmp_path)]
    try:
        specs = [("k-one", 1), ("k-two", 2)]
        for k, (name, seed) in zip(kernels, specs):
            assert k.execute(TWO_KERNEL_CELL.format(name=name, store=store, seed=seed)).status == "ok"
        # both run at once, then a third study of the same name in both kernels
        for k in kernels:
            wait_for(lambda k=k: not k.value("s.running"), what="the run to end")
            assert k.value("s.notes") == []
        assert len(stored_numbers(store, "k-one")) == 40 and len(stored_numbers(store, "k-two")) == 40
        for k, seed in zip(kernels, (3, 4)):
            assert k.execute(TWO_KERNEL_CELL.format(name="both", store=store, seed=seed)).status == "ok"
        for k in kernels:
            wait_for(lambda k=k: not k.value("s.running"), what="the run to end")
        numbers = stored_numbers(store, "both")
        assert len(numbers) == 80 and len(set(numbers)) == 80
    finally:
        for k in kernels:
            k.shutdown()
