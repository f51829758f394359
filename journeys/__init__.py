"""journeys: a customer-journey workspace for CX and support teams.

The domain core. Nothing in this package imports Streamlit, so every operation works the same from
the app, the CLI or a notebook::

    import journeys
    with journeys.open_workspace("workspace") as ws:     # the folder `journeys init --demo` made
        graph = ws.journeys.graph("Billing support")     # a NetworkX DiGraph
        table = ws.friction("Billing support")           # friction per step, as on the Friction page

The names below are loaded on first use, so ``import journeys`` (and the CLI's ``--help``) stays quick.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Journey", "Step", "Transition", "Workspace", "open_workspace"]

if TYPE_CHECKING:
    from journeys.model import Journey, Step, Transition
    from journeys.workspace import Workspace, open_workspace

_WHERE = {"Workspace": "journeys.workspace", "open_workspace": "journeys.workspace", "Journey": "journeys.model",
          "Step": "journeys.model", "Transition": "journeys.model"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'journeys' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
