"""Import tickets: a help-desk export in, a checked ticket dataset out, with a report of what was kept.

The steps follow what a support-ops manager does: choose the export, see what
was recognised, confirm which column fills each field (or load a saved
profile), import as a new dataset or a new version of one, read the report.
The parts live in :mod:`ui.import_view` (the mapping grid in :mod:`ui.import_mapping`, the report in
:mod:`ui.import_outcome`); the work is :mod:`journeys.usecases.ticket_import`.
"""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import import_mapping as grid  # noqa: E402
from ui import import_view as view  # noqa: E402
from ui import uploads  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("Import tickets")
st.caption("Bring in a help-desk export (Zendesk, Intercom, Freshdesk, ServiceNow, Jira, Help Scout, HubSpot, Zoho "
           "Desk, Front, Gorgias — recognised from their column names — or any CSV, Excel, Parquet or JSON file) so "
           "the Friction page can show where on the journey customers struggle. Nothing is saved until you press "
           "Import, and a failed import changes nothing.")
uploads.remove_stale_uploads()

st.subheader("1. Choose the export")
source = view.choose_file()
inspection = view.inspect(source) if source else None

if source is None or inspection is None:
    view.show_last_result()
elif inspection.error is not None:
    view.show_unreadable(source, inspection.error)
else:
    info, proposed = inspection.info, inspection.proposed
    st.subheader("2. What we found in the file")
    view.show_detected(source, info, proposed)

    st.subheader("3. Which column fills each field")
    st.caption("We proposed a column for each field from the column names. Check it, change what is wrong, and "
               "leave a field empty when your export does not have it. Columns not used here are kept as extra "
               "attributes.")
    view.profile_controls(info)
    mapping = grid.mapping_editor(info, st.session_state[view.BASE])
    problems = grid.mapping_problems(mapping, info)
    grid.show_mapping_status(mapping, info, problems)

    st.subheader("4. Import")
    name = view.choose_dataset(source)
    blocked = view.blocked_reason(problems, name)
    if st.button("Import", key="imp_run", type="primary", icon=":material/upload:", disabled=blocked is not None):
        if view.run_import(source, mapping, name):
            st.rerun()  # the page starts over for the next file, with this import's report on top
    else:
        if blocked:
            st.caption(plain(blocked))
        view.show_last_failure(source)

st.subheader("Ticket datasets in this workspace")
view.datasets_table()
