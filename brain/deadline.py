"""One way to run something with a wall-clock deadline: in a daemon thread, waiting at most
`timeout_s` for it. Used where a slow dependency (Gemini, the incident context, the whole
diagnosis inside a failing run) must not hold up a report.

A thread that overruns is abandoned, not killed (Python cannot kill threads); `on_timeout`
lets the caller make it stop soon (e.g. close its HTTP client).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What happened: `value` when it finished, `error` when it raised, neither on timeout."""

    finished: bool
    value: T | None = None
    error: BaseException | None = None

    @property
    def timed_out(self) -> bool:
        return not self.finished


def run_within(
    fn: Callable[[], T],
    timeout_s: float,
    *,
    name: str,
    on_timeout: Callable[[], None] | None = None,
) -> Outcome[T]:
    """Run `fn` in a daemon thread named `name`; wait at most `timeout_s` seconds.

    Never raises: the exception `fn` raised is returned in `Outcome.error`.
    """
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed over to the caller's thread
            box["error"] = e

    worker = threading.Thread(target=run, name=name, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        if on_timeout is not None:
            with contextlib.suppress(Exception):
                on_timeout()
        return Outcome(finished=False)
    error = box.get("error")
    if isinstance(error, BaseException):
        return Outcome(finished=True, error=error)
    return Outcome(finished=True, value=box.get("value"))  # type: ignore[arg-type]
