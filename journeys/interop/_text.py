"""Shared plumbing for the importers: size cap, decoding, binary detection.

Every importer starts from "some bytes or text a user handed us". These helpers
turn that into clean text or an :class:`InvalidJourney` that says what is wrong,
so no decode error or ``MemoryError`` ever reaches a page or the CLI.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from journeys.errors import InvalidJourney, Problem

#: Largest file any journey importer reads. A journey with hundreds of steps is
#: well under 1 MB in every format; anything bigger is a wrong file or an attack.
MAX_BYTES = 5 * 1024 * 1024

_XML_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def _too_big(size: int, what: str) -> InvalidJourney:
    return InvalidJourney(
        f"The {what} file is too large to import",
        [Problem("file", f"it is {size / 1024 / 1024:.1f} MB; journey files are limited to "
                         f"{MAX_BYTES // 1024 // 1024} MB (is this really a journey?)")],
    )


def check_size(data: str | bytes, what: str) -> None:
    """Refuse oversized input before any parser sees it (protects memory and time)."""
    if isinstance(data, bytes):
        size = len(data)
    elif len(data) > MAX_BYTES:
        size = len(data)  # characters ≤ bytes, so it is too big whatever the encoding
    elif len(data) * 4 <= MAX_BYTES:
        return
    else:
        size = len(data.encode("utf-8", errors="surrogatepass"))
    if size > MAX_BYTES:
        raise _too_big(size, what)


def decode(data: str | bytes, what: str) -> str:
    """Text from bytes: UTF-8 (with or without BOM), a declared XML encoding, else detected.

    Raises InvalidJourney for empty, binary or undecodable input. A leading BOM
    is removed from text input too, since editors on Windows add one.
    """
    check_size(data, what)
    text = data if isinstance(data, str) else _decode_bytes(data, what)
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise InvalidJourney(f"The {what} file could not be imported",
                             [Problem("file", "it contains NUL bytes: this looks like a binary file, not text")])
    if not text.strip():
        raise InvalidJourney(f"The {what} file could not be imported", [Problem("file", "the file is empty")])
    return text


def _decode_bytes(data: bytes, what: str) -> str:
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as error:
                raise _undecodable(what, f"it starts with a {codec} byte-order mark but is not valid {codec} "
                                         f"(byte {error.start})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _XML_DECLARED_ENCODING.match(data[:200])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration is common; fall through to detection
    encoding = _detect(data[: 1024 * 1024])
    if encoding is None:
        raise _undecodable(what, "its text encoding could not be recognised (is it a binary file?); "
                                 "save it as UTF-8 and try again")
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise _undecodable(what, f"it looks like {encoding} but does not decode as it; "
                                 "save it as UTF-8 and try again") from None


# Encodings real exports use, most likely first. Mostly-ASCII files with a few accents fit many
# code pages equally well; charset-normalizer then picks an exotic one (mac_latin2 for a French
# cp1252 file), so among equally plausible guesses we take the common one.
_COMMON_ENCODINGS = ("cp1252", "latin_1", "iso8859_15", "cp1250", "cp1251", "iso8859_2", "koi8_r",
                     "shift_jis", "cp932", "euc_jp", "gb18030", "gb2312", "big5", "euc_kr", "cp949", "utf_16")


def _detect(sample: bytes) -> str | None:
    matches = from_bytes(sample)
    best = matches.best()
    if best is None or best.encoding is None:
        return None
    plausible = [m for m in matches if m.chaos <= best.chaos + 0.05]
    for encoding in _COMMON_ENCODINGS:
        if any(encoding in m.could_be_from_charset for m in plausible):
            return encoding
    return best.encoding


def _undecodable(what: str, reason: str) -> InvalidJourney:
    return InvalidJourney(f"The {what} file could not be imported", [Problem("encoding", reason)])


def line_of(text: str, index: int) -> int:
    """1-based line number of a character offset (for parsers that only give offsets)."""
    return text.count("\n", 0, index) + 1


def schema_version_problems(version: object, where: str, supported: int, failed: str) -> list[Problem]:
    """Problems with a file's format version; a newer version is refused at once.

    A file from a newer journeys is refused before its content is read, since
    listing every field this version does not know would only bury the reason.
    """
    if isinstance(version, bool) or not isinstance(version, int):
        return [Problem(where, f"must be a whole number such as {supported} (got {version!r})")]
    if version > supported:
        raise InvalidJourney(failed, [Problem(
            where, f"this file uses format version {version}, written by a newer version of journeys; "
                   f"this version reads format version {supported}. Upgrade journeys to import it.")])
    if version < 1:
        return [Problem(where, f"must be {supported} (got {version})")]
    return []
