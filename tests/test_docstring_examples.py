"""The examples in the core's docstrings run, and print what they say (numpydoc examples are documentation a
reader copies: a wrong one misleads)."""

from __future__ import annotations

import doctest
import importlib

import pytest

from journeys.graph import to_digraph
from journeys.model import Journey, Step, Transition


def three_step_graph():
    """The three-step journey of journeys.graph's module docstring, as its examples call it: ``G``."""
    journey = Journey(name="Reset", stages=["Help"], lanes=["customer", "system"], steps=[
        Step(id="ask", label="Asks the bot", stage="Help", lane="customer"),
        Step(id="bot", label="Bot answers", stage="Help", lane="system", handled_by="bot"),
        Step(id="done", label="Password reset", stage="Help", lane="customer", kind="outcome")],
        transitions=[Transition(source="ask", target="bot"), Transition(source="bot", target="done")])
    return to_digraph(journey)


@pytest.mark.parametrize("module", ["journeys.graph", "journeys.metric_format"])
def test_docstring_examples_hold(module: str) -> None:
    found = doctest.testmod(importlib.import_module(module), extraglobs={"G": three_step_graph()},
                            optionflags=doctest.ELLIPSIS)
    assert found.attempted >= 6, f"{module} lost its examples"
    assert found.failed == 0
