"""journeys: a customer-journey workspace for CX and support teams.

The domain core. Nothing in this package imports Streamlit, so every operation
works the same from the app, the CLI or a notebook.
"""

__version__ = "0.1.0"
