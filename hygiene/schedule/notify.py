"""Failure notices: a Slack-compatible JSON POST, sent from a background thread.

Slack's incoming webhooks (and Mattermost, Rocket.Chat, Discord's /slack endpoint) accept
`{"text": ...}`. The POST runs in a daemon thread with a short timeout, so a slow or dead hook
never holds a job or the next job up; `Notifier.wait` gives pending posts a bounded moment
before the tick exits. A notice that fails to send is reported back, never raised.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from hygiene.schedule.settings import NotifySettings


def failure_text(*, job: str, status: str, attempts: int, error: str, host: str) -> str:
    first_line = error.strip().splitlines()[-1] if error.strip() else status
    return (
        f":rotating_light: hygiene job *{job}* {status} on {host} after {attempts} "
        f"attempt{'s' if attempts != 1 else ''}: {first_line[:300]}"
    )


@dataclass
class Notifier:
    settings: NotifySettings | None
    _threads: list[threading.Thread] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: int = 0

    def send(self, text: str) -> threading.Thread | None:
        """Start the POST and return at once (None when no webhook is configured)."""
        if self.settings is None or self.settings.webhook is None:
            return None
        # Imported here: urllib.request is a large import and most ticks send nothing.
        import urllib.error
        import urllib.request

        url, timeout = self.settings.webhook, self.settings.timeout
        body = json.dumps({"text": text}).encode("utf-8")

        def post() -> None:
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    response.read()
                self.sent += 1
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                self.errors.append(f"webhook not reached: {reason}")

        thread = threading.Thread(target=post, name="hygiene-notify", daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def wait(self, budget: float | None = None) -> int:
        """Give pending posts up to `budget` seconds in all; return how many are still pending."""
        limit = self.settings.timeout if budget is None and self.settings else budget or 0.0
        deadline = time.monotonic() + limit
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return sum(thread.is_alive() for thread in self._threads)
