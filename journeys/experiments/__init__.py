"""Experiments: lifecycle and honest statistics (see shared/DESIGN.md, "Experiments: honest statistics").

The API the pages and the CLI call:

- model: :class:`Experiment`, :class:`Result`, :class:`Decision`, :class:`LoopEntry`, :class:`Design`,
  :class:`Status` (and :data:`TRANSITIONS`), :class:`Verdict`, :func:`parse_experiment`;
- store: :class:`Experiments` (create / save / load / list / history / revision / transition /
  record_result / log / for_pain_point) and :func:`decision`;
- statistics: :func:`analyse` (a :class:`Result` from a mapped ticket table), :func:`plan` (what the
  design can detect, how many weeks it needs), :func:`weekly_series` (the weekly cells, for charts);
"""

from journeys.experiments.effects import analyse, measure_ab, measure_weekly
from journeys.experiments.experiment import (
    TRANSITIONS,
    Audience,
    Decision,
    Design,
    Experiment,
    GuardrailResult,
    LoopEntry,
    Outcome,
    Result,
    Status,
    Verdict,
    parse_experiment,
)
from journeys.experiments.planning import Plan, detectable_effect, plan
from journeys.experiments.repository import Experiments, StoredExperiment, Transitioned, decision
from journeys.experiments.series import look_window, weekly_cells, weekly_series

__all__ = [
    "TRANSITIONS", "Audience", "Decision", "Design", "Experiment", "Experiments", "GuardrailResult", "LoopEntry",
    "Outcome", "Plan", "Result", "Status", "StoredExperiment", "Transitioned", "Verdict", "analyse", "decision",
    "detectable_effect", "look_window", "measure_ab", "measure_weekly", "parse_experiment", "plan",
    "weekly_cells", "weekly_series",
]
