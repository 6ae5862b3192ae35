from __future__ import annotations

import pytest

from .kernel import Kernel


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory):
    """One real kernel per test module, with the extension loaded."""
    k = Kernel(cwd=str(tmp_path_factory.mktemp("kernel")))
    reply = k.execute("%load_ext hpmagic")
    assert reply.status == "ok", reply.error_text
    yield k
    k.shutdown()
