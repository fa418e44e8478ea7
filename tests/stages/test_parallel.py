"""pipeline/stages/parallel.py: a job in a forked process gives what it would give here, errors included."""

from __future__ import annotations

import os

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.stages.parallel import in_background


def _planted() -> tuple[int, np.ndarray]:
    return os.getpid(), np.random.default_rng(5).random(1000)


def _fails() -> None:
    raise ConfigError("config: model.num_topics is wrong")


def test_a_background_job_runs_in_another_process_and_returns_the_same_value():
    result = in_background(_planted)
    pid, values = result()
    assert pid != os.getpid()
    assert np.array_equal(values, _planted()[1])


def test_a_background_job_raises_its_error_here():
    result = in_background(_fails)
    with pytest.raises(ConfigError, match="num_topics"):
        result()


def test_a_job_nobody_asks_for_ends_quietly():
    in_background(_planted)  # the result is never read: its process must not block or fail this one
