"""The canonical ticket schema every importer produces and every metric reads.

One table, one row per ticket. Columns outside this list are kept as extra
attributes (prefixed ``x_``) so rules, filters and segments can use them; they
are never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

EXTRA_PREFIX = "x_"


@dataclass(frozen=True)
class Column:
    """A canonical column: its Arrow type, whether an import needs it, what it means, and its name in words
    (what pages show: "First response (minutes)", never ``first_response_minutes``)."""

    name: str
    type: pa.DataType
    required: bool
    meaning: str
    label: str


COLUMNS: tuple[Column, ...] = (
    Column("ticket_id", pa.string(), True, "unique id of the ticket or conversation",
           "Ticket id"),
    Column("created_at", pa.timestamp("us", tz="UTC"), True, "when the customer made contact (UTC)",
           "Created (date and time)"),
    Column("channel", pa.string(), False, "web, email, chat, phone, bot, … as the help desk names it",
           "Channel"),
    Column("subject", pa.string(), False, "subject or first line (text, never rendered as HTML)",
           "Subject"),
    Column("tags", pa.list_(pa.string()), False, "tags, lower-cased",
           "Tags"),
    Column("category", pa.string(), False, "ticket type / category / topic",
           "Category"),
    Column("status", pa.string(), False, "status at export time",
           "Status"),
    Column("customer_id", pa.string(), False, "requester / user / contact id",
           "Customer id"),
    Column("csat", pa.float64(), False, "1–5 rating (good → 5, bad → 1); null when not rated",
           "CSAT (1–5)"),
    Column("first_response_minutes", pa.float64(), False, "minutes to the first agent reply",
           "First response (minutes)"),
    Column("resolution_minutes", pa.float64(), False, "minutes from creation to resolution",
           "Resolution (minutes)"),
    Column("reopens", pa.int32(), False, "times the ticket was reopened",
           "Reopens"),
    Column("escalated", pa.bool_(), False, "bot → human, tier 1 → tier 2, or group change",
           "Escalated"),
    Column("handled_by", pa.string(), False, "'bot' or 'human'",
           "Handled by (bot / human)"),
    Column("agent_replies", pa.int32(), False, "agent replies on the ticket",
           "Agent replies"),
    Column("variant", pa.string(), False, "A/B arm, when the ticket carries one",
           "Variant (A/B arm)"),
    Column("journey_step", pa.string(), False, "explicit journey step id, when the export has one",
           "Journey step"),
    Column("group", pa.string(), False, "team or queue that handled it",
           "Group / team"),
    Column("priority", pa.string(), False, "priority as exported",
           "Priority"),
)

NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}


def label(name: str) -> str:
    """A canonical column's name in words; any other column (an extra attribute) as it is."""
    return BY_NAME[name].label if name in BY_NAME else name


def arrow_schema(extra: tuple[str, ...] = ()) -> pa.Schema:
    """The Parquet schema of a normalised dataset: canonical columns, then extras as strings."""
    return pa.schema([pa.field(c.name, c.type, nullable=not c.required) for c in COLUMNS]
                     + [pa.field(EXTRA_PREFIX + name if not name.startswith(EXTRA_PREFIX) else name, pa.string())
                        for name in extra])
