"""hygiene: keep workstations, repositories and local dev databases clean."""

__version__ = "0.1.0"
