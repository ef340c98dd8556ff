"""Renderers for `hygiene simulate`: rich report, HTML page."""
