"""The repository most hook tests run in: one committed `app.py`, the working folder set to it
(as pre-commit runs a hook). A test file needing another repository defines its own `repo`."""

from __future__ import annotations

import pytest


@pytest.fixture
def repo(make_repo, monkeypatch):  # type: ignore[no-untyped-def]
    r = make_repo()
    r.write("app.py", "print('hi')\n")
    r.commit("app.py")
    monkeypatch.chdir(r.path)
    return r
