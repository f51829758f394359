"""Activity → step maps: proposed by name, edited as a plain dict, saved as a versioned document.

An event log names what happened in its own words ("Password reset", "ticket_created"); a journey
names its steps ("reset-password", "Resets password"). A map says which step each activity is, or
``None`` for an activity that is no step of this journey. Several activities may share a step.

The proposal compares each activity with every step's id and label after normalising both
(accents, case, ``camelCase``/``snake_case``/``kebab-case`` split into words, a few filler words
and plural endings dropped) and scores them with :class:`difflib.SequenceMatcher` (the standard
library's; rapidfuzz is not installed here) on the sorted words and on the shared words, the way
"token sort" and "token set" ratios work. The best step wins when it scores at least ``cutoff``.

Saved maps are documents of kind ``activity_map`` keyed by the log and the journey
(:mod:`journeys.store.documents`): every save is a new version, and a save based on an old
version is refused with who saved since.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache

from journeys.errors import InvalidJourney, Problem
from journeys.model import Journey
from journeys.store import Store
from journeys.store.documents import KEY_LENGTH

KIND = "activity_map"
DEFAULT_CUTOFF = 0.6
_FILLER = frozenset({"the", "a", "an", "to", "of", "by", "is", "in", "on", "for", "and", "at", "with", "from"})

ActivityMap = dict[str, str | None]


@lru_cache(maxsize=4096)
def words(text: str) -> tuple[str, ...]:
    """The words a name is made of, normalised for matching ("resetPassword" → ("reset", "password"))."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", ascii_text)
    out = []
    for w in re.split(r"[^a-z0-9]+", ascii_text.lower()):
        if not w or w in _FILLER:
            continue
        if w.endswith(("ches", "shes", "xes", "sses")):
            w = w[:-2]
        elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
            w = w[:-1]
        out.append(w)
    return tuple(out)


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a or b else 0.0


def similarity(a: str, b: str) -> float:
    """0–1: how alike two names are, by their sorted words and by the words they share."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    if sorted(wa) == sorted(wb):
        return 1.0
    by_sort = _ratio(" ".join(sorted(wa)), " ".join(sorted(wb)))
    common = sorted(set(wa) & set(wb))
    t0 = " ".join(common)
    t1 = " ".join([*common, *sorted(set(wa) - set(common))]).strip()
    t2 = " ".join([*common, *sorted(set(wb) - set(common))]).strip()
    by_set = max(_ratio(t0, t1), _ratio(t0, t2), _ratio(t1, t2)) if common else _ratio(t1, t2)
    return (by_sort + by_set) / 2


def match_scores(activity: str, journey: Journey, limit: int = 5) -> list[tuple[str, float]]:
    """The ``limit`` steps most like ``activity`` with their scores (best first), for a picker's order."""
    scored = [(s.id, max(similarity(activity, s.id), similarity(activity, s.label))) for s in journey.steps]
    order = {s: i for i, s in enumerate(journey.step_ids())}
    scored.sort(key=lambda kv: (-kv[1], order[kv[0]]))
    return scored[:limit]


def propose_activity_map(activities: Iterable[str], journey: Journey,
                         cutoff: float = DEFAULT_CUTOFF) -> ActivityMap:
    """Each activity's most similar step (id or label), or None when no step scores ``cutoff`` or more."""
    proposal: ActivityMap = {}
    for activity in activities:
        best = match_scores(activity, journey, limit=1)
        proposal[activity] = best[0][0] if best and best[0][1] >= cutoff else None
    return proposal


def check_activity_map(mapping: Mapping[str, str | None], journey: Journey) -> list[Problem]:
    """Steps the map names that the journey does not have (each with the activity naming it)."""
    steps = set(journey.step_ids())
    problems = []
    for activity, step in mapping.items():
        if not isinstance(activity, str) or not activity:
            problems.append(Problem("activity", f"activity names must be non-empty text, not {activity!r}"))
        elif step is not None and step not in steps:
            problems.append(Problem(f"activity '{activity}'", f"step '{step}' is not a step of '{journey.name}'"))
    return problems


def activity_map_key(log_name: str, journey_name: str) -> str:
    """The document key of a map: the log and journey names (hashed when too long for a key)."""
    key = json.dumps([log_name.strip(), journey_name.strip()], ensure_ascii=False)
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SavedActivityMap:
    """A saved map with the version to save the next edit on top of."""

    mapping: ActivityMap
    version: int
    author: str
    saved_at: datetime
    log: str
    journey: str


def save_activity_map(store: Store, workspace: str, log_name: str, journey_name: str,
                      mapping: Mapping[str, str | None], author: str, *, journey: Journey | None = None,
                      expected_version: int = 0, message: str = "") -> int:
    """Save ``mapping`` as the version after ``expected_version`` (0: first save); returns the new version.

    Checked against the journey (``journey``, else the stored one by name): a step it lacks is refused
    with every problem listed. A stale save raises :class:`~journeys.errors.StaleWrite`.
    """
    journey = journey or store.load(workspace, journey_name).journey
    problems = check_activity_map(mapping, journey)
    if problems:
        raise InvalidJourney("The activity map does not fit the journey", problems)
    body = {"log": log_name.strip(), "journey": journey_name.strip(),
            "mapping": [[a, s] for a, s in mapping.items()]}
    return store.documents.save(workspace, KIND, activity_map_key(log_name, journey_name), body, author,
                                     message=message or "Saved activity map", expected_version=expected_version,
                                     label=f"activity map of '{log_name}' on '{journey_name}'")


def load_activity_map(store: Store, workspace: str, log_name: str, journey_name: str,
                      version: int | None = None) -> SavedActivityMap | None:
    """The saved map (its newest version, or ``version``), or None when none was saved."""
    docs = store.documents
    key = activity_map_key(log_name, journey_name)
    doc = docs.get(workspace, KIND, key) if version is None else docs.revision(workspace, KIND, key, version)
    if doc is None:
        return None
    mapping: ActivityMap = {str(a): (None if s is None else str(s)) for a, s in doc.body.get("mapping", [])}
    return SavedActivityMap(mapping, doc.version, doc.author, doc.created_at, doc.body.get("log", log_name),
                            doc.body.get("journey", journey_name))
