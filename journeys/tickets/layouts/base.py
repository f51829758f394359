"""What a help-desk layout is made of: candidate headers per canonical column, and a signature.

Kept apart from :mod:`journeys.tickets.column_mapping` so vendor modules and the mapper can both import it
without a cycle. Headers here are *normalised* (see ``columns.norm``: lower case, ``_``/spaces
collapsed, a time-zone suffix and API prefixes removed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa


@dataclass(frozen=True)
class Candidate:
    """A header (normalised) that can fill a canonical column; ``{created}`` in the transform is replaced
    by the created-at source. kind: primary (first found wins), alt (only when nothing earlier was found),
    fallback (chained behind whatever was found)."""

    headers: tuple[str, ...]
    transform: str = "auto"
    kind: str = "primary"
    note: str | None = None


def candidate(*headers: str, t: str = "auto", kind: str = "primary", note: str | None = None) -> Candidate:
    return Candidate(tuple(headers), t, kind, note)


def weights(strong: Sequence[str], weak: Sequence[str] = (), decisive: Sequence[str] = ()) -> dict[str, int]:
    """A signature: weight 2 for headers only this help desk writes, 1 for common ones, 3 for a header that
    alone names the help desk (Jira's ``Issue key`` / ``Clave de incidencia``: it counts as two strong ones)."""
    return {**dict.fromkeys(weak, 1), **dict.fromkeys(strong, 2), **dict.fromkeys(decisive, 3)}


# refine(columns, sources, used, sample) → {canonical: (source, transform)} to set after the candidates:
# what headers alone cannot decide (Freshdesk API numeric enums, Zendesk's category custom field …).
Refine = Callable[[list[str], dict[str, str], set[str], "pa.Table | None"], dict[str, tuple[str, str]]]
# bonus(columns) → extra strong headers (each worth 2): e.g. Zendesk's ``<Title> [list]`` custom fields.
Bonus = Callable[[Sequence[str]], int]


@dataclass(frozen=True)
class Layout:
    """One help desk's export layout: how it is recognised and how each canonical column is filled.

    ``fields``: canonical name → candidates in order of preference. ``signature``: normalised header →
    weight (2 = only this help desk writes it). A file is this layout when it has at least two strong
    headers and the best score (``columns.detect_layout``). ``localised``: a header in the vendor's
    es/de/fr/pt UI (lower case) → its English name, read as that name (see ``layouts.localised``)."""

    name: str
    title: str
    fields: dict[str, list[Candidate]]
    signature: dict[str, int]
    refine: Refine | None = None
    bonus: Bonus | None = None
    localised: dict[str, str] = field(default_factory=dict)
    # normalised headers generic synonyms must not read: they look like a canonical column but are not
    # (Jira's textual ``Resolution``, JSM's SLA "time remaining" columns); they stay extras
    keep_extra: tuple[str, ...] = ()

    def english(self, header: str) -> str:
        """A normalised header in this help desk's English (itself when it is not a known translation)."""
        return self.localised.get(header, header)


BH_NOTE = ("{canonical}: only the business-hours column '{source}' is in the export; "
           "minutes are business minutes (add the calendar column to the export for calendar time).")


def sample_values(sample: pa.Table | None, column: str, limit: int = 200) -> list[str]:
    """The first non-blank values of a column, as trimmed text."""
    if sample is None or column not in sample.column_names:
        return []
    values = sample.column(column).to_pylist()[:limit]
    return [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
