"""Journey map: the board (cards on the stage × lane grid, emotion band under it), its checks and the inspector.

The board takes the page's full width; checks and freshness sit above it, the step inspector opens
below it when a card is clicked. **Present** (a toggle, or the ``?present=1`` deep link) shows
only the board, larger, for a projector: no sidebar, no editing chrome.
"""

from ui.frame import ensure_frame

ensure_frame()

import streamlit as st  # noqa: E402

from ui import cached, freshness_view, inspector, journey_admin, session, table_editor  # noqa: E402
from ui.dot_vote_view import voting  # noqa: E402
from ui.frame import author  # noqa: E402
from ui.text import plain  # noqa: E402
from ui.workshop_view import live  # noqa: E402

# Present mode: the sidebar and Streamlit's header out of the way, the page's padding down to a sliver.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"]
{ display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.75rem 1.25rem 0.5rem 1.25rem !important; max-width: 100% !important; }
</style>"""

if "map_present" not in st.session_state:
    st.session_state["map_present"] = st.query_params.get("present") == "1"
present = bool(st.session_state["map_present"])
if present != (st.query_params.get("present") == "1"):
    if present:
        st.query_params["present"] = "1"
    else:
        del st.query_params["present"]


def _board(name: str, journey, version: int, color_by: str, highlight: set[str], selected: str | None) -> None:
    key = cached.journey_key(name, version)
    if present:
        st.vega_lite_chart(cached.map_spec(key, journey, color_by, tuple(sorted(highlight)), None, present=True),
                           key="map_present_chart", width="stretch")
        return
    spec = cached.map_spec(key, journey, color_by, tuple(sorted(highlight)), selected)
    # "step_zoom" too, so a click does not reset the zoom (Streamlit redraws the chart on new data).
    st.vega_lite_chart(spec, on_select="rerun", selection_mode=["step", "step_zoom"], key="map_chart",
                       width="stretch")
    st.caption("Under the board: the emotion along the most likely path"
               + ("; dashed, the personas who feel differently somewhere on it (hover a line for who)."
                  if journey.personas else "."))


if present:
    st.html(PRESENT_CSS)
    names = session.journey_names()
    name = next((n for n in (st.query_params.get("journey"), st.session_state.get("journey_pick")) if n in names),
                names[0] if names else None)
    if name is None:
        st.session_state["map_present"] = False
        st.rerun()
    loaded = session.load(name)
    head, leave = st.columns([6, 1], vertical_alignment="center")
    head.markdown(f"#### {plain(loaded.journey.name)}")
    leave.toggle("Present", key="map_present", help="Leave Present to edit the map")
    live(name, loaded.version, loaded.journey, editing=False)  # who is here; a colleague's save redraws
    _board(name, loaded.journey, loaded.version, st.session_state.get("map_color") or "channel", set(), None)
    st.stop()

st.title("Journey map")
session.show_save_status()

pick, new, derive, export = st.columns([2.4, 1.3, 1.75, 1.1], vertical_alignment="bottom")
with pick:
    name = session.pick_journey()
with new:
    journey_admin.new_journey_menu()
if not name:
    st.info("No journeys yet: start one with **New journey** (from a template, blank, or a file).")
    st.stop()

loaded = session.load(name)
journey = loaded.journey
checks = cached.checks(cached.journey_key(name, loaded.version), journey)
st.caption(f"{'Future' if journey.state == 'future' else 'Current'}-state journey · version {loaded.version} "
           f"saved by {plain(loaded.saved_by)} on {loaded.saved_at:%d %b %Y %H:%M} UTC · {len(journey.steps)} steps · "
           f"{len(journey.transitions)} transitions"
           + (f" · derived from **{plain(journey.derived_from)}**" if journey.derived_from else ""))

view_col, colour_col, present_col = st.columns([2, 2, 1], vertical_alignment="center")
with view_col:
    view = st.segmented_control("View", ["Map", "Table editor"], default="Map", key="map_view",
                                label_visibility="collapsed")
color_by = st.session_state.get("map_color") or "channel"
with derive:
    journey_admin.derive_menu(journey)
with export:
    journey_admin.export_menu(journey, color_by)
if view == "Table editor":
    live(name, loaded.version, journey, follow=False)  # who is here; a colleague's save offered, not redrawn
    table_editor.render(name, journey)
    st.stop()
with colour_col:
    st.segmented_control("Colour by", ["channel", "emotion"], default="channel", key="map_color",
                         label_visibility="collapsed", help="Colour of the cards' strip")
with present_col:
    st.toggle("Present", key="map_present", help="The board alone, larger, for a projector (link: ?present=1)")

# The selected step: a click on the map, a finding, or a ?step= deep link.
wanted = st.query_params.get("step")
if wanted in journey.step_ids() and st.session_state.get("step_link") != wanted:
    st.session_state["selected_step"] = wanted
    st.session_state["step_link"] = wanted
event = st.session_state.get("map_chart")
clicked = (event or {}).get("selection", {}).get("step") or []
clicked_id = clicked[0].get("id") if clicked else None
if clicked_id and clicked_id != st.session_state.get("last_click"):
    st.session_state["selected_step"] = clicked_id
st.session_state["last_click"] = clicked_id
selected = st.session_state.get("selected_step")
if selected not in journey.step_ids():
    selected = None
if selected and st.query_params.get("step") != selected:
    st.query_params["step"] = selected
    st.session_state["step_link"] = selected
live(name, loaded.version, journey)  # who is here, on which step; a colleague's save redraws the map

checks_col, fresh_col = st.columns(2)
with checks_col:
    freshness_view.checks_panel(checks)
with fresh_col:
    chosen = freshness_view.render(name, journey, freshness_view.stale_steps(name, journey, loaded))
    if chosen:
        st.session_state["selected_step"] = chosen
        st.rerun()

_board(name, journey, loaded.version, color_by, checks.highlighted(st.session_state.get(freshness_view.FOCUS)),
       selected)

if selected:
    with st.container(border=True):
        inspector.render(name, journey, selected, author())
else:
    st.info("Click a step on the map to inspect and edit it here.", icon=":material/touch_app:")
with st.expander("Add a step", icon=":material/add:"):
    table_editor.add_step_form(name, journey)
voting(name, journey, loaded.version)
