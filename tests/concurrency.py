"""Running one piece of work in several threads at the same moment, the way racing sessions do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(work: Callable[[], T], threads: int) -> tuple[list[T], list[BaseException]]:
    """Run ``work`` in ``threads`` threads released together by a barrier; what they returned and raised."""
    start = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(work())
        except BaseException as error:
            errors.append(error)

    running = [threading.Thread(target=run) for _ in range(threads)]
    for t in running:
        t.start()
    for t in running:
        t.join()
    return results, errors
