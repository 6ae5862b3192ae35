"""Optional parts stay optional: without ``distributed`` hpmagic works, and ``--dask`` says which extra to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

#: run first in the child: ``import distributed`` fails as it does where the package is not installed
BLOCK_DISTRIBUTED = textwrap.dedent(
    """
    import sys

    class _NoDistributed:
        def find_spec(self, name, path=None, target=None):
            if name == "distributed" or name.startswith("distributed."):
                raise ImportError(f"No module named {name!r}")
            return None

    sys.meta_path.insert(0, _NoDistributed())
    """
)


def run_without_distributed(code: str, tmp_path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", BLOCK_DISTRIBUTED + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_without_distributed_studies_run_and_dask_names_the_extra(tmp_path):
    out = run_without_distributed(
        """
        import hpmagic
        from hpmagic import ExecutorError, Options, create_study

        cell = "x = tune.uniform(0, 1)\\nx"
        assert len(create_study(cell, {}, Options(max_evals=3)).run().wait().trials) == 3
        try:
            create_study(cell, {}, Options(max_evals=3, dask=""))
        except ExecutorError as exc:
            print("ERROR:", exc)
        assert not any(m.split(".")[0] == "distributed" for m in sys.modules)
        """,
        tmp_path,
    )
    assert out.returncode == 0, out.stderr
    error = out.stdout.split("ERROR: ", 1)[1].strip()
    assert "\n" not in error
    assert error.startswith("--dask needs the distributed package")
    assert error.endswith("pip install 'hpmagic[dask]'")


def test_the_block_is_real(tmp_path):
    """The child really cannot import distributed (so the test above can fail)."""
    out = run_without_distributed("import distributed\n", tmp_path)
    assert out.returncode != 0 and "No module named 'distributed'" in out.stderr
