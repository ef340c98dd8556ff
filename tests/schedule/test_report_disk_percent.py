"""`hygiene report`'s disk use is df's Use% (issue 18, item 9): used / (used + available),
rounded up, never used / total (blocks reserved for root count as neither)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest


def test_report_says_the_percent_df_says(cli, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("df") is None:
        pytest.skip("no df here")
    monkeypatch.chdir(tmp_path)
    result = cli("report")
    assert result.code == 0, result.err
    lines = re.findall(r"^  (\S.*?)  \S+ \S+ of \S+ \S+ used \((\d+)%\)", result.out, re.M)
    assert lines, result.out
    for path, percent in lines:
        df = subprocess.run(
            ["df", "--output=pcent", path], capture_output=True, text=True, check=True
        )
        assert int(percent) == int(df.stdout.splitlines()[1].strip().rstrip("%")), (path, df)
