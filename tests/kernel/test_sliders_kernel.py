"""The sliders panel in a real kernel: refine from code and from the widgets, then continue."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel

CELL = """%%tune -n 12 --seed 5 --wait -o s
import math
x = tune.uniform(-5, 5)
lr = tune.loguniform(1e-4, 1e-1)
depth = tune.int(1, 20)
model = tune.choice([dict(kind="svc", C=tune.loguniform(1e-2, 1e2)), dict(kind="tree", leaves=tune.int(2, 64)), "dummy"], name="model")
extra = model["C"] if isinstance(model, dict) and "C" in model else 1.0
(x - 1) ** 2 + abs(math.log10(lr) + 2) + depth / 20 + abs(math.log10(extra))
"""


def wait_done(kernel, name: str = "s", timeout: float = 120) -> None:
    reply = kernel.execute(f"{name}.wait({timeout}); assert not {name}.running", timeout=timeout + 10)
    assert reply.status == "ok", reply.error_text


def test_refine_from_code_then_from_the_widgets(kernel):
    reply = kernel.execute(CELL)
    assert reply.status == "ok", reply.error_text
    assert kernel.value("len(s.trials)") == 12

    # from code: refine and run are what the Continue button calls
    reply = kernel.execute("s.refine(x=(0, 2), depth=(2, 5)).run(6)")
    assert reply.status == "ok", reply.error_text
    wait_done(kernel)
    assert kernel.value("len(s.trials)") == 18
    assert kernel.value("[t.number for t in s.trials] == list(range(18))")
    assert kernel.value("all(s.is_inside(t) and 0 <= t.params['x'] <= 2 for t in s.trials[12:])")

    # the panel shows the current ranges
    reply = kernel.execute(
        "from hpmagic.ui.sliders import SpaceControls\n"
        "c = SpaceControls(s)\n"
        "c.widget"  # displayed as a real widget view
    )
    assert reply.status == "ok", reply.error_text
    assert any("application/vnd.jupyter.widget-view+json" in d for d in reply.displays)
    assert kernel.value("c.control('x').low.value, c.control('x').high.value") == ("0", "2")
    assert kernel.value("c.control('depth').slider.value") == (2, 5)
    assert kernel.value("c.ranges()") == {}

    # drag the sliders (set their values as the frontend does), untick an option, Continue
    reply = kernel.execute(
        "c.control('x').slider.value = (0.5, 1.5)\n"
        "c.control('lr').slider.value = (-3.0, -2.0)\n"  # log10 axis
        "c.control('model').buttons[2].value = False\n"  # drop "dummy"
        "c.n_box.value = 8\n"
        "c.continue_button.click()\n"
    )
    assert reply.status == "ok", reply.error_text
    wait_done(kernel)
    space = kernel.value("s.space")
    assert space["x"] == (0.5, 1.5) and space["lr"] == (0.001, 0.01) and space["depth"] == (2, 5)
    assert len(space["model"]) == 2
    assert kernel.value("len(s.trials)") == 26
    assert kernel.value("all(s.is_inside(t) for t in s.trials[18:])")
    assert kernel.value(
        "all(0.5 <= t.params['x'] <= 1.5 and 1e-3 <= t.params['lr'] <= 1e-2"
        " and isinstance(t.params['model'], str) and 'dummy' not in t.params['model'] for t in s.trials[18:])"
    )
    assert kernel.value("sum(s.counts().values())") == 26
    # the panel shows the new ranges and how many trials lie inside
    kernel.execute("c.refresh()")
    assert kernel.value("c.control('x').low.value") == "0.5"
    assert "inside the current space" in kernel.value("c.status.value")

    # narrowing the choice to one option hides the other option's dimension
    reply = kernel.execute("c.control('model').buttons[1].value = False")
    assert reply.status == "ok", reply.error_text
    assert kernel.value("c.row('leaves').layout.display") == "none"
    assert kernel.value("c.row('C').layout.display") is None
    reply = kernel.execute("c.reset_button.click()")
    assert kernel.value("c.row('leaves').layout.display") is None


def test_a_bad_refinement_from_the_panel_changes_nothing(kernel):
    reply = kernel.execute(CELL.replace("-o s", "-o s2").replace("--seed 5", "--seed 6"))
    assert reply.status == "ok", reply.error_text
    reply = kernel.execute(
        "from hpmagic.ui.sliders import SpaceControls\n"
        "c2 = SpaceControls(s2)\n"
        "before = (s2.space, len(s2.trials), s2.search_space.to_json())\n"
        "c2.control('depth').low.value = '<b>9</b>'\n"
        "c2.continue_button.click()\n"
    )
    assert reply.status == "ok", reply.error_text
    status = kernel.value("c2.status.value")
    assert "&lt;b&gt;9&lt;/b&gt;" in status and "<b>9" not in status
    # low > high, typed into the fields
    reply = kernel.execute(
        "c2.control('depth').low.value = '9'\nc2.control('depth').high.value = '3'\nok = c2.continue_()\n"
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("ok") is False
    assert "greater than high" in kernel.value("c2.status.value")
    # a log bound <= 0
    kernel.execute("c2.reset_button.click()\nc2.control('lr').low.value = '0'\nok = c2.continue_()")
    assert kernel.value("ok") is False and "log scale" in kernel.value("c2.status.value")
    # every option switched off
    kernel.execute(
        "c2.reset_button.click()\nfor b in c2.control('model').buttons: b.value = False\nok = c2.continue_()"
    )
    assert kernel.value("ok") is False and "keep at least one" in kernel.value("c2.status.value")
    assert kernel.value("(s2.space, len(s2.trials), s2.search_space.to_json()) == before")
    assert kernel.value("s2.running") is False


def test_continue_while_running_refines_the_running_study(kernel):
    reply = kernel.execute(
        "%%tune -n 400 --seed 1 -o s3\nimport time\ntime.sleep(0.02)\nx = tune.uniform(0, 10)\nx"
    )
    assert reply.status == "ok", reply.error_text
    reply = kernel.execute(
        "import time\n"
        "from hpmagic.ui.sliders import SpaceControls\n"
        "deadline = time.monotonic() + 60\n"
        "while len(s3.trials) < 5 and time.monotonic() < deadline: time.sleep(0.01)\n"
        "c3 = SpaceControls(s3)\n"
        "c3.control('x').high.value = '1'\n"
        "c3.n_box.value = 3\n"
        "c3.continue_button.click()\n"
        "mark = s3.n_started\n"
        "while len(s3.trials) < mark + 5 and time.monotonic() < deadline: time.sleep(0.01)\n"
        "s3.stop().wait(60)\n"
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("s3.space") == {"x": (0.0, 1.0)}
    # the run went on (no second run started, the box's count was not added)
    assert kernel.value("s3.n_target") == 400
    assert kernel.value("all(0 <= t.params['x'] <= 1 for t in s3.trials if t.number >= mark)")
    assert kernel.value("len([t for t in s3.trials if t.number >= mark])") >= 5
    assert "running study" in kernel.value("c3.status.value")


def test_edge_warning_appears_as_trials_come_in_and_widen_continues_wider(kernel):
    # the loss falls as n grows: its best trials end up at the upper bound 100
    reply = kernel.execute(
        "%%tune -n 40 --seed 4 -o e\nimport time\ntime.sleep(0.01)\n"
        "n = tune.int(10, 100)\nx = tune.uniform(-1, 1)\n1000 / n + x ** 2"
    )
    assert reply.status == "ok", reply.error_text
    # the dashboard's own panel says so, from its throttled refresh while the run goes on
    reply = kernel.execute(
        "import time\n"
        "from hpmagic.ui import dashboard as _dash\n"
        "ce = _dash.views(e)[0]._controls\n"
        "deadline = time.monotonic() + 60\n"
        "while ce.control('n').edge is None and time.monotonic() < deadline: time.sleep(0.02)\n"
        "e.wait(60)\n"
        "ce.refresh()\n"
    )
    assert reply.status == "ok", reply.error_text
    assert kernel.value("ce.control('n').edge_box.layout.display") is None
    assert "best at the upper bound: widen to 190?" in kernel.value("ce.control('n').edge_note.value")
    assert kernel.value("ce.control('x').edge_box.layout.display") == "none"
    assert kernel.value("[(x.key, x.side, x.new_range) for x in e.at_bounds()]") == [
        ("n", "upper", (10, 190))
    ]
    # Widen: refine that bound outward, then run the box's count of trials
    reply = kernel.execute("ce.n_box.value = 15\nce.control('n').widen_button.click()")
    assert reply.status == "ok", reply.error_text
    wait_done(kernel, "e")
    assert kernel.value("e.space['n']") == (10, 190)
    assert kernel.value("len(e.trials)") == 55
    assert kernel.value("all(e.is_inside(t) and 10 <= t.params['n'] <= 190 for t in e.trials[40:])")
    assert kernel.value("max(t.params['n'] for t in e.trials[40:])") > 100
    assert "running 15 more trials in the new space" in kernel.value("ce.status.value")
