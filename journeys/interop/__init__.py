"""Journeys in and out of files: JSON (lossless), GraphML (lossless, for graph tools), Mermaid (a sketch).

Mermaid comes in two shapes: the ``journey`` diagram (read and written; it has no transitions) and, for
export only, a ``flowchart`` (``mermaid-flowchart``) that keeps the graph: transitions with kind and share.

One entry point each way so the app, the CLI and notebooks behave alike::

    text = export_journey(journey, "graphml")
    journey = import_journey(uploaded_bytes, filename="billing.mmd")
    imported = read_journey(uploaded_bytes, filename="billing.mmd")  # .journey and .warnings (ignored lines)
    revised = revision_from_file(head, uploaded_bytes, filename="billing.mmd")  # a file as head's next revision

Import never raises anything but :class:`~journeys.errors.InvalidJourney`, and
that lists every problem found (``Problem(where, reason)``, ``where`` such as
``"line 7"`` or ``"steps[2].emotion"``), so a page or the CLI can show them
all at once. Files over :data:`MAX_BYTES` are refused before parsing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import PurePath

from journeys.errors import InvalidJourney, JourneysError, Problem
from journeys.interop._text import MAX_BYTES, decode
from journeys.interop.graphml import export_graphml, import_graphml
from journeys.interop.json_format import SCHEMA_VERSION, export_json, import_json
from journeys.interop.mermaid import Imported, export_mermaid, merge_into, no_transitions_note, read_mermaid
from journeys.interop.mermaid_flowchart import export_mermaid_flowchart
from journeys.model import Journey

__all__ = [
    "EXPORT_FILES",
    "EXPORT_FORMATS",
    "FORMATS",
    "MAX_BYTES",
    "SCHEMA_VERSION",
    "ExportFile",
    "Imported",
    "UnknownFormat",
    "export_journey",
    "guess_format",
    "import_journey",
    "no_transitions_note",
    "read_journey",
    "revision_from_file",
]

FORMATS = ("json", "graphml", "mermaid")  # read and written
EXPORT_FORMATS = (*FORMATS, "mermaid-flowchart")  # written only: a flowchart is a picture of the graph, not a file


@dataclass(frozen=True)
class ExportFile:
    """How an export format is offered for download: button label, file extension, MIME type, help."""

    label: str
    extension: str
    mime: str
    help: str


EXPORT_FILES = {
    "json": ExportFile("JSON", "json", "application/json", "Everything about the journey; imports back losslessly."),
    "graphml": ExportFile("GraphML", "graphml", "application/xml",
                          "For graph tools (yEd, Gephi, NetworkX); imports back losslessly."),
    "mermaid": ExportFile("Mermaid journey", "mmd", "text/plain",
                          "Mermaid's journey diagram: stages, steps and emotions. It has no transitions, so "
                          "escalations, fallbacks, retries and shares are left out (the flowchart keeps them)."),
    "mermaid-flowchart": ExportFile("Mermaid flowchart", "mmd", "text/plain",
                                    "A Mermaid flowchart that keeps the graph: stages as boxes, transitions as "
                                    "arrows with their kind and share. Export only."),
}
EXTENSIONS = {
    ".json": "json",
    ".graphml": "graphml",
    ".xml": "graphml",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".md": "mermaid",
    ".markdown": "mermaid",
}
_log = logging.getLogger(__name__)


class UnknownFormat(JourneysError, ValueError):
    """An export was asked for a format this version does not write."""


def export_journey(journey: Journey, fmt: str) -> str:
    """The journey as text in ``fmt`` (one of :data:`EXPORT_FORMATS`)."""
    if fmt == "json":
        return export_json(journey)
    if fmt == "graphml":
        return export_graphml(journey)
    if fmt == "mermaid":
        return export_mermaid(journey)
    if fmt == "mermaid-flowchart":
        return export_mermaid_flowchart(journey)
    raise UnknownFormat(f"Unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


def guess_format(filename: str | None, text: str) -> str:
    """The format of a file: by extension when it has a known one, else by its first characters.

    Raises InvalidJourney when neither tells, so the caller can ask the user to choose.
    """
    if filename:
        fmt = EXTENSIONS.get(PurePath(filename).suffix.lower())
        if fmt:
            return fmt
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith(("{", "[")):
        return "json"
    if head.startswith("<"):
        return "graphml"
    front_matter = False
    for line in head.splitlines():
        line = line.strip()
        if line == "---":
            front_matter = not front_matter  # Mermaid's YAML front matter
            continue
        if front_matter or not line or line.startswith(("%%", "#")):
            continue
        if re.match(r"journey\b", line, re.IGNORECASE) or re.match(r"(`{3,}|~{3,})\s*mermaid", line, re.I):
            return "mermaid"
        break
    if re.search(r"^\s*(`{3,}|~{3,})\s*mermaid", text, re.IGNORECASE | re.MULTILINE):
        return "mermaid"
    raise InvalidJourney("Could not tell the file's format", [Problem(
        "format", "it is not JSON ('{'), GraphML ('<') or a Mermaid journey ('journey'); "
                  "choose the format, or name the file .json, .graphml or .mmd")])


def import_journey(text: str | bytes, fmt: str | None = None, filename: str | None = None) -> Journey:
    """A journey from a file's content; ``fmt`` None guesses it from ``filename`` or the content."""
    return read_journey(text, fmt, filename).journey


def revision_from_file(head: Journey, text: str | bytes, fmt: str | None = None,
                       filename: str | None = None) -> Imported:
    """A file as the next revision of ``head`` (the stored journey it revises), under ``head``'s name.

    JSON and GraphML hold a whole journey and replace the content as they are. A Mermaid journey holds only
    part of one, so it is merged (:func:`~journeys.interop.mermaid.merge_into`): ids, channels, owners,
    transitions and notes of the steps it still lists are kept, and an unchanged export changes nothing.
    """
    imported = read_journey(text, fmt, filename)
    if imported.format == "mermaid":
        journey = merge_into(head, imported.journey)
    else:
        journey = imported.journey.model_copy(update={"name": head.name})
    return Imported(journey, imported.warnings, imported.format)


def read_journey(text: str | bytes, fmt: str | None = None, filename: str | None = None) -> Imported:
    """Like :func:`import_journey`, with the warnings: what the file had that was ignored (Mermaid's comments …)."""
    if fmt is not None and fmt not in FORMATS:
        raise InvalidJourney("Unknown import format", [Problem("format", f"{fmt!r} is not one of "
                                                                         f"{', '.join(FORMATS)}")])
    try:
        if fmt is None:
            by_name = EXTENSIONS.get(PurePath(filename).suffix.lower()) if filename else None
            if by_name is None:
                text = decode(text, "journey")  # decode once; the importer gets clean text
                by_name = guess_format(filename, text)
            fmt = by_name
        if fmt == "json":
            return Imported(import_json(text), format="json")
        if fmt == "graphml":
            return Imported(import_graphml(text), format="graphml")
        return read_mermaid(text, filename)
    except InvalidJourney:
        raise
    except (MemoryError, RecursionError) as error:
        raise InvalidJourney(f"The {fmt or 'journey'} file could not be imported",
                             [Problem("file", f"the file is too large or too deeply nested ({type(error).__name__})")]
                             ) from None
    except Exception as error:
        # Our bug, not the user's: log it for us, but still give the caller the one error type it handles.
        _log.exception("journey import failed unexpectedly")
        raise InvalidJourney(f"The {fmt or 'journey'} file could not be imported", [Problem(
            "file", f"internal error while reading it ({type(error).__name__}: {error}); please report this")]
        ) from error
