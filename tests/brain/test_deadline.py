"""sentinel_brain.deadline: the one way to wait for something at most so long."""

from __future__ import annotations

import threading

from sentinel_brain.deadline import run_within


def test_value_error_and_timeout() -> None:
    assert run_within(lambda: 42, 5, name="t").value == 42

    def boom() -> int:
        raise ValueError("no")

    failed = run_within(boom, 5, name="t")
    assert failed.finished and isinstance(failed.error, ValueError) and failed.value is None

    release = threading.Event()
    called: list[bool] = []
    slow = run_within(
        lambda: release.wait(30), 0.05, name="t", on_timeout=lambda: called.append(True)
    )
    assert slow.timed_out and called == [True]
    release.set()
