"""JSON interop: lossless round trip, the documented envelope, and every kind of bad file."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from journeys.errors import InvalidJourney, JourneysError
from journeys.interop import (
    FORMATS,
    MAX_BYTES,
    UnknownFormat,
    export_journey,
    guess_format,
    import_journey,
    json_format,
)
from journeys.model import Journey, Step, Transition
from tests.strategies import examples, journeys

FAST = examples(150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _journey() -> Journey:
    return Journey(
        name="Get help with billing",
        stages=["Discover", "Get help"],
        steps=[
            Step(id="search", label="Search help centre", stage="Get help", emotion=0, channel="web"),
            Step(id="bot", label="Chat with <b>bot</b><script>alert(1)</script>", stage="Get help", emotion=-1),
        ],
        transitions=[Transition(source="search", target="bot", share=0.4)],
    )


def _problems(error: pytest.ExceptionInfo[InvalidJourney]) -> list[tuple[str, str]]:
    return [(p.where, p.reason) for p in error.value.problems]


def _import(data: str | bytes) -> Journey:
    return import_journey(data, "json")


# ---------------------------------------------------------------- round trip

@FAST
@given(journeys())
def test_round_trip_is_lossless(journey: Journey) -> None:
    text = export_journey(journey, "json")
    assert _import(text) == journey
    assert _import(text.encode("utf-8")) == journey


@examples(30, deadline=None)
@given(journeys(max_steps=4), st.sampled_from(["utf-8-sig", "utf-16", "utf-32"]))
def test_round_trip_through_bytes_in_other_unicode_encodings(journey: Journey, encoding: str) -> None:
    assert _import(export_journey(journey, "json").encode(encoding)) == journey


def test_export_is_the_documented_envelope() -> None:
    journey = _journey()
    document = json.loads(export_journey(journey, "json"))
    assert list(document) == ["schema_version", "journey"]
    assert document["schema_version"] == 1
    assert document["journey"] == journey.model_dump(mode="json")


def test_the_documented_example_imports() -> None:
    doc = json_format.__doc__ or ""
    example = textwrap.dedent(doc.split("A file looks like this::", 1)[1].split("Top level", 1)[0])
    journey = _import(example)
    assert journey.name == "Get help with billing"
    assert [s.id for s in journey.steps] == ["search-help", "chat-bot"]
    assert journey.notes[0].created_at.year == 2026


def test_a_bare_journey_object_is_accepted() -> None:
    journey = _journey()
    assert _import(json.dumps(journey.model_dump(mode="json"))) == journey


def test_html_and_script_in_labels_are_kept_as_text() -> None:
    journey = _import(export_journey(_journey(), "json"))
    assert journey.step("bot").label == "Chat with <b>bot</b><script>alert(1)</script>"


def test_legacy_encodings_are_detected() -> None:
    # Detection is a guess; é is the same byte in every Latin code page, so any sane guess keeps it.
    text = export_journey(_journey().model_copy(update={"name": "Réclamation été café"}), "json")
    assert _import(text.encode("cp1252")).name == "Réclamation été café"


# ---------------------------------------------------------------- format guessing and the API

@pytest.mark.parametrize("filename", ["j.json", "J.JSON", "export.json"])
def test_json_is_guessed_from_the_extension(filename: str) -> None:
    assert guess_format(filename, "whatever") == "json"


@pytest.mark.parametrize("filename", [None, "journey.txt", "noext"])
def test_json_is_sniffed_from_the_content(filename: str | None) -> None:
    text = "\ufeff  \n" + export_journey(_journey(), "json")
    assert guess_format(filename, text) == "json"
    assert import_journey(text, filename=filename) == _journey()
    assert import_journey(text.encode(), filename=filename) == _journey()


def test_unknown_content_cannot_be_guessed() -> None:
    with pytest.raises(InvalidJourney) as error:
        guess_format("notes.txt", "hello world")
    assert error.value.problems[0].where == "format"
    with pytest.raises(InvalidJourney):
        import_journey(b"hello world", filename="notes.txt")


def test_formats_are_exactly_the_three_documented() -> None:
    assert FORMATS == ("json", "graphml", "mermaid")
    for fmt in FORMATS:
        assert import_journey(export_journey(_journey(), fmt), fmt).name == "Get help with billing"


def test_unknown_formats_are_refused_clearly() -> None:
    with pytest.raises(InvalidJourney) as error:
        import_journey("{}", "yaml")
    assert error.value.problems[0].where == "format"
    with pytest.raises(UnknownFormat) as export_error:
        export_journey(_journey(), "yaml")
    assert isinstance(export_error.value, JourneysError) and isinstance(export_error.value, ValueError)


# ---------------------------------------------------------------- bad files

def test_syntax_error_gives_the_line() -> None:
    text = '{\n  "schema_version": 1,\n  "journey": {\n    "name": "x",\n    "stages": ["a" "b"]\n  }\n}'
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert error.value.message == "The JSON file could not be imported"
    [(where, reason)] = _problems(error)
    assert where == "line 5"
    assert "column" in reason


def test_missing_schema_version_is_a_problem_listed_with_the_journeys_problems() -> None:
    body = _journey().model_dump(mode="json")
    body["steps"][1]["emotion"] = 7
    body["steps"][0]["stage"] = "Nowhere"
    with pytest.raises(InvalidJourney) as error:
        _import(json.dumps({"journey": body}))
    wheres = [where for where, _ in _problems(error)]
    assert wheres[0] == "schema_version"
    assert any("emotion" in where and "Chat with" in where for where in wheres)  # the model names the step


def test_every_model_problem_is_listed() -> None:
    body = _journey().model_dump(mode="json")
    body["steps"][0]["emotion"] = 9
    body["steps"][1]["kind"] = "waterfall"
    body["transitions"][0]["share"] = 1.5
    body["colour"] = "red"
    with pytest.raises(InvalidJourney) as error:
        _import(json.dumps({"schema_version": 1, "journey": body}))
    wheres = [where for where, _ in _problems(error)]
    assert len(wheres) == 4
    assert "colour" in wheres
    for field in ("emotion", "kind", "share"):
        assert any(where.endswith(field) for where in wheres), (field, wheres)


def test_integrity_problems_are_listed_together() -> None:
    body = _journey().model_dump(mode="json")
    body["steps"][0]["stage"] = "Helpp"
    body["transitions"].append({"source": "bot", "target": "ghost"})
    with pytest.raises(InvalidJourney) as error:
        _import(json.dumps({"schema_version": 1, "journey": body}))
    reasons = " | ".join(reason for _, reason in _problems(error))
    assert "stage 'Helpp'" in reasons and "step 'ghost' does not exist" in reasons


def test_newer_schema_version_says_to_upgrade() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import(json.dumps({"schema_version": 2, "journey": {"name": "x", "future_field": 1}}))
    [(where, reason)] = _problems(error)
    assert where == "schema_version"
    assert "newer version of journeys" in reason and "Upgrade" in reason


@pytest.mark.parametrize("version", ["1", 1.0, True, None, 0])
def test_schema_version_must_be_the_integer_one(version: object) -> None:
    with pytest.raises(InvalidJourney) as error:
        _import(json.dumps({"schema_version": version, "journey": _journey().model_dump(mode="json")}))
    assert [where for where, _ in _problems(error)] == ["schema_version"]


def test_envelope_problems_are_all_listed() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import(json.dumps({"schema_version": 1, "journy": {}, "extra": 1}))
    assert {where for where, _ in _problems(error)} == {"journey", "journy", "extra"}


def test_journey_must_be_an_object() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import('{"schema_version": 1, "journey": []}')
    assert _problems(error) == [("journey", "must be an object with named fields")]


@pytest.mark.parametrize("text", ["[]", "1", '"journey"', "null"])
def test_top_level_must_be_an_object(text: str) -> None:
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert error.value.problems[0].where == "file"


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(InvalidJourney) as error:
        _import('{"schema_version": 1, "journey": {"name": "a", "name": "b"}}')
    assert _problems(error) == [("name", "this key appears twice in one object")]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    text = export_journey(_journey(), "json").replace('"share": 0.4', f'"share": {constant}')
    with pytest.raises(InvalidJourney) as error:
        _import(text)
    assert constant in error.value.problems[0].reason


@pytest.mark.parametrize("data", [b"", b"   \n", "", "\ufeff"])
def test_empty_files_are_refused(data: str | bytes) -> None:
    with pytest.raises(InvalidJourney) as error:
        _import(data)
    assert _problems(error) == [("file", "the file is empty")]


def test_binary_junk_is_refused() -> None:
    junk = bytes(range(256)) * 8
    with pytest.raises(InvalidJourney) as error:
        import_journey(junk, filename="journey.json")
    assert "binary" in str(error.value) or error.value.problems


def test_huge_files_are_refused_before_parsing() -> None:
    huge = b'{"schema_version": 1, "journey": {"name": "' + b"x" * MAX_BYTES + b'"}}'
    with pytest.raises(InvalidJourney) as error:
        _import(huge)
    assert "5 MB" in error.value.problems[0].reason
    with pytest.raises(InvalidJourney):
        _import(huge.decode())


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(InvalidJourney):
        _import("[" * 200_000 + "]" * 200_000)


def test_enormous_numbers_are_refused() -> None:
    with pytest.raises(InvalidJourney):
        _import('{"schema_version": ' + "9" * 5000 + ', "journey": {}}')


# ---------------------------------------------------------------- fuzz

@examples(200, deadline=None)
@given(st.one_of(st.text(), st.binary(), st.text(alphabet='{}[]":,0123456789truefalsnul \n')))
def test_arbitrary_input_only_ever_raises_invalid_journey(data: str | bytes) -> None:
    for fmt in (None, "json"):
        try:
            import_journey(data, fmt, filename="x.json" if fmt is None else None)
        except InvalidJourney as error:
            assert "internal error" not in str(error)


@examples(100, deadline=None)
@given(journeys(max_steps=4), st.data())
def test_damaged_exports_only_ever_raise_invalid_journey(journey: Journey, data: st.DataObject) -> None:
    text = export_journey(journey, "json")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    damaged = text[:start] + data.draw(st.text(max_size=5)) + text[end:]
    try:
        _import(damaged)
    except InvalidJourney as error:
        assert "internal error" not in str(error)
