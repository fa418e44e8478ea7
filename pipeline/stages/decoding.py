"""Bytes to text for ingest: what binary data looks like, and a decoding that repairs locally.

A text file is read as UTF-8 unless a byte-order mark names another encoding, or most of its non-ASCII bytes
are not valid UTF-8 (then it is cp1252, or Latin-1). A few invalid bytes in a UTF-8 file are each replaced by
U+FFFD and counted, so one bad byte no longer turns every "café" into "cafÃ©".
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# A byte-order mark names the encoding; UTF-32 comes first because its little-endian mark starts like UTF-16's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Unmarked text that is not UTF-8 is most often Windows "ANSI" (cp1252); Latin-1 maps every byte, so it ends the list.
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or .docx/.xlsx/.epub)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office 97 document (.doc/.xls)"),
    (b"\x7fELF", "executable"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
)
# C0 controls other than tab, line breaks, form feed and escape: text has almost none, binary data many.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
_BINARY_CONTROL_SHARE = 0.1
# A stray NUL or two in a text file is damage to repair; more than this share of the bytes is binary data.
_BINARY_NUL_SHARE = 0.01
# UTF-16 without a mark: about every other byte is NUL, all on the same side.
_WIDE_NUL_SHARE = 0.4
_ASCII = bytes(range(128))
_REPLACE_EACH = "pipeline.replace_each"
codecs.register_error(_REPLACE_EACH, lambda exc: ("\ufffd" * (exc.end - exc.start), exc.end))


@dataclass(frozen=True)
class Decoded:
    text: str  # NUL characters removed
    encoding: str
    invalid_bytes: int = 0  # bytes that were not valid UTF-8, each now U+FFFD
    nul_chars: int = 0  # NUL characters removed


def binary_kind(data: bytes) -> str:
    """What bytes that are not text look like ("PNG image", ...), or "" for text."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    if _marked_wide_text(data):
        return ""
    if wide := _unmarked_wide_text(data):
        return f"{wide} text without a byte-order mark (save it as UTF-8, or as UTF-16 with a BOM)"
    if data.count(b"\x00") > _BINARY_NUL_SHARE * len(data):
        return "binary data (NUL bytes; UTF-16 text needs a byte-order mark)"
    head = data[:8192]
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > _BINARY_CONTROL_SHARE * len(head):
        return "binary data (control bytes)"
    return ""


def _marked_wide_text(data: bytes) -> bool:
    """UTF-16 or UTF-32 with a byte-order mark that decodes: text whose NUL bytes are expected."""
    for bom, encoding in BOMS:
        if encoding != "utf-8-sig" and data.startswith(bom):
            try:
                data.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def _unmarked_wide_text(data: bytes) -> str:
    head = data[:8192]
    if len(head) < 4:
        return ""
    for name, nuls in (("UTF-16-LE", head[1::2]), ("UTF-16-BE", head[0::2])):
        if nuls.count(0) > _WIDE_NUL_SHARE * len(head) and head.count(0) < 0.6 * len(head):
            return name
    return ""


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding), NUL characters kept; see `decode_counted`."""
    text, encoding, _ = _decoded(data)
    return text, encoding


def decode_counted(data: bytes) -> Decoded:
    """By byte-order mark (removed); else UTF-8, its invalid bytes replaced one by one, unless most non-ASCII bytes
    are invalid (cp1252, else Latin-1, which never fails). NUL characters are removed and counted."""
    text, encoding, invalid = _decoded(data)
    without_nul = text.replace("\x00", "")
    return Decoded(without_nul, encoding, invalid, len(text) - len(without_nul))


def _decoded(data: bytes) -> tuple[str, str, int]:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 0
            except UnicodeDecodeError:
                continue
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors=_REPLACE_EACH)
    invalid = text.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(data.translate(None, _ASCII))
    if 2 * invalid <= non_ascii:
        return text, "utf-8", invalid
    try:
        return data.decode(FALLBACK_ENCODINGS[0]), FALLBACK_ENCODINGS[0], 0
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODINGS[-1]), FALLBACK_ENCODINGS[-1], 0
