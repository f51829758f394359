"""The journeys JSON file format (``.json``), version 1.

This is the lossless interchange format: every field of a journey survives an
export and re-import exactly. A file looks like this::

    {
      "schema_version": 1,
      "journey": {
        "name": "Get help with billing",
        "state": "current",
        "derived_from": null,
        "description": "",
        "stages": ["Discover", "Get help"],
        "lanes": ["customer", "frontstage", "backstage", "system"],
        "personas": ["Small-business owner"],
        "entry": "search-help",
        "steps": [
          {"id": "search-help", "label": "Search help centre", "stage": "Get help",
           "lane": "customer", "channel": "web", "emotion": 0, "owner": "",
           "description": "", "kind": "touchpoint", "handled_by": "customer"},
          {"id": "chat-bot", "label": "Chat with bot", "stage": "Get help",
           "lane": "frontstage", "channel": "chat", "emotion": -1, "owner": "CS ops",
           "description": "", "kind": "outcome", "handled_by": "bot"}
        ],
        "transitions": [
          {"source": "search-help", "target": "chat-bot", "share": 0.4, "kind": "normal", "label": ""}
        ],
        "notes": [
          {"step": "search-help", "kind": "pain", "text": "Articles are out of date",
           "author": "Ana", "created_at": "2026-03-01T09:30:00Z"}
        ]
      }
    }

Top level
    ``schema_version`` (integer, required): the version of this format, ``1``.
    A file with a higher number was written by a newer journeys and is refused
    with a message saying so, rather than half-read. ``journey`` (object,
    required): the journey below. Other top-level keys are refused (misspelt?).

    A *bare* journey object (the ``journey`` object alone, without the envelope)
    is also accepted, because people paste journeys from notebooks and API
    responses; it is read as version 1.

Journey (``journey``)
    ``name`` string, 1–120 characters, required.
    ``state`` ``"current"`` | ``"future"`` (default ``"current"``).
    ``derived_from`` string or null: name of the current-state journey a
    future-state one was derived from.
    ``description`` string (default ``""``).
    ``stages`` list of distinct strings, at least one, in display order
    (default ``Discover, Sign up, Onboard, Use, Get help, Renew``).
    ``lanes`` list of distinct strings, at least one, top to bottom
    (default ``customer, frontstage, backstage, system``).
    ``personas`` list of strings (default empty).
    ``entry`` step id or null: where customers enter; null means "the first
    step no transition leads into".
    ``steps``, ``transitions``, ``notes``: lists of the objects below.

Step
    ``id`` 1–80 characters of letters, digits, ``-``, ``_``, ``.``, starting
    with a letter or digit; unique in the journey. ``label`` 1–200 characters.
    ``stage`` one of the journey's stages. ``lane`` one of its lanes (default
    ``"customer"``). ``channel`` free text, usually one of web, app, email,
    chat, bot, phone, store, community, social, sms (default ``""``).
    ``emotion`` integer −2…+2 or null (not assessed). ``owner``,
    ``description`` strings. ``kind`` ``"touchpoint"`` | ``"decision"`` |
    ``"outcome"``. ``handled_by`` ``"customer"`` | ``"bot"`` | ``"human"`` |
    ``"system"``. ``actors`` list of strings (default empty): who takes part,
    as a Mermaid journey task lists its actors (kept so a diagram round-trips).

Transition
    ``source``, ``target`` step ids (a self-loop is allowed; a pair at most
    once). ``share`` number 0…1 or null: the expected share of customers at
    the source who take it. ``kind`` ``"normal"`` | ``"escalation"`` |
    ``"fallback"`` | ``"retry"``. ``label`` string.

Note
    ``step`` step id. ``kind`` ``"pain"`` | ``"idea"`` | ``"question"`` |
    ``"quote"``. ``text`` 1–2000 characters. ``author`` string.
    ``created_at`` ISO 8601 date-time (a missing one becomes the import time).

Encoding: UTF-8 (a BOM is accepted; other encodings are detected). Numbers
``NaN``/``Infinity`` are not JSON and are refused; so is a key given twice in
one object (JSON parsers silently keep the last one, which hides typos).
"""

from __future__ import annotations

import json
from typing import Any

from journeys.errors import InvalidJourney, Problem
from journeys.interop._text import decode, schema_version_problems
from journeys.model import Journey, parse_journey

SCHEMA_VERSION = 1
_WHAT = "JSON"
_FAILED = "The JSON file could not be imported"


def export_json(journey: Journey) -> str:
    """The journey as a version-1 JSON document (pretty-printed, UTF-8 text)."""
    document = {"schema_version": SCHEMA_VERSION, "journey": journey.model_dump(mode="json")}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _load(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InvalidJourney(_FAILED, [Problem(f"line {error.lineno}", f"{error.msg} (column {error.colno})")]) \
            from None
    except _DuplicateKey as error:
        raise InvalidJourney(_FAILED, [Problem(str(error), "this key appears twice in one object")]) from None
    except RecursionError:
        raise InvalidJourney(_FAILED, [Problem("file", "the JSON is nested too deeply")]) from None
    except ValueError as error:  # NaN/Infinity, or an integer too long to convert
        constant = str(error) in ("NaN", "Infinity", "-Infinity")
        reason = f"{error} is not a JSON number; use null or a number" if constant else f"unreadable value: {error}"
        raise InvalidJourney(_FAILED, [Problem("file", reason)]) from None


def _schema_problems(document: dict[str, Any]) -> list[Problem]:
    """Envelope problems; raises at once for a newer version (its journey would only add noise)."""
    problems = []
    if "schema_version" not in document:
        problems.append(Problem("schema_version", f"is required (the format version, {SCHEMA_VERSION})"))
    else:
        problems += schema_version_problems(document["schema_version"], "schema_version", SCHEMA_VERSION, _FAILED)
    if "journey" not in document:
        problems.append(Problem("journey", "is required (the journey object)"))
    elif not isinstance(document["journey"], dict):
        problems.append(Problem("journey", "must be an object with named fields"))
    for key in document:
        if key not in ("schema_version", "journey"):
            problems.append(Problem(key, "is not a field of the journeys file format (misspelt?)"))
    return problems


def import_json(data: str | bytes) -> Journey:
    """Read a journeys JSON file (or a bare journey object); InvalidJourney lists every problem."""
    document = _load(decode(data, _WHAT))
    if not isinstance(document, dict):
        raise InvalidJourney(_FAILED, [Problem("file", f"expected a JSON object {{...}}, got a "
                                                       f"{type(document).__name__.replace('dict', 'object')}")])
    if "journey" in document or "schema_version" in document:
        problems = _schema_problems(document)
        body = document.get("journey")
    else:
        problems, body = [], document  # a bare journey object
    if isinstance(body, dict):
        try:
            journey = parse_journey(body)
        except InvalidJourney as error:
            problems.extend(error.problems or [Problem("journey", error.message)])
        else:
            if not problems:
                return journey
    raise InvalidJourney(_FAILED, problems)
