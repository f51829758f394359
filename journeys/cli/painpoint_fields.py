"""Pain-point fields as a shell user types them, and as ``journeys painpoints`` prints them.

Parsing (a status typed ``in-experiment``, an effort of ``0,5``) and the printed shapes (a ranked row
rounded for a terminal, a score with its components for JSON) — kept apart from the commands so each
command reads as parse → call → print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journeys.cli.app import BadInput
from journeys.cli.printing import number
from journeys.errors import clip_echo

if TYPE_CHECKING:
    from journeys.painpoints import PainPoint, Status, StoredPainPoint
    from journeys.priorities import Ranking, Score

# Pain-point fields as the command line names them, so a validation message points at the option to fix.
PAIN_OPTIONS = {"title": "--title", "description": "--description", "owner": "--owner", "effort": "--effort",
                "delivery_link": "--link", "status": "--status", "tags": "--tag", "quotes": "--quote",
                "steps": "--step", "metric": "--metric", "journey": "--journey"}
TABLE_DIGITS = {"score": 2, "reach": 1, "impact": 2, "confidence": 2}


def status_of(value: str, option: str = "--status") -> Status:
    """A status from what a shell user types ("planned", "in-experiment", "wont_fix" …)."""
    from journeys.painpoints import Status

    said = " ".join(value.lower().replace("_", " ").replace("-", " ").split())
    said = {"wont fix": "won't fix", "won t fix": "won't fix"}.get(said, said)
    try:
        return Status(said)
    except ValueError:
        raise BadInput(f"{option}: unknown status {clip_echo(value)!r} (statuses: "
                       f"{', '.join(repr(s.value) for s in Status)})") from None


def effort_of(value: str | None) -> tuple[bool, float | None]:
    """(given, person-weeks) from --effort; "none" clears an estimate."""
    if value is None:
        return False, None
    if value.strip().lower() in ("", "none", "-"):
        return True, None
    try:
        return True, float(value.replace(",", "."))
    except ValueError:
        raise BadInput(f"--effort: {clip_echo(value)!r} is not a number of person-weeks "
                       "(e.g. 2 or 0.5; 'none' clears it)") from None


def valid_pain(data: dict[str, Any]) -> PainPoint:
    """A PainPoint from plain data; a bad field ends in one line naming the option to fix."""
    from journeys.errors import InvalidJourney
    from journeys.painpoints import parse_painpoint

    try:
        return parse_painpoint(data)
    except InvalidJourney as error:
        problems = [f"{PAIN_OPTIONS.get(str(p.path[0]), p.where) if p.path else p.where}: {p.reason}"
                    for p in error.problems]
        raise BadInput("the pain point is not valid: " + "; ".join(problems)) from None


def shown_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row rounded for reading in a terminal (JSON and CSV keep the full numbers)."""
    return {k: (f"{v:,.{TABLE_DIGITS[k]}f}" if k in TABLE_DIGITS and isinstance(v, int | float) else v)
            for k, v in row.items()}


def window_note(ranking: Ranking) -> str:
    """What the scores rest on: the dataset version, the window of tickets and the formula."""
    scored = next((s for s in ranking.scores if s.start is not None), None)
    if ranking.dataset is None:
        return "no ticket dataset yet: every score is 0 until tickets are imported"
    period = (f"{scored.start:%Y-%m-%d %H:%M} → {scored.end:%Y-%m-%d %H:%M}" if scored else "no tickets")
    return (f"dataset '{ranking.dataset}' version {ranking.dataset_version} · last {ranking.weights.window_days} "
            f"days of tickets ({period}) · {ranking.weights.formula()}")


def stored_dict(stored: StoredPainPoint) -> dict[str, Any]:
    """A stored pain point as JSON: its key and version, who saved it when, and its fields."""
    return {"key": stored.key, "version": stored.version, "updated_by": stored.updated_by,
            "updated_at": stored.updated_at.isoformat(timespec="seconds"), **stored.pain.model_dump(mode="json")}


def score_dict(score: Score, ranking: Ranking) -> dict[str, Any]:
    """A pain point's score now, with every component and what it rests on."""
    return {
        "rank": score.rank, "of": len(ranking.scores), "score": number(score.score), "value": number(score.value),
        "reach": number(score.reach), "impact": number(score.impact), "confidence": number(score.confidence),
        "effort": number(score.effort), "effort_estimated": score.effort_estimated, "metric": score.metric,
        "tickets": score.tickets, "sample": score.sample, "steady_weeks": score.steady_weeks, "weeks": score.weeks,
        "live": {step: number(v) for step, v in score.live.items()}, "baseline": number(score.baseline),
        "start": score.start.isoformat() if score.start else None,
        "end": score.end.isoformat() if score.end else None,
        "change": ranking.changes.get(score.key, ""), "dataset": ranking.dataset,
        "dataset_version": ranking.dataset_version, "formula": ranking.weights.formula(),
        "explain": score.explain() if score.start is not None else "no tickets on its steps in the window",
    }
