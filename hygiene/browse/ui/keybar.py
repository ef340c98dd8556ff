"""The key line at the foot of browse's screens: each shown binding as its key and what it does,
one click away.

Textual's Footer is a widget per key, composed again each time focus moves or the bindings
change: at the start of browse that cost 0.08 s of CPU before the full list was on screen, CPU
the scan needed (issue 20). This is one line of text; a click on a key runs its action, as the
Footer's keys do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.widgets import Static


class KeyBar(Static):
    DEFAULT_CSS = """
    KeyBar {
        height: 1; background: $panel; color: $foreground; padding: 0 1;
        link-style: none; link-color: $foreground; link-background: $panel;
        link-style-hover: reverse;
    }
    """

    def __init__(
        self, bindings: Iterable[BindingType], namespace: str, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.bindings = [b for b in bindings if isinstance(b, Binding) and b.show]
        self.namespace = namespace  # "app" or "screen": where the actions live

    def on_mount(self) -> None:
        self.update(self.hints(), layout=False)

    def hints(self) -> str:
        parts: list[str] = []
        for binding in self.bindings:
            first = binding.key.split(",")[0]  # "d,delete": d is the one to show
            key = self.app.get_key_display(dataclasses.replace(binding, key=first))
            action = f"{self.namespace}.{binding.action}"
            # One space between entries: at 80 columns browse's nine keys fit; the bold key
            # marks where an entry starts.
            parts.append(f"[@click={action}][b]{key}[/b] {binding.description}[/]")
        return " ".join(parts)
