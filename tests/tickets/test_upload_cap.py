"""Uploads: an explicit, configurable cap that reaches the widgets, and a chunked copy to disk (issue 12, point 9)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from journeys.files import COPY_CHUNK, TooLarge, copy_stream
from journeys.settings import DEFAULT_MAX_UPLOAD_MB, load_settings

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("JOURNEYS_HOME", str(tmp_path / "home"))
    for var in ("JOURNEYS_DATABASE_URL", "JOURNEYS_WORKSPACE", "JOURNEYS_MAX_UPLOAD_MB"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "home"


@pytest.mark.parametrize("value, expected", [(None, DEFAULT_MAX_UPLOAD_MB), ("300", 300), (" 5 ", 5),
                                             ("0", DEFAULT_MAX_UPLOAD_MB), ("lots", DEFAULT_MAX_UPLOAD_MB)])
def test_the_cap_is_read_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("JOURNEYS_MAX_UPLOAD_MB", raising=False)
    else:
        monkeypatch.setenv("JOURNEYS_MAX_UPLOAD_MB", value)
    assert load_settings().max_upload_mb == expected


@pytest.mark.parametrize("page, key", [("pages/import_tickets.py", "import_upload_0"),
                                       ("pages/discover.py", "disc_upload_0")])
def test_the_cap_reaches_the_uploader_widgets(home, monkeypatch, page, key):
    monkeypatch.setenv("JOURNEYS_MAX_UPLOAD_MB", "37")
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["author"] = "Tester"
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    (uploader,) = [u for u in at.get("file_uploader") if u.proto.id.endswith(key) or key in u.proto.id]
    assert uploader.proto.max_upload_size_mb == 37


def test_the_streamlit_config_matches_the_default_cap():
    import tomllib

    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == DEFAULT_MAX_UPLOAD_MB


class _Reads(io.BytesIO):
    """A BytesIO that remembers how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.asked.append(-1 if size is None else size)
        return super().read(size)


def test_the_copy_is_chunked_and_exact(tmp_path):
    data = bytes(range(256)) * ((3 * COPY_CHUNK) // 256 + 7)
    source = _Reads(data)
    assert copy_stream(source, tmp_path / "out.bin") == len(data)
    assert (tmp_path / "out.bin").read_bytes() == data
    assert source.asked and all(0 < n <= COPY_CHUNK for n in source.asked)  # never "read everything"


def test_the_copy_stops_at_the_cap_and_leaves_no_partial_file(tmp_path):
    source = _Reads(b"x" * (COPY_CHUNK * 4))
    with pytest.raises(TooLarge):
        copy_stream(source, tmp_path / "out.bin", limit=COPY_CHUNK + 10)
    assert not (tmp_path / "out.bin").exists()
    assert len(source.asked) <= 3  # it stopped as soon as the cap was passed


def test_an_upload_over_the_cap_is_refused_in_words_and_not_kept(home, monkeypatch):
    """The browser enforces the widget's cap; the copy to disk checks it again, whatever the client sent."""
    monkeypatch.setenv("JOURNEYS_MAX_UPLOAD_MB", "1")
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["author"] = "Tester"
    at.run()
    at.switch_page("pages/import_tickets.py")
    at.run()
    body = b"id,created_at,subject\n" + b"1,2024-03-04 09:00:00,hello\n" * 60_000  # ~1.7 MB
    at.file_uploader[0].set_value(("big.csv", body, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert any("upload limit of 1 MB" in e.value for e in at.error)
    assert not [p for p in (home / "uploads").rglob("*") if p.is_file()]
