"""The Settings page's privacy section (ui.privacy_view) in AppTest through a tiny script: an owner's toggle
saves the setting, a change made elsewhere in between is refused in words, and other roles only read it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import journeys
from journeys.usecases import privacy_settings as privacy
from tests.pagetest import use_home


def _section(role: str | None) -> None:
    """The section as the session's person (role None), or as Eve with ``role``."""
    from ui.frame import ws
    from ui.privacy_view import masking_section, masking_section_for

    if role is None:
        masking_section()
    else:
        from journeys.members import Role, User

        masking_section_for(ws().as_user(User("eve@example.com", "Eve"), Role(role)), "Eve")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = use_home(monkeypatch, tmp_path / "home")
    with journeys.open_workspace(folder):  # the workspace database, created as the app's first start does
        pass
    return folder


def _run(role: str | None = None) -> AppTest:
    at = AppTest.from_function(_section, args=(role,), default_timeout=60)
    at.session_state["author"] = "Sam"
    at.run()
    assert not at.exception, at.exception
    return at


def _masking(home: Path) -> tuple[bool, int, str | None]:
    with journeys.open_workspace(home) as ws:
        stored = privacy.current(ws)
    return stored.settings.mask_at_import, stored.version, stored.author


def test_an_owner_turns_masking_on_with_the_toggle(home: Path) -> None:
    at = _run()
    assert "It applies to imports from now on" in at.markdown[0].value
    assert "Never changed: off by default." in [c.value for c in at.caption]
    at.toggle(key="privacy_mask_0").set_value(True).run()
    assert not at.exception, at.exception
    assert _masking(home) == (True, 1, "Sam")
    assert "Masking at import is on" in "\n".join(i.value for i in at.info)
    assert at.toggle(key="privacy_mask_1").value is True
    assert any("Last changed by Sam" in c.value for c in at.caption)


def test_a_change_made_elsewhere_in_between_is_refused_in_words(home: Path) -> None:
    at = _run()
    with journeys.open_workspace(home) as ws:  # another owner, on their own laptop, turns it on and off again
        privacy.set_masking(ws, True, "Ana")
        privacy.set_masking(ws, False, "Ana")
    at.toggle(key="privacy_mask_0").set_value(True).run()
    assert _masking(home) == (False, 2, "Ana")
    assert any(e.value.startswith("Not changed:") and "Ana" in e.value for e in at.error)
    assert at.toggle(key="privacy_mask_2").value is False  # the setting as it is now


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_other_roles_read_the_setting_without_a_toggle(home: Path, role: str) -> None:
    with journeys.open_workspace(home) as ws:
        privacy.set_masking(ws, True, "Ana")
    at = _run(role)
    assert len(at.toggle) == 0
    assert any("Masking at import is **on**" in c.value and "Owners change it" in c.value for c in at.caption)
