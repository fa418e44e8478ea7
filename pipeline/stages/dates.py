"""A document's date: the one its text states near its top, else a metadata field; ISO 8601 either way."""

from __future__ import annotations

import re
from datetime import datetime

_RELEASE_TIME = re.compile(
    r"^[ \t]*(?:release time|release date|published|publish time|date)[ \t]*[:：][ \t]*(?P<value>[^\r\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
LEADING_DATE = re.compile(r"^\s*date\s+(?P<value>\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%Y/%m/%d", "%Y.%m.%d")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}){0,2}$")


def find_date(text: str, head_chars: int = 2000) -> str:
    """A date the text states near its top ("Release time: Apr 14, 2024", "date 2023-03-02"), as ISO, or ""."""
    head = text[:head_chars]
    if match := LEADING_DATE.search(head):
        return _parse_date(match["value"])
    if match := _RELEASE_TIME.search(head):
        return _parse_date(match["value"])
    return ""


def _parse_date(value: str) -> str:
    value = value.strip()
    for candidate in (value, " ".join(value.split()[:3])):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(candidate, fmt).date().isoformat()
            except ValueError:
                continue
    return ""


def metadata_date(metadata: dict[str, str], field: str) -> str:
    value = metadata.get(field, "").strip() if field else ""
    if _PARTIAL_DATE.match(value):
        return value
    return _parse_date(value) if value else ""
