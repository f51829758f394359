"""The ``journeys`` command line: the same operations as the app, scriptable.

Every command is parse → call → print: it reads its options, opens the workspace
(``journeys.open_workspace``), calls a use case or a repository of the workspace, and prints the
structured result as a table, JSON or CSV. Every command exits non-zero with a short reason on bad
input (exit 2), never a traceback; ``journey check`` exits 1 when it finds errors.

One module per command group (the top group in :mod:`.app` says which module holds which command and
imports it only when it runs): :mod:`.start` (init, serve), :mod:`.journey`, :mod:`.ticket_data` and
:mod:`.ticket_rules` (tickets …), :mod:`.support_metrics` (metrics), :mod:`.workspace_settings`
(definitions, workspace schedule), :mod:`.painpoint_commands`, :mod:`.experiments`, :mod:`.discover`,
:mod:`.topic_commands` (topics …);
:mod:`.printing` turns results into text.
"""

from journeys.cli.app import cli, main

__all__ = ["cli", "main"]
