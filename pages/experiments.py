"""Scaffold; replaced by the page."""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

st.title("experiments")
