"""``%%tune --dask`` in a real kernel where ``distributed`` cannot be imported: one line naming the extra."""

from __future__ import annotations

import os

import pytest

from ..run.test_optional_extras import BLOCK_DISTRIBUTED
from .kernel import Kernel

pytestmark = pytest.mark.kernel


def test_dask_without_distributed_is_a_one_line_usage_error(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK_DISTRIBUTED)  # loaded by the kernel at start
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    k = Kernel(cwd=str(tmp_path), env={"PYTHONPATH": path})
    try:
        assert k.execute("%load_ext hpmagic").status == "ok"
        blocked = k.execute("import distributed")
        assert blocked.status == "error" and "distributed" in blocked.error_text
        reply = k.execute("%%tune -n 3 --dask\nx = tune.uniform(0, 1)\nx\n")
        assert reply.status == "error"
        assert reply.error["ename"] == "UsageError"
        message = reply.error["evalue"]
        assert "\n" not in message
        assert message.startswith("%%tune: --dask needs the distributed package")
        assert "pip install 'hpmagic[dask]'" in message
        # the kernel goes on without Dask
        ok = k.execute("%%tune -n 3 --wait -o s\nx = tune.uniform(0, 1)\nx\n")
        assert ok.status == "ok", ok.error_text
        assert k.value("len(s.trials)") == 3
    finally:
        k.shutdown()


def test_import_hpmagic_in_a_kernel_shows_one_live_view_without_the_extension(tmp_path):
    """``import hpmagic`` in a notebook registers the display: no %load_ext needed for the view."""
    k = Kernel(cwd=str(tmp_path))
    try:
        code = (
            "import hpmagic\n"
            "from hpmagic.ui import dashboard as _dash\n"
            "s = hpmagic.create_study('import time\\nx = tune.uniform(0, 1)\\ntime.sleep(0.01)\\nx', {}, "
            "hpmagic.Options(max_evals=2000, algo='rand'))\n"
            "s.run()\n"
        )
        assert k.execute(code).status == "ok"
        for _ in range(3):
            reply = k.execute("s")
            assert any("application/vnd.jupyter.widget-view+json" in d for d in reply.displays), (
                reply.displays
            )
        assert k.value("len(_dash.views(s))") == 1
        assert k.value("sum(isinstance(o, _dash.Dashboard) for o in s.observers)") == 1
        k.execute("s.stop(); s.wait(); None")
        assert k.value("sum(isinstance(o, _dash.Dashboard) for o in s.observers)") == 0
    finally:
        k.shutdown()
