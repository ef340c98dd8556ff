"""The scan report has a section for every finding kind a detector reports, in report order."""

from __future__ import annotations

from hygiene.detectors import ALL_KINDS, all_detectors
from hygiene.render.scan import SECTIONS


def test_every_finding_kind_has_a_section() -> None:
    assert set(SECTIONS) == ALL_KINDS


def test_sections_follow_the_detectors_order() -> None:
    assert list(SECTIONS) == [kind for kind, _ in all_detectors()]
