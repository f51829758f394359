"""Step suggestions: a generated journey and topics whose right step is known, by meaning and by rule hits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeys.model import Journey, Step
from journeys.topics import embedding, languages, step_match
from journeys.topics.topic_set import Topic

STEPS = {"reset": "Resets the password", "refund": "Asks for a refund of a payment",
         "delivery": "Tracks a late delivery", "crash": "Reports that the app crashes"}
TICKETS = {"reset": ["I can't reset my password", "Password reset email never arrived", "Forgot my password"],
           "refund": ["I want my money back", "Please refund the double charge", "Refund not received yet"],
           "delivery": ["My parcel has not arrived", "Where is my package", "Delivery is late again"],
           "crash": ["The app crashes on startup", "Application freezes and closes", "App keeps crashing"]}


def journey() -> Journey:
    return Journey(name="J", stages=["S"], steps=[Step(id=k, label=v, stage="S") for k, v in STEPS.items()])


def topics() -> tuple[list[Topic], dict[str, np.ndarray]]:
    found, centres = [], {}
    for i, (theme, texts) in enumerate(TICKETS.items(), start=1):
        found.append(Topic(id=f"T{i}", label=theme, size=100, method=languages.EMBEDDING_METHOD))
        centres[f"T{i}"] = embedding.unit(embedding.embed(texts).mean(axis=0, keepdims=True))[0]
    return found, centres


def test_each_topic_is_suggested_its_own_step_first_by_meaning():
    found, centres = topics()
    no_hits = pd.DataFrame(columns=["topic", "journey_step", "tickets"])
    suggested = step_match.suggest(journey(), found, centres, no_hits)
    first = suggested[suggested["rank"] == 1].set_index("topic")["step"].to_dict()
    assert first == {f"T{i}": theme for i, theme in enumerate(TICKETS, start=1)}
    assert suggested.groupby("topic").size().eq(3).all()
    assert (suggested["rule_share"] == 0).all() and suggested["reason"].str.startswith("by meaning").all()


def test_rule_hits_move_a_topic_to_the_step_its_tickets_are_on():
    found, centres = topics()
    # the rules put 90 % of the delivery topic's tickets on "refund" (and the rest on no step)
    hits = pd.DataFrame({"topic": ["T3", "T3"], "journey_step": ["refund", None], "tickets": [90, 10]})
    suggested = step_match.suggest(journey(), found, centres, hits)
    t3 = suggested[suggested["topic"] == "T3"].set_index("rank")
    assert t3.loc[1, "step"] == "refund" and t3.loc[1, "rule_share"] == 0.9
    assert "90% of its tickets already on this step by rules" in t3.loc[1, "reason"]
    meaning_only = step_match.suggest(journey(), found, centres, hits.iloc[0:0])
    assert meaning_only[(meaning_only["topic"] == "T3") & (meaning_only["rank"] == 1)]["step"].item() == "delivery"


def test_an_ngram_topic_is_read_by_its_label_and_example():
    other = Topic(id="T9", label="passwort · zurücksetzen", example_text="Reset password please", size=10,
                  method=languages.NGRAM_METHOD, language="de")
    suggested = step_match.suggest(journey(), [other], {"T9": np.ones(128)}, pd.DataFrame(
        columns=["topic", "journey_step", "tickets"]))
    assert suggested.iloc[0]["step"] == "reset"
