"""Settings: the workspace's members and roles, invitations, privacy at import, and who downloaded customer data."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import privacy_view, settings_view  # noqa: E402

st.title("Workspace settings")
settings_view.you()
settings_view.members()
privacy_view.masking_section()
settings_view.downloads()
