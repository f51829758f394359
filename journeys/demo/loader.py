"""Put the demo into a workspace: journeys, tickets, rules, an event log, pain points and experiments.

Used by ``journeys init --demo``, the app's first start and the tests; every part is written only when
missing, so loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from journeys.demo import DEMO_FUTURE, DEMO_JOURNEY, demo_journeys
from journeys.demo.ticket_export import DEFAULT_TICKETS, DEMO_RULES, write_zendesk_csv
from journeys.painpoints import Source, Status
from journeys.store import Store

if TYPE_CHECKING:
    from journeys.workspace import Workspace

DEMO_AUTHOR = "journeys demo"
DEMO_DATASET = "Zendesk tickets (demo)"
DEMO_PAIN_MESSAGE = "Demo pain point"  # first-revision message prefix: how a re-run recognises what it wrote


@dataclass(frozen=True)
class DemoPain:
    """A pain point of the demo workspace, as a team would have written it up (people and quotes made up)."""

    ident: str  # stable id, kept in the first revision's message so re-running the demo never duplicates it
    step: str
    metric: str | None
    title: str
    story: str  # the team's own words, put before the frozen numbers in the description
    owner: str
    status: Status
    effort: float | None  # person-weeks; None: not estimated yet
    quotes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: Source = Source.friction
    delivery_link: str = ""


# The three planted frictions of the demo tickets (journeys.demo.ticket_export), written up, plus two smaller
# findings from the journey-mapping workshop on steps without much ticket friction, so the ranking has a bottom.
DEMO_PAINS: tuple[DemoPain, ...] = (
    DemoPain(
        "bot-invoice-escalation", "bot-invoice-status", "escalation_rate",
        "Invoice-status bot hands almost half of its chats to an agent",
        "The chat bot can show whether an invoice is paid, but not why the amount changed, so customers ask for "
        "a person and tell their story twice. Idea from the support team: let the bot show the invoice lines "
        "that changed since last month, and pass the chat transcript on at handoff.",
        "Priya N. (support automation)", Status.investigating, 3.0,
        ("The bot kept telling me the invoice was 'issued'. I know, I want to know why it doubled.",
         "Took three tries to get past the bot to a real person."),
        ("bot", "chat", "billing")),
    DemoPain(
        "password-reset-reopens", "reset-password", "reopen_rate",
        "Password reset links expire before customers use them",
        "Reset emails arrive late or the link has already expired, so customers reopen the ticket or write "
        "again within days (see the repeat contact rate in the evidence). Planned: links valid for 24 hours "
        "and a 'send a new link' button on the expired page.",
        "Tom K. (identity team)", Status.planned, 2.0,
        ("The reset link had expired by the time the email arrived.",
         "This is the third time I am asking to reset my password."),
        ("login", "self-serve", "email"),
        delivery_link="https://github.com/example/billing-portal/issues/142"),
    DemoPain(
        "slow-invoice-corrections", "billing-team", "resolution_p50",
        "Invoice corrections take about three days",
        "Wrong invoices queue for the billing team, which corrects them in batches; customers chase in the "
        "meantime and agents have little to tell them. To find out: which corrections tier 1 could make "
        "itself, and whether the queue needs a daily slot.",
        "Billing operations", Status.new, 5.0,
        ("I was charged twice two weeks ago and it is still not fixed.",),
        ("billing", "backlog")),
    DemoPain(
        "forum-dead-end", "community-post", None,
        "Billing questions in the community forum go unanswered",
        "From the journey-mapping workshop: nobody in support watches the billing forum, and the map shows the "
        "forum as a dead end. Few customers go there, but those who do wait for days.",
        "", Status.new, None,
        ("Posted this a week ago, not a single reply.",),
        ("community", "workshop"), Source.note),
    DemoPain(
        "vat-article", "read-article", None,
        "The billing help article does not mention the new VAT rules",
        "From the journey-mapping workshop: the article still shows last year's VAT rates. Tickets from this "
        "step are few and mostly fine, so this is a quick fix rather than a hot spot.",
        "Content team", Status.new, 0.5,
        (), ("help-centre", "workshop"), Source.note),
)


def load_demo(store: Store, workspace: str, seed: int = 7, home: Path | None = None,
              tickets: int = DEFAULT_TICKETS) -> list[str]:
    """Create what the workspace lacks of the demo; returns what was created.

    Journeys always; with ``home`` (the workspace folder) also the demo ticket
    dataset, imported from a generated Zendesk-layout CSV exactly as a user's
    export would be, and the rules that map its tags to the demo journey.
    """
    store.ensure_workspace(workspace)
    existing = {s.name for s in store.list_journeys(workspace)}
    created = []
    for journey in demo_journeys(seed):
        if journey.name not in existing:
            store.create(workspace, journey, DEMO_AUTHOR, "Demo journey")
            created.append(journey.name)
    if home is not None and tickets > 0:
        created += _load_demo_tickets(store, workspace, Path(home), seed, tickets)
    return created


def _load_demo_tickets(store: Store, workspace: str, home: Path, seed: int, tickets: int) -> list[str]:
    from journeys.tickets.rules import Rule
    from journeys.tickets.workflow import import_dataset, prepare_mappings
    from journeys.workspace import open_workspace

    created = []
    with open_workspace(home, store.url, workspace, store=store) as ws:
        if not any(d.name == DEMO_DATASET for d in ws.datasets.list()):
            source = write_zendesk_csv(home / "imports" / "demo-zendesk-export.csv", n=tickets, seed=seed)
            import_dataset(store, home, workspace, DEMO_DATASET, source, DEMO_AUTHOR)
            created.append(f"dataset {DEMO_DATASET}")
        for journey in (DEMO_JOURNEY, DEMO_FUTURE):
            if ws.rules.load(journey).version == 0:
                demo_rules = [Rule(step=step, field="tags", op="equals", value=tag, name=tag)
                              for tag, step in DEMO_RULES if step in ws.journeys.get(journey).step_ids()]
                ws.rules.save(journey, demo_rules, DEMO_AUTHOR, message="Demo rules: topic tag → step")
                created.append(f"rules for {journey}")
        if ws.topics.get(DEMO_DATASET) is None:  # what the tickets are about, by meaning (issue 16)
            from journeys.usecases.topics import discover_topics

            discover_topics(ws, DEMO_DATASET, author=DEMO_AUTHOR)
            created.append(f"topics of {DEMO_DATASET}")
        if created:
            prepare_mappings(store, home, workspace, ws.datasets.latest(DEMO_DATASET))
        created += _load_demo_pains(ws)
        created += _load_demo_experiments(ws)
    from journeys.demo.event_log import load_demo_log

    created += load_demo_log(store, workspace, home)
    return created


def _load_demo_pains(ws: Workspace) -> list[str]:
    """Write up the demo's pain points that the workspace lacks, with evidence frozen from the demo tickets.

    Written up as a team would (:func:`journeys.usecases.prioritise.write_up`) over the scoring window
    (the last 90 days of tickets by default), so the frozen numbers match what the Priorities page scores
    on the day the demo is loaded. A demo pain point is recognised by its first revision's message, so
    edits (new title, status …) never make a re-run create it again.
    """
    from journeys.usecases.prioritise import write_up

    present = set()
    for existing in ws.painpoints.list():
        first = ws.painpoints.history(existing.key)[-1]
        if first.message.startswith(DEMO_PAIN_MESSAGE):
            present.add(first.message.removeprefix(DEMO_PAIN_MESSAGE).strip(" :"))
    missing = [p for p in DEMO_PAINS if p.ident not in present]
    if not missing or DEMO_JOURNEY not in ws.journeys.names() or \
            DEMO_DATASET not in {d.name for d in ws.datasets.list()}:
        return []
    keys = [write_up(ws, DEMO_JOURNEY, demo.step, demo.metric, dataset=DEMO_DATASET, title=demo.title,
                     author=DEMO_AUTHOR, message=f"{DEMO_PAIN_MESSAGE}: {demo.ident}", numbers_in_description=True,
                     description=demo.story, source=demo.source.value, owner=demo.owner, status=demo.status.value,
                     effort=demo.effort, quotes=list(demo.quotes), tags=list(demo.tags),
                     delivery_link=demo.delivery_link).key
            for demo in missing]
    return [f"pain points {', '.join(k for k in keys if k)}"] if keys else []


def _load_demo_experiments(ws: Workspace) -> list[str]:
    """The demo's experiments: the planted month-9 change (improved) and one inconclusive, analysed."""
    from journeys.demo.experiment_story import demo_experiments
    from journeys.usecases.measure import mapped

    if DEMO_DATASET not in {d.name for d in ws.datasets.list()}:
        return []
    table = mapped(ws, ws.datasets.latest(DEMO_DATASET), DEMO_JOURNEY).table
    keys = demo_experiments(ws.store, ws.name, table)
    return [f"experiments {', '.join(keys)}"] if keys else []
