"""Starting points for a new journey, so a workshop never starts from a blank wall.

Templates are written as compact rows (one line per step or transition) and
built by :func:`build_journey`, which the demo workspace uses too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from journeys.model import DEFAULT_LANES, DEFAULT_STAGES, Journey, Step, Transition, validated

# A step row: id, label, stage, lane, channel, emotion, kind, handled_by
StepRow = tuple[str, str, str, str, str, int | None, str, str]
# A transition row: source, target, share, kind
TransitionRow = tuple[str, str, float | None, str]


def build_journey(name: str, stages: Sequence[str], lanes: Sequence[str], steps: Iterable[StepRow],
                  transitions: Iterable[TransitionRow], owners: dict[str, str] | None = None,
                  **meta: object) -> Journey:
    """A validated journey from compact step and transition rows."""
    owners = owners or {}
    return validated(Journey(
        name=name, stages=list(stages), lanes=list(lanes),
        steps=[Step(id=i, label=label, stage=stage, lane=lane, channel=channel, emotion=emotion, kind=kind,
                    handled_by=handled, owner=owners.get(lane, ""))
               for i, label, stage, lane, channel, emotion, kind, handled in steps],
        transitions=[Transition(source=s, target=t, share=share, kind=kind) for s, t, share, kind in transitions],
        **meta,
    ))


def _support(name: str) -> Journey:
    stages = ["Need help", "Self-serve", "Bot", "Agent", "Resolved"]
    return build_journey(name, stages, DEFAULT_LANES, [
        ("need-help", "Has a question", "Need help", "customer", "app", -1, "touchpoint", "customer"),
        ("help-centre", "Searches the help centre", "Self-serve", "customer", "web", 0, "decision", "customer"),
        ("bot-chat", "Chats with the bot", "Bot", "frontstage", "bot", 0, "decision", "bot"),
        ("bot-answer", "Bot answers", "Bot", "frontstage", "bot", 1, "touchpoint", "bot"),
        ("handoff", "Hand-off to an agent", "Agent", "frontstage", "chat", -1, "touchpoint", "human"),
        ("agent", "Agent resolves", "Agent", "backstage", "chat", 1, "touchpoint", "human"),
        ("solved", "Problem solved", "Resolved", "customer", "app", 2, "outcome", "customer"),
    ], [
        ("need-help", "help-centre", 0.7, "normal"), ("need-help", "bot-chat", 0.3, "normal"),
        ("help-centre", "solved", 0.5, "normal"), ("help-centre", "bot-chat", 0.5, "normal"),
        ("bot-chat", "bot-answer", 0.6, "normal"), ("bot-chat", "handoff", 0.4, "escalation"),
        ("bot-answer", "solved", 0.7, "normal"), ("bot-answer", "handoff", 0.3, "escalation"),
        ("handoff", "agent", 1.0, "normal"), ("agent", "solved", 1.0, "normal"),
    ], description="Self-service, a bot, and a hand-off to a person when the bot cannot help.")


def _onboarding(name: str) -> Journey:
    stages = ["Sign up", "Set up", "First value", "Habit"]
    return build_journey(name, stages, DEFAULT_LANES, [
        ("sign-up", "Creates an account", "Sign up", "customer", "web", 1, "touchpoint", "customer"),
        ("verify", "Verifies email", "Sign up", "system", "email", -1, "touchpoint", "system"),
        ("setup", "Connects their data", "Set up", "customer", "app", -1, "decision", "customer"),
        ("setup-help", "Onboarding call", "Set up", "frontstage", "phone", 1, "touchpoint", "human"),
        ("first-report", "Sees the first report", "First value", "customer", "app", 2, "touchpoint", "customer"),
        ("invite", "Invites the team", "Habit", "customer", "app", 1, "touchpoint", "customer"),
        ("active", "Weekly active", "Habit", "customer", "app", 2, "outcome", "customer"),
        ("abandons", "Abandons set-up", "Set up", "customer", "app", -2, "outcome", "customer"),
    ], [
        ("sign-up", "verify", 1.0, "normal"), ("verify", "setup", 1.0, "normal"),
        ("setup", "first-report", 0.6, "normal"), ("setup", "setup-help", 0.25, "fallback"),
        ("setup", "abandons", 0.15, "normal"), ("setup-help", "first-report", 1.0, "normal"),
        ("first-report", "invite", 0.5, "normal"), ("first-report", "active", 0.5, "normal"),
        ("invite", "active", 1.0, "normal"),
    ], description="From sign-up to a habit, with a human fallback when set-up stalls.")


def _billing(name: str) -> Journey:
    stages = ["Invoice", "Payment", "Renewal"]
    return build_journey(name, stages, DEFAULT_LANES, [
        ("invoice-sent", "Invoice emailed", "Invoice", "system", "email", 0, "touchpoint", "system"),
        ("reads-invoice", "Reads the invoice", "Invoice", "customer", "email", 0, "decision", "customer"),
        ("query", "Queries a charge", "Invoice", "customer", "email", -2, "touchpoint", "customer"),
        ("billing-agent", "Billing agent answers", "Invoice", "frontstage", "email", 0, "touchpoint", "human"),
        ("pays", "Pays", "Payment", "customer", "web", 0, "touchpoint", "customer"),
        ("card-fails", "Card payment fails", "Payment", "system", "web", -2, "touchpoint", "system"),
        ("renewal-notice", "Renewal reminder", "Renewal", "system", "email", 0, "touchpoint", "system"),
        ("renews", "Renews", "Renewal", "customer", "web", 1, "outcome", "customer"),
        ("cancels", "Cancels", "Renewal", "customer", "web", -1, "outcome", "customer"),
    ], [
        ("invoice-sent", "reads-invoice", 1.0, "normal"), ("reads-invoice", "pays", 0.85, "normal"),
        ("reads-invoice", "query", 0.15, "normal"), ("query", "billing-agent", 1.0, "escalation"),
        ("billing-agent", "pays", 1.0, "normal"), ("pays", "card-fails", 0.05, "normal"),
        ("pays", "renewal-notice", 0.95, "normal"), ("card-fails", "pays", 1.0, "retry"),
        ("renewal-notice", "renews", 0.9, "normal"), ("renewal-notice", "cancels", 0.1, "normal"),
    ], description="Invoices, payment and renewal, where a confusing charge turns into a contact.")


def _blank(name: str) -> Journey:
    return validated(Journey(name=name, stages=list(DEFAULT_STAGES), lanes=list(DEFAULT_LANES)))


TEMPLATES = {
    "Support with bot → human hand-off": _support,
    "Onboarding": _onboarding,
    "Billing and renewal": _billing,
    "Blank": _blank,
}


def from_template(template: str, name: str) -> Journey:
    """A new current-state journey named ``name`` from one of :data:`TEMPLATES`."""
    if template not in TEMPLATES:
        raise KeyError(f"no template '{template}'; choose one of {sorted(TEMPLATES)}")
    return TEMPLATES[template](name)
