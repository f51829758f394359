"""Entry point of the journeys web app (``streamlit run streamlit_app.py``).

The frame itself (navigation, workspace picker, overview) lives in
:mod:`ui.frame` so the pages in ``pages/`` can share it; see that module for
how deep links on a fresh server still run the frame.
"""

from ui.frame import run_frame

run_frame()
