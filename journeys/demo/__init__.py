"""The demo: a generated "Billing support" journey, its tickets, event log, pain points and experiments.

Everything here is made by seeded code (no real customer data). The parts, one module each:

- :mod:`.journey_maps`: the current- and future-state journeys (and a large one for benchmarks);
- :mod:`.ticket_export`: a Zendesk-style ticket export with three planted frictions;
- :mod:`.event_log`: an event log of the same journey for Discover;
- :mod:`.experiment_story`: the experiments the demo team ran;
- :mod:`.loader`: puts all of it into a workspace (``journeys init --demo``).

The journeys are re-exported here because tests, benchmarks and notebooks reach for them first.
"""

from journeys.demo.journey_maps import (
    DEMO_FUTURE,
    DEMO_JOURNEY,
    current_state_journey,
    demo_journeys,
    future_state_journey,
    large_journey,
)

__all__ = ["DEMO_FUTURE", "DEMO_JOURNEY", "current_state_journey", "demo_journeys", "future_state_journey",
           "large_journey"]
