"""Cutting a scanned stack into applications (pure).

A stack is split at every separator sheet (区切り用紙), and also where a page marker shows that a
new application form begins (page 1 of an application form while the current application already
has one, or a page of a different application form). Pages without a marker (evidence) and consent
forms stay with the application they follow — or, at the start of a stack or after a separator,
with the application form that comes next. Each application's form pages are put in page order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ccus.models.forms.catalogue import KNOWN_CODES
from ccus.models.forms.marker import Marker
from ccus.models.forms.spec import FormRole


@dataclass
class Segment:
    """One application's pages, by their index in the stack."""

    pages: list[int] = field(default_factory=list)
    main: Marker | None = None  # the application form's marker (first page seen)
    main_pages: list[int] = field(default_factory=list)  # pages of the application form, in page order


def _role(marker: Marker | None) -> FormRole | None:
    if marker is None or marker.code not in KNOWN_CODES:
        return None
    return KNOWN_CODES[marker.code].role


def plan(markers: list[Marker | None]) -> list[Segment]:
    """Segments in stack order; separator pages belong to none; empty segments are dropped."""
    segments: list[Segment] = [Segment()]
    seen_pages: set[int] = set()
    for index, marker in enumerate(markers):
        role = _role(marker)
        current = segments[-1]
        if role is FormRole.SEPARATOR:
            segments.append(Segment())
            seen_pages = set()
            continue
        if role is FormRole.APPLICATION and marker is not None:
            if current.main is not None and (marker.code != current.main.code or marker.page in seen_pages):
                current = Segment()
                segments.append(current)
                seen_pages = set()
            if current.main is None:
                current.main = marker
            seen_pages.add(marker.page)
            current.main_pages.append(index)
        current.pages.append(index)
    for s in segments:
        s.main_pages.sort(key=lambda i: (markers[i].page if markers[i] else 0, i))  # type: ignore[union-attr]
    return [s for s in segments if s.pages]
