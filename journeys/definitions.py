"""Named metric definitions: which definition stands behind each number, and the vendor variants a workspace may pick.

Teams' most common complaint is that numbers don't reconcile with their help desk's own reports. Mostly
the help desks simply define the metric differently, so every number we show names its definition
(an id such as ``fcr_rate.zendesk_one_touch`` and a sentence), and a workspace may pick the vendor's
variant where it differs from ours. The choice is a versioned workspace document (kind ``settings``,
key ``metric_definitions``, like the priorities' scoring weights), so a change is recorded and a stale
save is refused.

Variants (each checked against the vendor's own documentation):

- **fcr_rate**
  - ``ours`` (shared/DESIGN.md): resolved with at most one agent reply and no reopen, over tickets where
    both the replies and the reopens are known.
  - ``zendesk_one_touch``: Zendesk Explore's "One-touch tickets" — solved or closed tickets with fewer
    than two agent replies (Zendesk's formula: ``IF (VALUE(Agent replies) < 2 AND ([Ticket status -
    Unsorted] = "Solved" OR … = "Closed")) THEN [Ticket ID]``, support.zendesk.com article 4408820618266
    "How are one-touch resolutions calculated?"), as a share of solved or closed tickets. Reopens do not
    count against it (a reopen only matters when it adds a reply).
  - ``intercom_first_contact``: Intercom's "Closed conversations on first contact rate" — "conversations
    that were closed once with one participating teammate" (intercom.com/help article 7022438, reporting
    metrics). When the export carries Intercom's own ``Resolved on first contact`` column, that flag is
    used as is; otherwise a closed conversation never reopened and never reassigned (``escalated`` false)
    counts. Share of closed conversations.
- **first reply** (``frt_p50``, ``frt_p90``)
  - ``ours``: minutes from creation to the first reply, whoever sent it (Zendesk's "First reply time": the
    first public agent comment, support.zendesk.com article 4408834848154).
  - ``exclude_automated``: tickets whose first reply was automated are left out — marked by the export
    (Intercom's ``Chatbot replied``, a ``first reply automated`` / ``by bot`` flag), or, when the export
    has no such column, ``handled_by = 'bot'``. A summary export cannot give the first *human* reply of
    a ticket the bot answered first, so those tickets are dropped from the sample rather than guessed.
- **reopen_rate**
  - ``any``: share of tickets reopened at least once, over tickets with a known reopen count (ours).
  - ``after_solved``: share of solved tickets that were reopened after being solved — Zendesk's reading
    (a reopen is a solved ticket set back to open): the sample is the tickets that were ever solved
    (status solved/closed/resolved now, or reopened, which needs a solve first).

"Solved" reads the canonical ``status`` in the help desks' words (solved, closed, resolved, done and their
Spanish, German, French and Portuguese forms); a dataset without a status has no solved tickets, so its
vendor variants read "too few" rather than a made-up share.

The other metrics have one definition (id ``<metric>.ours``, the catalogue's sentence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import ibis
import ibis.expr.types as ir
import pandas as pd

from journeys.errors import JourneysError
from journeys.metrics import METRICS, Metric
from journeys.store import Store

SETTINGS_KIND = "settings"
SETTINGS_KEY = "metric_definitions"
FewTickets = Literal["show", "blank"]
FEW_CHOICES: tuple[str, ...] = ("show", "blank")

SOLVED_STATUSES = ("solved", "closed", "resolved", "done", "resuelto", "cerrado", "gelöst", "geschlossen",
                   "erledigt", "résolu", "fermé", "resolvido", "fechado", "encerrado")
# Extra columns (names normalised: no x_, lower case, words joined by _) that mark an automated first reply …
AUTOMATED_MARKERS = ("chatbot_replied", "first_reply_automated", "first_response_automated", "first_reply_by_bot",
                     "first_response_by_bot", "automated_first_reply", "first_reply_is_automated")
# … and Intercom's own first-contact flag.
FIRST_CONTACT_FLAGS = ("resolved_on_first_contact", "closed_on_first_contact")
TRUE_WORDS = ("true", "yes", "1", "y", "t", "sí", "si", "ja", "oui", "sim")


@dataclass(frozen=True)
class Variant:
    """One definition a metric family can take: its id, the words shown beside the number, the metrics it changes."""

    family: str
    name: str
    words: str
    metrics: tuple[str, ...]

    def id_for(self, metric: str) -> str:
        return f"{metric}.{self.name}"


FAMILIES: dict[str, tuple[Variant, ...]] = {
    "fcr": (
        Variant("fcr", "ours", "Resolved with at most one agent reply and no reopen (over tickets where both are "
                "known).", ("fcr_rate",)),
        Variant("fcr", "zendesk_one_touch", "Zendesk one-touch: solved or closed with fewer than two agent replies, "
                "as a share of solved or closed tickets (reopens not counted).", ("fcr_rate",)),
        Variant("fcr", "intercom_first_contact", "Intercom closed on first contact: closed once with one teammate "
                "(never reopened, never reassigned), as a share of closed conversations.", ("fcr_rate",)),
    ),
    "first_reply": (
        Variant("first_reply", "ours", "Minutes from creation to the first reply, whoever sent it.",
                ("frt_p50", "frt_p90")),
        Variant("first_reply", "exclude_automated", "Minutes from creation to the first reply, leaving out tickets "
                "whose first reply was automated (bot).", ("frt_p50", "frt_p90")),
    ),
    "reopen": (
        Variant("reopen", "any", "Share of tickets reopened at least once.", ("reopen_rate",)),
        Variant("reopen", "after_solved", "Share of solved tickets reopened after being solved (Zendesk's "
                "reading).", ("reopen_rate",)),
    ),
}
DEFAULTS: dict[str, str] = {family: variants[0].name for family, variants in FAMILIES.items()}
# What a user may type for a family: its name or any metric it changes.
ALIASES: dict[str, str] = {**{f: f for f in FAMILIES},
                           **{m: f for f, vs in FAMILIES.items() for m in vs[0].metrics},
                           "frt": "first_reply", "reopens": "reopen", "first_response": "first_reply"}


@dataclass(frozen=True)
class MetricSettings:
    """A workspace's chosen definitions and how it shows a group under the minimum sample."""

    variants: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULTS))
    few_tickets: str = "show"  # "show": the value, marked "few tickets (n=…)"; "blank": no value

    def __post_init__(self) -> None:
        for family, name in self.variants.items():
            variant_of(family, name)
        if self.few_tickets not in FEW_CHOICES:
            raise JourneysError(f"few tickets must be 'show' or 'blank', not {self.few_tickets!r}")

    @property
    def keep_few(self) -> bool:
        return self.few_tickets == "show"

    def chosen(self, family: str) -> Variant:
        return variant_of(family, self.variants.get(family, DEFAULTS[family]))

    def as_dict(self) -> dict:
        return {"variants": {f: self.chosen(f).name for f in FAMILIES}, "few_tickets": self.few_tickets}


