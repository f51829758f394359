"""Fixtures the page tests share: the demo workspace to work in and a ticket engine to compute expectations."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.tickets.engine import TicketEngine


@pytest.fixture
def home(demo_home: Path) -> Path:
    """A private copy of the session's demo workspace (tests/conftest.py builds it once for every page test)."""
    return demo_home


@pytest.fixture(scope="module")
def engine() -> TicketEngine:
    """A ticket engine of the test's own, to compute what a page should show independently of the page."""
    return TicketEngine()
