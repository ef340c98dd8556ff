"""A bare Textual app for bench_browse.py's floor: one line of text, gone once it is drawn.

What any Textual front end costs at the least: Python, Textual's import, an app started and a
frame written to the terminal.
"""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello")

    def on_mount(self) -> None:
        self.call_after_refresh(self.exit)


if __name__ == "__main__":
    Bare().run()
