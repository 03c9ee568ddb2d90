"""The collector's thresholds while runs go: batch runs favour throughput, live runs
(which serve requests) short pauses, and the process's own come back after the last."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from simulation.runtime.gc_tuning import LIVE_THRESHOLDS, RUN_THRESHOLDS, during_run

OWN = (700, 10, 10)


@pytest.fixture(autouse=True)
def own_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(*OWN)
    yield
    gc.set_threshold(*saved)


def test_a_batch_run_raises_the_thresholds_until_it_ends() -> None:
    with during_run():
        assert gc.get_threshold() == RUN_THRESHOLDS
    assert gc.get_threshold() == OWN


def test_a_live_run_keeps_pauses_short_while_it_goes_even_beside_a_batch_run() -> None:
    with during_run():
        with during_run(live=True):
            assert gc.get_threshold() == LIVE_THRESHOLDS
            with during_run():  # a batch run started meanwhile does not lengthen them
                assert gc.get_threshold() == LIVE_THRESHOLDS
        assert gc.get_threshold() == RUN_THRESHOLDS
    assert gc.get_threshold() == OWN
