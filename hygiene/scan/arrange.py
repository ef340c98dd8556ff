"""`--sort` and `--top` over a scan's findings, the same for every kind (issue 18, item 7).

Pure: the findings in, the findings to show out. Kinds keep the engine's report order; within a
kind, `size` puts the largest first, `age` the oldest first (kinds without an age keep their
order, after), `path` sorts by path. `top` keeps the first N of each kind.
"""

from __future__ import annotations

from collections.abc import Sequence

from hygiene.model import Finding

SORTS = ("size", "age", "path")


def _key(sort: str, finding: Finding) -> tuple[float, str]:
    if sort == "size":
        return (-finding.bytes, finding.path)
    if sort == "age":
        newest = getattr(finding, "newest_mtime", None)
        return (float("inf") if newest is None else float(newest), finding.path)
    return (0.0, finding.path)


def arrange(
    findings: Sequence[Finding], *, sort: str | None = None, top: int | None = None
) -> tuple[Finding, ...]:
    by_kind: dict[str, list[Finding]] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, []).append(finding)
    out: list[Finding] = []
    for items in by_kind.values():
        if sort is not None:
            items = sorted(items, key=lambda f: _key(sort, f))  # stable: ties keep their order
        out.extend(items if top is None else items[:top])
    return tuple(out)
