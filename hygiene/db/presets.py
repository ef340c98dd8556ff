"""Built-in rules for common frameworks' session tables (`hygiene db clean --preset django`).

Each cutoff follows the framework's own default: Django stores an expiry time, so expired means
older than now; Rails' activerecord-session_store trims rows untouched for 30 days
(SESSION_DAYS_TRIM_THRESHOLD); Laravel's database driver stores `last_activity` as epoch seconds
and expires sessions after SESSION_LIFETIME, 120 minutes by default.
"""

from __future__ import annotations

from hygiene.db.settings import RetentionRule
from hygiene.errors import UsageError

PRESETS: dict[str, tuple[RetentionRule, ...]] = {
    "django": (
        RetentionRule(
            name="django-sessions",
            table="django_session",
            column="expire_date",
            older_than=0.0,
            source="preset django",
        ),
    ),
    "rails": (
        RetentionRule(
            name="rails-sessions",
            table="sessions",
            column="updated_at",
            older_than=30 * 86400.0,
            source="preset rails",
        ),
    ),
    "laravel": (
        RetentionRule(
            name="laravel-sessions",
            table="sessions",
            column="last_activity",
            older_than=120 * 60.0,
            source="preset laravel",
        ),
    ),
}


def preset_rules(names: list[str]) -> tuple[RetentionRule, ...]:
    rules: list[RetentionRule] = []
    for name in names:
        if name.lower() not in PRESETS:
            raise UsageError(
                f"--preset: unknown preset {name!r} (expected one of {', '.join(sorted(PRESETS))})"
            )
        rules.extend(PRESETS[name.lower()])
    return tuple(rules)
