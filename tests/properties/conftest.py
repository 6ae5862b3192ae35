"""Hypothesis profiles: ``ci`` (the default) is derandomised and bounded, so the suite's run
is the same every time and takes well under a minute; ``HPMAGIC_HYPOTHESIS=long`` draws many
more random examples, for a hand run that looks for the next defect::

    HPMAGIC_HYPOTHESIS=long python -m pytest tests/properties -q
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=SLOW_OK
)
settings.register_profile("long", max_examples=400, deadline=None, suppress_health_check=SLOW_OK)
settings.load_profile(os.environ.get("HPMAGIC_HYPOTHESIS", "ci"))
