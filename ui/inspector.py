"""The step inspector under the board: edit a step, its transitions and its workshop notes.

Every button saves through :func:`ui.session.commit` from an ``on_click``
callback, so the edit is applied to the version the user was looking at and a
colleague's newer save is never overwritten.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from journeys import editing
from journeys.editing import Edit
from journeys.errors import JourneysError
from journeys.model import (
    CHANNELS,
    EMOTION_MAX,
    EMOTION_MIN,
    HandledBy,
    Journey,
    Note,
    NoteKind,
    StepKind,
    TransitionKind,
)
from journeys.painpoints import PainPoint, PainPoints, Source
from ui.frame import store, workspace
from ui.session import PROBLEMS, commit, seen
from ui.text import plain

SAME = "same as the step"
EMOTION_FACES = {-2: "−2 very negative", -1: "−1 negative", 0: "0 neutral", 1: "+1 positive", 2: "+2 very positive"}
NOTE_ICONS = {"pain": ":material/local_fire_department:", "idea": ":material/lightbulb:",
              "question": ":material/help:", "quote": ":material/format_quote:"}


def _options(current: str, known: list[str]) -> list[str]:
    return known if current in known or not current else [*known, current]


def _save_step(name: str, step_id: str) -> None:
    k = f"insp_{step_id}_"
    emotion = st.session_state[k + "emotion"]
    changes = {
        "label": st.session_state[k + "label"], "stage": st.session_state[k + "stage"],
        "lane": st.session_state[k + "lane"], "channel": st.session_state[k + "channel"] or "",
        "emotion": None if emotion == "not set" else int(emotion), "kind": st.session_state[k + "kind"],
        "handled_by": st.session_state[k + "handled_by"], "owner": st.session_state[k + "owner"],
        "description": st.session_state[k + "description"],
        "persona_emotions": {persona: int(st.session_state[k + f"persona_{i}"])
                             for i, persona in enumerate(seen(name)[1].personas)
                             if st.session_state.get(k + f"persona_{i}", SAME) != SAME},
    }
    _, seen_journey = seen(name)
    before = seen_journey.step(step_id).model_dump(mode="json")
    # Only the fields this person changed, so applying the edit on top of a colleague's newer
    # version keeps their changes to the other fields.
    changed = {f: v for f, v in changes.items() if before.get(f) != v}
    if not changed:
        st.session_state["last_saved"] = "Nothing to save: the step is unchanged"
        return
    label = changes["label"] or step_id
    commit(name, Edit(f"Edited step '{label}'", partial(editing.update_step, step_id=step_id, **changed)))


def _delete_step(name: str, step_id: str, label: str) -> None:
    if commit(name, Edit(f"Deleted step '{label}'", partial(editing.delete_step, step_id=step_id))):
        st.session_state["selected_step"] = None
        st.session_state["last_saved"] += " — undo it from History"


def _label(name: str, step_id: str) -> str:
    """A step's label for a message (its id only if the step is gone from the version being edited)."""
    journey = seen(name)[1]
    return journey.step(step_id).label if step_id in journey.step_ids() else step_id


def _add_transition(name: str, step_id: str) -> None:
    k = f"insp_{step_id}_new_"
    target = st.session_state[k + "target"]
    share = st.session_state[k + "share"]
    commit(name, Edit(f"Connected '{_label(name, step_id)}' to '{_label(name, target)}'", partial(
        editing.add_transition, source=step_id, target=target,
        share=None if share is None else share / 100, kind=st.session_state[k + "kind"])))


def _delete_transition(name: str, source: str, target: str) -> None:
    commit(name, Edit(f"Removed transition '{_label(name, source)}' → '{_label(name, target)}'",
                      partial(editing.delete_transition, source=source, target=target)))


