"""The clean engine never imports typer or rich, and loads psutil only when it asks processes."""

from __future__ import annotations

import subprocess
import sys

ENGINE = (
    "hygiene.clean.plan",
    "hygiene.clean.safety",
    "hygiene.clean.act",
    "hygiene.clean.quarantine",
    "hygiene.clean.audit",
    "hygiene.clean.collect",
    "hygiene.clean.treeops",
    "hygiene.clean.crashpoint",
)


def test_engine_modules_stay_light() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in ENGINE)
        + "print(sorted(m for m in ('typer', 'rich', 'psutil', 'click') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
