"""History: every saved revision of a journey, what changed, and restoring an old one."""

from ui.frame import ensure_frame

ensure_frame()

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from journeys.diff import diff_journeys  # noqa: E402
from ui import diff_view, session  # noqa: E402
from ui.frame import author, store, workspace  # noqa: E402
from ui.text import plain  # noqa: E402

st.title("History")
session.show_save_status()
name = session.pick_journey()
if not name:
    st.info("No journeys yet.")
    st.stop()

revisions = store().history(workspace(), name)
st.dataframe(pd.DataFrame([{"Version": r.version, "Author": r.author, "Saved at (UTC)": r.created_at,
                            "Message": r.message} for r in revisions]),
             hide_index=True, width="stretch", column_config={
                 "Saved at (UTC)": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm:ss")})

versions = [r.version for r in revisions]
if len(versions) < 2:
    st.info("Only one version so far. Every save adds a version here, with its author and message, "
            "so any change can be compared and undone.")
    st.stop()
a, b = st.columns(2)
newer = a.selectbox("Version", versions, index=0, key="hist_new")
older = b.selectbox("Compared with", versions, index=min(1, len(versions) - 1), key="hist_old")
old_j, new_j = store().revision(workspace(), name, older), store().revision(workspace(), name, newer)
diff = diff_journeys(old_j, new_j)
st.markdown(f"**Version {older:d} → {newer:d}:** {plain(diff.summary())}")
diff_view.render(diff, old_j, new_j)


def _restore(version: int) -> None:
    who = author()
    if not who:
        st.session_state[session.PROBLEMS] = ("Tell us your name in the sidebar first.", [])
        return
    current = store().load(workspace(), name).version
    restore = session.rescue("Restore failed")
    new_version = restore(store().restore, workspace(), name, version, who, expected_version=current)
    if new_version:
        st.session_state["last_saved"] = f"Restored version {version} as version {new_version}"


if newer != versions[0]:
    st.button(f"Restore version {newer:d}", key="restore_go", type="primary", on_click=_restore, args=(newer,),
              help="Saves the content of that version as a new revision on top; nothing is overwritten.")
