"""Grouping accuracy on Loghub 2k samples stays above measured floors (catches regressions).

Measured with the one generic configuration (see bench/logs_ga.py): HDFS .9975, Hadoop .9905,
Spark .9225, Zookeeper .9885, BGL .9830, Apache 1.0 (mean .9803). Floors sit just below.
"""

from __future__ import annotations

import pytest

from sentinel_brain.logs.loghub import DRAIN_PUBLISHED_GA, evaluate, grouping_accuracy

FLOORS = {
    "HDFS": 0.995,
    "Hadoop": 0.985,
    "Spark": 0.92,
    "Zookeeper": 0.985,
    "BGL": 0.98,
    "Apache": 0.995,
}


def test_grouping_accuracy_definition():
    truth = ["a", "a", "b", "b", "c"]
    assert grouping_accuracy(truth, [1, 1, 2, 2, 3]) == 1.0
    assert grouping_accuracy(truth, [1, 1, 1, 1, 3]) == pytest.approx(0.2)
    assert grouping_accuracy(truth, [1, 2, 3, 3, 4]) == pytest.approx(0.6)


@pytest.mark.parametrize("name", list(FLOORS))
def test_ga_floor(loghub, name):
    ga = evaluate(name)
    assert ga >= FLOORS[name]
    assert ga >= DRAIN_PUBLISHED_GA[name] - 0.02


def test_ga_mean(loghub):
    mean = sum(evaluate(n) for n in FLOORS) / len(FLOORS)
    assert mean >= 0.93
