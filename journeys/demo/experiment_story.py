"""Two analysed experiments for the demo workspace, measured on the demo tickets.

- **Credit notes with the refund confirmation** (DiD against "agent-reply"): the improvement the
  demo tickets plant from 1 July 2026 (:mod:`journeys.demo.ticket_export`: the reopen rate of
  "credit-issued" drops from 22 % to 10 %). The analysis finds it: verdict *improved*.
- **Daily forum answers** (before/after on "community-post", a low-volume step): nothing was
  planted, and a few weeks of a few dozen tickets cannot show a change either way: *inconclusive*.

Each is created as a draft, started (its pain points, looked up by step, become "in
experiment"), analysed on the mapped demo tickets, and moved to "analysed"; the decision is left
to the user. An experiment is recognised by its first revision's message, so a re-run never
duplicates it and edits never make it come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import ibis

from journeys.demo import DEMO_JOURNEY
from journeys.demo.ticket_export import COMPARISON_STEP, IMPROVED_REOPEN, IMPROVED_STEP, IMPROVEMENT_START, TOPICS
from journeys.experiments.effects import analyse
from journeys.experiments.experiment import Audience, Design, Experiment, LoopEntry, Status
from journeys.experiments.repository import Experiments
from journeys.painpoints import PainPoints
from journeys.store import Store

DEMO_AUTHOR = "journeys demo"
DEMO_EXPERIMENT_MESSAGE = "Demo experiment"  # first-revision message prefix: how a re-run recognises its own


@dataclass(frozen=True)
class DemoExperiment:
    ident: str
    experiment: dict
    loop: list[dict] = field(default_factory=list)


DEMO_EXPERIMENTS: tuple[DemoExperiment, ...] = (
    DemoExperiment("credit-note-with-refund", {
        "title": "Send the credit note with the refund confirmation",
        "hypothesis": "Customers reopen credit-note tickets because the refund confirmation arrives without the "
                      "credit note, so they write back asking for it. Attaching the PDF to the confirmation should "
                      "cut reopens on 'credit-issued' by at least 3 points, with no cost to CSAT or resolution time.",
        "owner": "Billing operations",
        "steps": [IMPROVED_STEP], "comparison_steps": [COMPARISON_STEP],
        "metric": "reopen_rate", "smallest_effect": 0.03, "guardrails": ["csat", "resolution_p50"],
        "design": Design.did.value, "shipped": IMPROVEMENT_START.date().isoformat(),
        "pre_start": "2026-01-05", "post_end": "2026-10-26",
    }, [{"audience": Audience.agents.value, "channel": "team meeting", "on": "2026-06-29", "by": "Billing operations",
         "message": "From 1 July the refund confirmation carries the credit note; no need to send it by hand."}]),
    DemoExperiment("forum-daily-answers", {
        "title": "Answer billing questions in the community forum every day",
        "hypothesis": "A daily slot for the support team in the billing forum should get forum posters an answer "
                      "sooner, so fewer of them reopen their ticket.",
        "owner": "Support team leads",
        "steps": ["community-post"], "metric": "reopen_rate", "smallest_effect": 0.05,
        "design": Design.before_after.value, "shipped": "2026-09-07",
        "pre_start": "2026-03-02", "post_end": "2026-10-26",
    }),
)


def demo_experiments(store: Store, workspace: str, table: ibis.Table, *, journey: str = DEMO_JOURNEY,
                     author: str = DEMO_AUTHOR) -> list[str]:
    """Record the demo experiments the workspace lacks, analysed on ``table`` (the mapped demo tickets).

    Returns the keys created. Pain points are linked when one names a step the experiment changes.
    """
    experiments = Experiments(store)
    present = set()
    for existing in experiments.list(workspace):
        first = experiments.history(workspace, existing.key)[-1]
        if first.message.startswith(DEMO_EXPERIMENT_MESSAGE):
            present.add(first.message.removeprefix(DEMO_EXPERIMENT_MESSAGE).strip(" :"))
    pains = [p for p in PainPoints(store).list(workspace) if p.pain.journey == journey]
    created = []
    for demo in DEMO_EXPERIMENTS:
        if demo.ident in present:
            continue
        steps = set(demo.experiment["steps"])
        linked = [p.key for p in pains if steps & set(p.pain.steps)]
        draft = Experiment.model_validate({**demo.experiment, "journey": journey, "pain_points": linked,
                                           "loop": [LoopEntry.model_validate(e) for e in demo.loop]})
        key = experiments.create(workspace, draft, author, f"{DEMO_EXPERIMENT_MESSAGE}: {demo.ident}")
        version = experiments.transition(workspace, key, Status.running, author, expected_version=1).version
        result = analyse(table, experiments.load(workspace, key).experiment)
        if result.interim:  # the demo tickets end before the window: keep it running with its interim look
            experiments.record_result(workspace, key, result, author, expected_version=version)
        else:
            experiments.transition(workspace, key, Status.analysed, author, expected_version=version, result=result)
        created.append(key)
    return created


PLANTED_REOPEN_AFTER = IMPROVED_REOPEN  # what journeys.demo.ticket_export.generate gives credit-issued after the change


def planted_effect() -> tuple[str, date, float]:
    """(step, date, reopen-rate change) that the demo tickets plant — what the first experiment should find."""
    before = next(t.reopen for t in TOPICS if t.step == IMPROVED_STEP)
    return IMPROVED_STEP, IMPROVEMENT_START.date(), PLANTED_REOPEN_AFTER - before
