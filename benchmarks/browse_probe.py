"""One headless `hygiene browse` run for bench_browse.py: prints the wall-clock moments the
first finding and the full, judged list were on screen, and the CPU seconds browse's own process
had used by then (not the scan's: it runs in a child), as JSON on stdout."""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from pathlib import Path


async def probe(root: Path) -> dict[str, float]:
    from hygiene.cli.browse_run import BrowseArgs, browse_request, launch

    request, older, size = browse_request(BrowseArgs(roots=[root]))
    app = launch(request, older, size)  # as the command does: the scan starts first
    seen: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while "full" not in seen:
            # A row counts once the table holds it, i.e. after a redraw put it there.
            if "first" not in seen and app.query_one("#rows").row_count:
                seen["first"] = time.time()
            if app.verdict is not None and not app.dirty:
                seen["full"] = time.time()
                used = resource.getrusage(resource.RUSAGE_SELF)
                seen["cpu"] = used.ru_utime + used.ru_stime
            await pilot.pause(0.01)
        await pilot.press("q")
    return seen


if __name__ == "__main__":
    print(json.dumps(asyncio.run(probe(Path(sys.argv[1])))))
