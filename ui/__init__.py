"""Streamlit-side helpers shared by the frame and the pages.

Everything here draws or reads widgets; the work itself is done by the
``journeys`` core, which never imports Streamlit.
"""