def family_of(text: str) -> str:
    """The family a user means by a metric or family name ("fcr_rate", "frt", "reopen" …)."""
    found = ALIASES.get(text.strip().lower())
    if found is None:
        raise JourneysError(f"no metric with definition variants called {text!r}; pick one of "
                            f"{', '.join(sorted(ALIASES))}")
    return found


def variant_of(family: str, name: str) -> Variant:
    for variant in FAMILIES.get(family, ()):
        if variant.name == name:
            return variant
    known = ", ".join(v.name for v in FAMILIES.get(family, ()))
    raise JourneysError(f"{family} has no definition {name!r}" + (f"; pick one of {known}" if known else ""))


def load_settings(store: Store, workspace: str) -> tuple[MetricSettings, int]:
    """The workspace's definitions and their stored version (defaults at version 0).

    A stored variant this code no longer knows (an older or newer release) falls back to the default
    rather than breaking every page."""
    found = store.documents.get(workspace, SETTINGS_KIND, SETTINGS_KEY)
    if found is None:
        return MetricSettings(), 0
    stored = found.body.get("variants") or {}
    variants = {f: next((v.name for v in vs if v.name == stored.get(f)), DEFAULTS[f]) for f, vs in FAMILIES.items()}
    few = found.body.get("few_tickets")
    return MetricSettings(variants, few if few in FEW_CHOICES else "show"), found.version


