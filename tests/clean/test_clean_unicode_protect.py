"""Unicode normalisation twins: `café` typed in a `.hygieneignore` (NFC, as keyboards write it)
and `café` on disk as macOS writes names (NFD) look the same to the user and in hygiene's own
plan. What the user protected stays protected whichever form either side has, at the folder
itself, above it or inside it. Checked on disk by a manifest taken before."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from cleanhelp import age, manifest

NFC = unicodedata.normalize("NFC", "caf\u00e9")
NFD = unicodedata.normalize("NFD", NFC)


@pytest.mark.parametrize(
    ("on_disk", "pattern"),
    [(NFD, f"{NFC}/"), (NFC, f"{NFD}/"), (NFD, f"{NFC}/node_modules/x/i.js")],
    ids=["nfd-disk-nfc-rule", "nfc-disk-nfd-rule", "a-file-inside"],
)
def test_a_protected_folder_stays_in_either_normal_form(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, on_disk: str, pattern: str
) -> None:
    project = tmp_path / on_disk
    (project / "node_modules" / "x").mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (project / "node_modules" / "x" / "i.js").write_text("module.exports = 1\n")
    (tmp_path / ".hygieneignore").write_text(pattern + "\n", encoding="utf-8")
    age(tmp_path)
    before = manifest(project)

    cli("clean", tmp_path, "--yes", "--incinerate")

    assert manifest(project) == before
