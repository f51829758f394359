"""``python -m journeys`` runs the command line."""

from journeys.cli import main

main()