def _add_note(name: str, step_id: str, who: str) -> None:
    k = f"insp_{step_id}_note_"
    text = st.session_state[k + "text"].strip()
    if text and commit(name, Edit(f"Added a {st.session_state[k + 'kind']} note to '{_label(name, step_id)}'", partial(
            editing.add_note, step_id=step_id, kind=st.session_state[k + "kind"], text=text, author=who))):
        st.session_state[k + "text"] = ""


def _delete_note(name: str, index: int) -> None:
    commit(name, Edit("Deleted a note", partial(editing.delete_note, index=index)))


def _note_title(text: str, limit: int = 90) -> str:
    """A pain point title from a note: its first line, cut at a word near ``limit`` characters."""
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else "Pain from a workshop note"
    return line if len(line) <= limit else line[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _note_pain_points(name: str, step_id: str) -> dict[str, str]:
    """Pain points already made from this step's notes: note text → key (so the button becomes a link)."""
    return {p.pain.description.split("\n\n")[0]: p.key for p in PainPoints(store()).list(workspace())
            if p.pain.source == Source.note and p.pain.journey == name and step_id in p.pain.steps}


def _make_pain_point(name: str, note: Note, who: str) -> None:
    """A pain point from a workshop pain note: its words as title and description, on the note's step."""
    if not who:
        st.session_state[PROBLEMS] = ("Tell us your name in the sidebar first: it is recorded on every save.", [])
        return
    when = f"{note.created_at:%d %b %Y}"
    pain = PainPoint(title=_note_title(note.text), journey=name, steps=[note.step], source=Source.note,
                     description=f"{note.text.strip()}\n\nFrom a workshop note by {note.author or 'anonymous'} "
                                 f"on {when}.")
    try:
        key = PainPoints(store()).create(workspace(), pain, who, "Made from a workshop note")
    except JourneysError as error:
        st.session_state[PROBLEMS] = (f"Not made into a pain point: {error.message}", [])
        return
    st.session_state["last_saved"] = f"Made pain point {key} from the note"


def render(name: str, journey: Journey, step_id: str, who: str) -> None:
    """The inspector of one step: its fields on the left, transitions, notes and delete on the right."""
    step = journey.step(step_id)
    k = f"insp_{step_id}_"
    st.subheader(plain(step.label))
    st.caption(f"{plain(step.id)} · {plain(step.stage)} · {plain(step.lane)} lane")
    fields, links = st.columns([1.1, 1], gap="large")
    with fields:
        _form(journey, step_id, name)
    with links:
        _transitions(name, journey, step_id)
        _notes(name, journey, step_id, who)
        with st.popover("Delete step", icon=":material/delete:", width="stretch"):
            st.write(f"Delete **{plain(step.label)}** with its transitions and notes? You can restore it from "
                     "History.")
            st.button("Yes, delete it", key=k + "delete", type="primary", on_click=_delete_step,
                      args=(name, step_id, step.label))


def _form(journey: Journey, step_id: str, name: str) -> None:
    step = journey.step(step_id)
    k = f"insp_{step_id}_"
    with st.form(key=k + "form", border=False):
        st.text_input("Label", value=step.label, key=k + "label")
        a, b = st.columns(2)
        a.selectbox("Stage", journey.stages, index=journey.stages.index(step.stage), key=k + "stage")
        b.selectbox("Lane", journey.lanes, index=journey.lanes.index(step.lane), key=k + "lane")
        channels = _options(step.channel, CHANNELS)
        a.selectbox("Channel", channels, index=channels.index(step.channel) if step.channel else None,
                    key=k + "channel", placeholder="none", accept_new_options=True)
        b.selectbox("Kind", [x.value for x in StepKind], index=list(StepKind).index(step.kind), key=k + "kind")
        st.select_slider("Emotion", options=["not set", *range(EMOTION_MIN, EMOTION_MAX + 1)],
                         value="not set" if step.emotion is None else step.emotion, key=k + "emotion",
                         format_func=lambda v: EMOTION_FACES.get(v, "not set"))
        if journey.personas:
            with st.expander("Emotion per persona", expanded=bool(step.persona_emotions)):
                for i, persona in enumerate(journey.personas):
                    st.select_slider(plain(persona), options=[SAME, *range(EMOTION_MIN, EMOTION_MAX + 1)],
                                     value=step.persona_emotions.get(persona, SAME), key=k + f"persona_{i}",
                                     format_func=lambda v: EMOTION_FACES.get(v, SAME))
        a.selectbox("Handled by", [x.value for x in HandledBy], index=list(HandledBy).index(step.handled_by),
                    key=k + "handled_by")
        b.text_input("Owner", value=step.owner, key=k + "owner")
        st.text_area("Description", value=step.description, key=k + "description", height=68)
        st.form_submit_button("Save step", type="primary", on_click=_save_step, args=(name, step_id),
                              width="stretch")


def _transitions(name: str, journey: Journey, step_id: str) -> None:
    k = f"insp_{step_id}_new_"
    outgoing = [t for t in journey.transitions if t.source == step_id]
    with st.expander(f"Leads to ({len(outgoing)})", expanded=bool(outgoing)):
        for t in outgoing:
            left, right = st.columns([5, 1], vertical_alignment="center")
            share = "share not set" if t.share is None else f"{t.share:.0%}"
            left.markdown(f"→ **{plain(journey.step(t.target).label)}** · {share} · {plain(t.kind)}")
            with right.popover("", icon=":material/close:", help="Remove this transition"):
                st.button("Remove this transition", key=f"deltr_{t.source}_{t.target}", type="primary",
                          on_click=_delete_transition, args=(name, t.source, t.target))
        others = [s.id for s in journey.steps if s.id not in {t.target for t in outgoing}]
        labels = {s.id: s.label for s in journey.steps}
        with st.form(key=k + "form", border=False):
            st.selectbox("Connect to", others, key=k + "target", format_func=lambda i: labels[i])
            a, b = st.columns(2)
            a.number_input("Expected share %", min_value=0, max_value=100, value=None, key=k + "share")
            b.selectbox("Kind", [x.value for x in TransitionKind], key=k + "kind")
            st.form_submit_button("Add transition", on_click=_add_transition, args=(name, step_id), width="stretch")


def _notes(name: str, journey: Journey, step_id: str, who: str) -> None:
    k = f"insp_{step_id}_note_"
    notes = [(i, n) for i, n in enumerate(journey.notes) if n.step == step_id]
    made = _note_pain_points(name, step_id) if any(n.kind == NoteKind.pain for _, n in notes) else {}
    with st.expander(f"Workshop notes ({len(notes)})", expanded=bool(notes)):
        for i, n in notes:
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(f"{NOTE_ICONS[n.kind]} {plain(n.text)}")
            left.caption(f"{plain(n.author or 'anonymous')} · {n.created_at:%d %b %Y %H:%M}")
            if n.kind == NoteKind.pain:
                key = made.get(n.text.strip())
                if key:
                    left.page_link("pages/priorities.py", label=f"Pain point {plain(key)}",
                                   query_params={"painpoint": key},
                                   icon=":material/format_list_numbered:")
                else:
                    left.button("Make a pain point", key=f"note_pp_{i}", icon=":material/add_task:", type="tertiary",
                                on_click=_make_pain_point, args=(name, n, who),
                                help="Write this note up as a pain point on this step, to rank it on Priorities.")
            with right.popover("", icon=":material/close:", help="Delete this note"):
                st.button("Delete this note", key=f"delnote_{i}", type="primary", on_click=_delete_note,
                          args=(name, i))
        with st.form(key=k + "form", border=False):
            st.segmented_control("Type", [x.value for x in NoteKind], default="pain", key=k + "kind",
                                 format_func=lambda v: f"{NOTE_ICONS[v]} {v}")
            st.text_area("Note", key=k + "text", height=68, placeholder="What did the room say about this step?")
            st.form_submit_button("Add note", on_click=_add_note, args=(name, step_id, who), width="stretch")
