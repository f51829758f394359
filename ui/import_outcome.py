"""The Import tickets page's outcome: the report of an import, or why it failed (nothing saved then).

Every number is the importer's own (:class:`~journeys.tickets.importer.ImportReport`); everything
that comes from the file (reasons, examples, column names) is shown in tables or escaped.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from journeys.errors import JourneysError
from journeys.tickets.canonical import COLUMNS
from journeys.tickets.canonical import label as field_label
from journeys.tickets.column_mapping import extra_name
from journeys.tickets.importer import ImportReport
from journeys.tickets.masking import masked_sentence
from journeys.usecases.ticket_import import Imported
from ui.import_mapping import describe
from ui.text import plain
from ui.uploads import problems_table


def show_failure(error: JourneysError) -> None:
    """Why nothing was saved: the reason, the problems, and the rows that could not be used."""
    st.error(plain(error.message.rstrip(".")) + ". Nothing was saved; existing datasets are unchanged.")
    problems_table(error.problems)
    report = getattr(error, "report", None)
    if isinstance(report, ImportReport) and report.rows_read:
        st.caption(f"{report.rows_read:,} rows were read; none could be used.")
        rejected_table(report)


def rejected_table(report: ImportReport) -> None:
    """Rows left out, by reason, with examples: what to fix in the export."""
    rows = sorted(report.rejected.items(), key=lambda kv: -kv[1])
    st.dataframe(pd.DataFrame({"Why rows were left out": [r for r, _ in rows], "Rows": [n for _, n in rows],
                               "For example": ["; ".join(report.examples.get(r, [])) for r, _ in rows]}),
                 hide_index=True, width="stretch")


def show_report(result: Imported) -> None:
    """What the import kept, left out and changed, in the importer's own numbers."""
    report = result.report
    cols = st.columns(5)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Tickets kept", f"{report.rows_kept:,}")
    cols[2].metric("Rows left out", f"{report.rows_rejected:,}")
    cols[3].metric("Repeated ids", f"{report.duplicate_ids:,}",
                   help="Rows whose id was seen before (the first was kept); in a file with one row per "
                        "update, rows identical to another.")
    cols[4].metric("Update rows merged", f"{report.collapsed_updates:,}",
                   help="Files with one row per ticket update: each ticket keeps its last row.")
    st.caption(f"Saved as **{plain(result.dataset.name)}** version {result.dataset.version} "
               f"({result.dataset.rows:,} tickets) in "
               f"{report.seconds:.1f} s.")
    if report.history_note:
        st.info(plain(report.history_note), icon=":material/history:")
    if report.masked is not None:
        st.info(plain(masked_sentence(report.masked)), icon=":material/shield_person:")
    if report.rejected:
        st.markdown("**Rows left out, and why**")
        rejected_table(report)
    if report.coerced:
        st.markdown("**Values that could not be used** (left empty; the rest of each ticket was kept)")
        st.dataframe(pd.DataFrame({"Field": [field_label(f) for f in report.coerced],
                                   "Values left empty": list(report.coerced.values())}),
                     hide_index=True, width="stretch")
    if report.unused_columns:
        st.markdown("**Other columns kept as extra attributes** (usable in mapping rules and filters)")
        st.dataframe(pd.DataFrame({"Column in the file": report.unused_columns,
                                   "Kept as": [extra_name(c) for c in report.unused_columns]}),
                     hide_index=True, width="stretch")
    for warning in report.warnings:
        st.warning(plain(warning))
    with st.expander("The column mapping used"):
        st.dataframe(pd.DataFrame({"Field": [c.label for c in COLUMNS],
                                   "Filled from": [describe(report.mapping.field(c.name)) for c in COLUMNS]}),
                     hide_index=True, width="stretch")
    st.markdown("**Next**")
    left, right = st.columns(2)
    left.page_link("pages/friction.py", label="See where customers struggle (Friction)",
                   icon=":material/local_fire_department:")
    right.page_link("pages/rules.py", label="Check how tickets land on steps (Mapping rules)", icon=":material/rule:")