def save_settings(store: Store, workspace: str, settings: MetricSettings, author: str, expected_version: int,
                  message: str = "Metric definitions") -> int:
    return store.documents.save(workspace, SETTINGS_KIND, SETTINGS_KEY, settings.as_dict(), author,
                                     message=message, expected_version=expected_version,
                                     label="Metric definitions")


def _name(column: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", column.removeprefix("x_").lower()).strip("_")


def _marker(columns: Iterable[str], wanted: tuple[str, ...]) -> str | None:
    return next((c for c in columns if c.startswith("x_") and _name(c) in wanted), None)


def _truthy(column: ir.Value) -> ir.BooleanValue:
    """An extra column read as a flag: a boolean as is, text by the usual yes-words (any language we import)."""
    if column.type().is_boolean():
        return column
    if column.type().is_numeric():
        return column != 0
    return column.cast("string").strip().lower().isin(TRUE_WORDS)


def _solved(t: ibis.Table) -> ir.BooleanValue:
    return t.status.lower().strip().isin(SOLVED_STATUSES).fill_null(False)


@dataclass(frozen=True)
class Resolved:
    """The definitions in force for one table: the metric overrides ``compute`` takes, and every metric's id + words."""

    overrides: dict[str, Metric]
    ids: dict[str, str]
    words: dict[str, str]

    def as_json(self, metrics: Iterable[str] = METRICS) -> dict[str, dict[str, str]]:
        """metric → {"id", "definition"}: the CLI JSON's ``definitions`` object."""
        return {m: {"id": self.ids[m], "definition": self.words[m]} for m in metrics}

    def ids_text(self, metrics: Iterable[str] = METRICS) -> str:
        """The choices in one short cell ("fcr_rate=zendesk_one_touch; frt=ours; reopen_rate=any; others=ours").

        A CSV cell, repeated on every row: short enough not to push a spreadsheet's columns about, and
        enough to look each definition up (``journeys definitions list``)."""
        shown = {"fcr_rate": "fcr_rate", "frt_p50": "frt", "reopen_rate": "reopen_rate"}
        parts = [f"{label}={self.ids[m].split('.', 1)[1]}" for m, label in shown.items() if m in set(metrics)]
        return "; ".join([*parts, "others=ours"])


def resolve(settings: MetricSettings, columns: Iterable[str]) -> Resolved:
    """The chosen definitions for a table with ``columns``: which variant metric replaces which, in words.

    Dataset-aware because some variants read a column only some exports carry (Intercom's own
    first-contact flag, a bot marker); the words then say which column was read."""
    columns = list(columns)
    overrides: dict[str, Metric] = {}
    ids = {m: f"{m}.ours" for m in METRICS}
    words = {m: METRICS[m].definition for m in METRICS}
    for family in FAMILIES:
        variant = settings.chosen(family)
        for metric in variant.metrics:
            ids[metric] = variant.id_for(metric)
            built, extra = _build(variant, METRICS[metric], columns)
            if built is not None:
                overrides[metric] = built
            default = variant.name == DEFAULTS[family]
            words[metric] = (METRICS[metric].definition if default else _words(variant, METRICS[metric])) + extra
    return Resolved(overrides, ids, words)


def _words(variant: Variant, metric: Metric) -> str:
    if metric.kind == "quantile":
        which = "Median" if metric.q == 0.5 else f"{round((metric.q or 0) * 100)}th percentile of"
        return f"{which} {variant.words[0].lower()}{variant.words[1:]}"
    return variant.words


def _build(variant: Variant, metric: Metric, columns: list[str]) -> tuple[Metric | None, str]:
    """The variant's Metric (None: the catalogue's own) and a note on the columns it read."""
    key = (variant.family, variant.name)
    if key == ("fcr", "zendesk_one_touch"):
        return replace(metric, expr=lambda t: (t.agent_replies < 2).mean(where=_solved(t) & t.agent_replies.notnull()),
                       sample="n_fcr_solved", inputs=("status", "agent_replies"),
                       sample_expr=lambda t: t.count(where=_solved(t) & t.agent_replies.notnull())), ""
    if key == ("fcr", "intercom_first_contact"):
        flag = _marker(columns, FIRST_CONTACT_FLAGS)
        if flag is not None:
            return replace(metric, expr=lambda t: _truthy(t[flag]).mean(where=_solved(t) & t[flag].notnull()),
                           sample="n_fcr_closed", inputs=("status", flag),
                           sample_expr=lambda t: t.count(where=_solved(t) & t[flag].notnull())), \
                f" (read from the export's '{flag.removeprefix('x_')}' column)"

        def first_contact(t: ibis.Table) -> ir.Scalar:
            once = (t.reopens == 0) & ~t.escalated.fill_null(False)
            return once.mean(where=_solved(t) & t.reopens.notnull())
        return replace(metric, expr=first_contact, sample="n_fcr_closed", inputs=("status", "reopens", "escalated"),
                       sample_expr=lambda t: t.count(where=_solved(t) & t.reopens.notnull())), ""
    if key == ("first_reply", "exclude_automated"):
        marker = _marker(columns, AUTOMATED_MARKERS)
        if marker is not None:
            def human(t: ibis.Table) -> ir.BooleanValue:
                return ~_truthy(t[marker]).fill_null(False)
            note = f" (automated: the export's '{marker.removeprefix('x_')}' column)"
            inputs: tuple[str, ...] = ("first_response_minutes", marker)
        else:
            def human(t: ibis.Table) -> ir.BooleanValue:
                return (t.handled_by != "bot").fill_null(True)
            note = " (automated: handled by the bot; the export marks no automated reply)"
            inputs = ("first_response_minutes", "handled_by")
        column = metric.column or "first_response_minutes"
        q = metric.q or 0.5
        return replace(metric, expr=lambda t: t[column].quantile(q, where=human(t)), sample="n_first_human_response",
                       inputs=inputs, sample_expr=lambda t: t[column].count(where=human(t))), note
    if key == ("reopen", "after_solved"):
        def ever_solved(t: ibis.Table) -> ir.BooleanValue:
            return (_solved(t) | (t.reopens >= 1).fill_null(False)) & t.reopens.notnull()
        return replace(metric, expr=lambda t: (t.reopens >= 1).mean(where=ever_solved(t)), sample="n_reopen_solved",
                       inputs=("status", "reopens"), sample_expr=lambda t: t.count(where=ever_solved(t))), ""
    return None, ""


OVERVIEW_BY: dict[str, str] = {"group": "Group", "channel": "Channel", "status": "Status", "month": "Month"}


def overview(table: ibis.Table, by: str, settings: MetricSettings,
             min_sample: int = 30) -> tuple[pd.DataFrame, Resolved]:
    """A dataset's metrics by group, channel, status or month (any column too) under the workspace's definitions.

    Needs no journey and no rule: what a team sees right after its first import. Metrics that need
    journey steps (contact rate, repeat contacts) are left out rather than shown as 0 %."""
    from journeys.metrics import NEEDS_STEPS, compute

    resolved = resolve(settings, table.columns)
    names = [m for m in METRICS if m not in NEEDS_STEPS]
    keys, period = ([], "month") if by == "month" else ([by], None)
    frame = compute(table, by=keys, period=period, metrics=names, definitions=resolved.overrides,
                    keep_few=settings.keep_few, min_sample=min_sample)
    return frame, resolved
