"""`--html FILE`: one self-contained page (inline SVG and a little JS, no CDN) for a projector."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

from hygiene.units import format_bytes
from simulator.claims import seed_claims
from simulator.model import COMPONENTS
from simulator.render.human import (
    break_even_line,
    db_lesson,
    ledger_sentence,
    money,
    naive_note,
    outcome_line,
    signed,
    trap_lines,
)
from simulator.report import (
    analogy,
    counted,
    explain,
    ledger,
    monthly,
    payback_label,
    payback_table,
    payback_tiers,
    savings,
)
from simulator.simulation import Simulation

W, H, PAD = 760, 300, 64
# Okabe-Ito blue and vermilion: told apart with every colour vision, and by dash as well.
COLORS = ("#0072B2", "#D55E00")
DASHES = ("none", "7,4")
SOURCES = (
    ("S3 pricing", "https://aws.amazon.com/s3/pricing/"),
    (
        "RDS storage autoscaling",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html",
    ),
    (
        "Aurora storage (DELETE does not shrink)",
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Managing.Performance.html",
    ),
    (
        "S3 128 KiB lifecycle minimum",
        "https://docs.aws.amazon.com/boto3/latest/reference/services/s3/bucketlifecycleconfiguration/transition_default_minimum_object_size.html",
    ),
    (
        "Glacier / Deep Archive prices",
        "https://www.usage.ai/blogs/aws/storage-cost/glacier-deep-archive-pricing/",
    ),
    (
        "PostgreSQL routine vacuuming",
        "https://www.postgresql.org/docs/current/routine-vacuuming.html",
    ),
    (
        "Seoul waste figures (2012)",
        "https://seoulsolution.kr/en/content/volume-based-waste-fee-system",
    ),
)

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:820px;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#555;font-size:.9rem}.legend span{margin-right:1rem}
svg{background:#fff;border:1px solid #ddd}.grid{stroke:#e3e3e3}
.warn{color:#8a4b00}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:.2rem .4rem;
font-size:.8rem;border-radius:3px;display:none}
"""

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('series').textContent);
  var tip = document.getElementById('tip');
  document.querySelectorAll('svg[data-series]').forEach(function (svg) {
    var s = data[svg.getAttribute('data-series')];
    var cursor = svg.querySelector('.cursor');
    svg.addEventListener('mousemove', function (ev) {
      var box = svg.getBoundingClientRect();
      var x = (ev.clientX - box.left) * (svg.viewBox.baseVal.width / box.width);
      var i = Math.round((x - s.x0) / s.dx);
      if (i < 0 || i >= s.labels.length) { tip.style.display = 'none'; return; }
      cursor.setAttribute('x1', s.x0 + i * s.dx);
      cursor.setAttribute('x2', s.x0 + i * s.dx);
      tip.textContent = s.labels[i] + ': ' + s.a[i] + ' with cleanup, ' + s.b[i] + ' without';
      tip.style.left = (ev.clientX + 12) + 'px';
      tip.style.top = (ev.clientY + 12) + 'px';
      tip.style.display = 'block';
    });
    svg.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
  document.body.setAttribute('data-charts', 'ready');
})();
"""


def _points(values: Sequence[float], top: float) -> tuple[str, float]:
    n = max(len(values) - 1, 1)
    dx = (W - 2 * PAD) / n
    pts = " ".join(
        f"{PAD + i * dx:.1f},{H - PAD - (v / top) * (H - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )
    return pts, dx


def _line_chart(
    key: str,
    a: Sequence[float],
    b: Sequence[float],
    fmt: str,
    span: tuple[str, str],
    marker: int | None = None,
    *,
    title: str = "",
    y_title: str = "",
) -> str:
    top = max(max(a, default=0), max(b, default=0)) or 1.0
    pa, dx = _points(a, top)
    pb, _ = _points(b, top)
    label = format_bytes if fmt == "bytes" else money
    name = html.escape(
        f"{title}: with cleanup (solid) against without (dashed), {span[0]} to {span[1]}"
    )
    parts = [
        f'<svg data-series="{key}" viewBox="0 0 {W} {H}" width="100%" role="img" '
        f'aria-label="{name}"><title>{name}</title>',
    ]
    for i in range(5):  # gridlines and their values, bottom to top
        y = H - PAD - i / 4 * (H - 2 * PAD)
        parts.append(
            f'<line class="grid" x1="{PAD}" y1="{y:.1f}" x2="{W - PAD}" y2="{y:.1f}"/>'
            f'<text x="{PAD - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="10">'
            f"{html.escape(label(top * i / 4) if i else '0')}</text>"
        )
    parts += [
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#555"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#555"/>',
        f'<text x="{PAD}" y="{H - PAD + 14}" font-size="10">{html.escape(span[0])}</text>',
        f'<text x="{W - PAD}" y="{H - PAD + 14}" text-anchor="end" font-size="10">'
        f"{html.escape(span[1])}</text>",
        f'<text class="axis-title" x="{W / 2:.0f}" y="{H - 12}" text-anchor="middle" '
        'font-size="11">simulated day (date)</text>',
        f'<text class="axis-title" x="14" y="{H / 2:.0f}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 14 {H / 2:.0f})">{html.escape(y_title)}</text>',
        f'<polyline fill="none" stroke="{COLORS[1]}" stroke-width="2" '
        f'stroke-dasharray="{DASHES[1]}" points="{pb}"/>',
        f'<polyline fill="none" stroke="{COLORS[0]}" stroke-width="2.5" points="{pa}"/>',
        f'<g class="legend" font-size="11">'
        f'<line x1="{PAD + 10}" y1="{PAD - 30}" x2="{PAD + 40}" y2="{PAD - 30}" '
        f'stroke="{COLORS[0]}" stroke-width="2.5"/>'
        f'<text x="{PAD + 46}" y="{PAD - 26}">with cleanup</text>'
        f'<line x1="{PAD + 170}" y1="{PAD - 30}" x2="{PAD + 200}" y2="{PAD - 30}" '
        f'stroke="{COLORS[1]}" stroke-width="2" stroke-dasharray="{DASHES[1]}"/>'
        f'<text x="{PAD + 206}" y="{PAD - 26}">without cleanup</text></g>',
        f'<line class="cursor" x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" '
        'stroke="#555" stroke-dasharray="3,3"/>',
    ]
    if marker is not None:
        x = PAD + marker * dx
        parts.append(
            f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{H - PAD}" stroke="#000" '
            'stroke-dasharray="2,2"/>'
            f'<text x="{x + 4:.1f}" y="{PAD + 12}" font-size="11">break-even</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    th = "".join(
        f'<th class="{"n" if i >= numeric_from else ""}">{html.escape(h)}</th>'
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if i >= numeric_from else ""}">{html.escape(c)}</td>'
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def page(sim: Simulation) -> str:
    import numpy as np

    s = sim.scenario
    a, b = sim.with_cleanup, sim.without_cleanup
    dates = [d.isoformat() for d in sim.generation.dates]
    span = (dates[0], dates[-1])
    saved = savings(sim)
    months = monthly(sim)
    cum_a = np.cumsum(a.daily.cost).tolist()
    cum_b = np.cumsum(b.daily.cost).tolist()
    live_a, live_b = a.daily.live_bytes.tolist(), b.daily.live_bytes.tolist()
    billed_a, billed_b = a.daily.billed_bytes.tolist(), b.daily.billed_bytes.tolist()
    series = {
        "live": {
            "labels": dates,
            "a": [format_bytes(v) for v in live_a],
            "b": [format_bytes(v) for v in live_b],
        },
        "billed": {
            "labels": dates,
            "a": [format_bytes(v) for v in billed_a],
            "b": [format_bytes(v) for v in billed_b],
        },
        "cost": {"labels": dates, "a": [money(v) for v in cum_a], "b": [money(v) for v in cum_b]},
    }
    dx = (W - 2 * PAD) / max(len(dates) - 1, 1)
    for entry in series.values():
        entry["x0"] = PAD  # type: ignore[assignment]
        entry["dx"] = dx  # type: ignore[assignment]
    prices = sim.prices.objects[s.provider]
    scenario_rows = [
        ["population", f"{s.population.users:,.0f} users, {s.population.dau_ratio:.0%} active"],
        ["horizon", f"{s.days} days from {s.start.isoformat()}"],
        *(
            [
                f"class {c.name}",
                f"{c.store}, {c.per_active_user:g} x {format_bytes(c.unit_bytes)} per active user",
            ]
            for c in s.classes
        ),
        *(
            [
                f"job {j.name}",
                f"{j.cron}: {j.action} {', '.join(j.classes)}"
                + (
                    f", at most {j.capacity:,.0f} {counted(s, j.classes)} per run"
                    if j.capacity and j.classes
                    else ""
                ),
            ]
            for j in s.jobs
        ),
        ["prices", f"{prices.provider} {prices.region}, read {prices.as_of}"],
    ]
    bill_rows = [
        [
            m.label,
            money(m.with_cost),
            money(m.without_cost),
            signed(m.without_cost - m.with_cost),
            money(m.with_naive),
            money(m.without_naive),
        ]
        for m in months
    ]
    rows = ledger(sim)
    ledger_rows = [
        [
            r.name,
            f"{r.runs:,}",
            f"{r.units_removed:,.0f} {r.counted}",
            format_bytes(r.bytes_removed),
            f"{r.objects_moved:,.0f}",
            money(r.fees_usd),
            signed(r.saved_usd),
            r.warning or "",
        ]
        for r in rows
    ]
    story = "".join(
        f"<li><strong>{html.escape(j.name)}</strong> ({html.escape(explain(j, s)[0])}, "
        f"{html.escape(j.cron)}): {html.escape(explain(j, s)[1])}. Did: "
        f"{html.escape(ledger_sentence(r))}."
        + (f' <span class="warn">Warning: {html.escape(r.warning)}.</span>' if r.warning else "")
        + (f"<br><code>{html.escape(j.command)}</code>" if j.command else "")
        + "</li>"
        for j, r in zip(s.jobs, rows, strict=True)
    )
    claims = seed_claims(sim)
    fee_rows = [
        [c, money(a.cost_by_component[c]), money(b.cost_by_component[c])]
        for c in COMPONENTS
        if a.cost_by_component[c] or b.cost_by_component[c]
    ]
    tier_names = payback_tiers(prices)
    pay_rows = [
        [r.label, *(payback_label(r.days[n]) for n in tier_names)] for r in payback_table(sim)
    ]
    panel = analogy(sim)
    data = json.dumps(series).replace("</", "<\\/")
    verdict = re.sub(r"\[/?[a-z]*\]", "", outcome_line(saved.usd, saved.percent, s.days))
    verdict += ". " + break_even_line(saved)
    d = a.daily
    db_panel = (
        [
            "<h2>Database</h2>",
            _table(
                ["", "with cleanup", "without"],
                [
                    [
                        "live rows' bytes",
                        format_bytes(d.db_live[-1]),
                        format_bytes(b.daily.db_live[-1]),
                    ],
                    ["dead space", format_bytes(d.db_dead[-1]), format_bytes(b.daily.db_dead[-1])],
                    ["file", format_bytes(d.db_file[-1]), format_bytes(b.daily.db_file[-1])],
                    [
                        "billed (allocation or used)",
                        format_bytes(d.db_billed[-1]),
                        format_bytes(b.daily.db_billed[-1]),
                    ],
                    ["backlog at the end", f"{d.backlog_by_store[0][-1]:,.0f} rows", "0 rows"],
                    [
                        "automated backups hold",
                        format_bytes(d.db_backup[-1]),
                        format_bytes(b.daily.db_backup[-1]),
                    ],
                    [
                        "days the disk was full",
                        f"{a.db_storage_full_days:,}",
                        f"{b.db_storage_full_days:,}",
                    ],
                ],
            ),
            *(
                f'<p class="note warn">{html.escape(head)}: {html.escape(body)}</p>'
                for head, body in trap_lines(sim)
            ),
            f'<p class="note">{html.escape(db_lesson(sim))} Autovacuum: '
            f"{'on' if s.database.autovacuums else 'off'}.</p>",
        ]
        if sim.model.has_db
        else []
    )
    body = [
        f"<h1>{html.escape(s.title or s.name)}</h1>",
        f"<p><strong>{html.escape(verdict)}</strong></p>",
        _table(["", ""], scenario_rows, numeric_from=9),
        *(f'<p class="note">{html.escape(n)}</p>' for n in s.notes),
        "<h2>Data kept</h2>",
        _line_chart(
            "live", live_a, live_b, "bytes", span, title="Data kept", y_title="bytes stored"
        ),
        "<h2>Bytes billed (database dead space, slack and allocation included)</h2>",
        _line_chart(
            "billed",
            billed_a,
            billed_b,
            "bytes",
            span,
            title="Bytes billed",
            y_title="bytes billed",
        ),
        "<h2>Cumulative cost</h2>",
        _line_chart(
            "cost",
            cum_a,
            cum_b,
            "money",
            span,
            saved.break_even_day,
            title="Cumulative cost",
            y_title="US dollars, cumulative",
        ),
        "<h2>Job ledger</h2>",
        _table(
            ["job", "runs", "removed", "bytes", "moved", "fees", "saved", "warning"], ledger_rows
        ),
        '<p class="note">saved: how much more the timetable costs without that job.</p>',
        "<h2>What the timetable does</h2>",
        f"<ul>{story}</ul>",
        *db_panel,
        "<h2>Bill by fee type</h2>",
        _table(["line", "with cleanup", "without"], fee_rows),
        "<h2>Monthly bill, honest and naive</h2>",
        _table(
            ["month", "with cleanup", "without", "saved", "naive with", "naive without"], bill_rows
        ),
        f'<p class="note">{html.escape(naive_note(saved.usd, saved.naive_usd))}</p>',
        f"<h2>Per-object payback from {html.escape(prices.tiers[0].name)} (days)</h2>",
        _table(["object", *tier_names], pay_rows),
    ]
    if panel:
        city = s.analogy.city if s.analogy else "city"
        body += [
            f"<h2>{html.escape(city)} and the data city: structure, not units</h2>",
            _table(["concept", city, "simulated service"], [list(r) for r in panel], 9),
        ]
    if claims:
        body += [
            "<h2>Seed claim vs simulated</h2>",
            _table(
                ["claim", "the seed says", "simulated", "verdict"],
                [[c.claim, c.seed, c.simulated, c.verdict] for c in claims],
                9,
            ),
        ]
    # Public URLs as text, not links: the page fetches nothing, even by accident.
    links = "".join(
        f"<li>{html.escape(label)}: <code>{html.escape(url)}</code></li>" for label, url in SOURCES
    )
    body.append(
        f'<p class="note">List prices read {html.escape(prices.as_of)}; no free tier, egress, '
        f'replication or discounts. Sources:</p><ul class="note">{links}</ul>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>hygiene simulate: {html.escape(s.name)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        + "".join(body)
        + '<div id="tip"></div>'
        + f'<script type="application/json" id="series">{data}</script>'
        + f"<script>{_SCRIPT}</script></body></html>\n"
    )
