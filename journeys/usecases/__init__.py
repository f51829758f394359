"""The use cases: what a team does with journeys, once, for the pages, the CLI, the demo and notebooks.

Each function takes an open :class:`~journeys.workspace.Workspace` and plain arguments and returns
structured values (data frames, dataclasses), never prose for another layer to parse. Grouped by the
product's sections:

- :mod:`.ticket_import`: a help-desk export in — preview and proposed mapping, import, profiles.
- :mod:`.mapping_rules`: tickets onto steps — what each rule does, trying a rule, changing the rules safely.
- :mod:`.measure`: tickets on the journey — friction per step, metrics per step, week by week, examples.
- :mod:`.prioritise`: pain points — written up with frozen evidence, ranked, edited against the version seen.
- :mod:`.improve`: experiments — planned, started, analysed, decided, the loop closed, reported.
- :mod:`.map_review`: the map itself — its structural checks, freshness against the tickets, marking it reviewed.
- :mod:`.discovery`: event logs — the directly-follows graph and variants, conformance with a journey, adding
  an observed route, a log derived from tickets.
"""
