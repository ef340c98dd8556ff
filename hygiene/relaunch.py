"""How hygiene starts hygiene: a job's run, the tick, `simulate materialize
--run-cleanup`, and the command lines the schedule exports write.

Never a bare `python -m hygiene`: for `-m` Python puts the working folder first on `sys.path`
(https://docs.python.org/3/using/cmdline.html#cmdoption-m), so in a folder that holds a
`hygiene` package (hygiene's own checkout, its parent, any project with a package of that name)
the child imports that package, or a different version of hygiene, instead of this one.

In order:
1. The console script pip wrote for the running interpreter, found in that interpreter's scripts
   folder (https://docs.python.org/3/library/sysconfig.html#installation-paths), else beside
   `sys.executable`, else in the user scheme's when the user site is on: the program a user
   starts. A script's `sys.path[0]` is its own folder, never the working one
   (https://docs.python.org/3/library/sys_path_init.html), and its absolute path runs under
   cron's and systemd's short PATH.
2. Else (no script: a checkout run through PYTHONPATH, say) the module form with the working
   folder kept off `sys.path`: `python -P -m hygiene` on 3.11+
   (https://docs.python.org/3/using/cmdline.html#cmdoption-P). 3.10 has no `-P`; there
   `python -c` removes the working folder `-c` puts first and runs the module as `-m` does
   (https://docs.python.org/3/library/runpy.html#runpy.run_module).
   Not `-I`: isolated mode also ignores PYTHONPATH and the user site-packages
   (https://docs.python.org/3/using/cmdline.html#cmdoption-I), so a hygiene installed with
   `pip install --user`, or an uninstalled checkout on PYTHONPATH, would not be found at all:
   the child would fail where the parent ran. Only the working folder is the hazard.

Exports that run on another machine (Kubernetes, GitHub Actions) know no local path: they call
the `hygiene` command the installed package puts on PATH (`ON_PATH`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The console script's name, from pyproject.toml's [project.scripts].
SCRIPT_NAME = "hygiene"
# The distribution, pyproject.toml's [project] name: `hygiene` on PyPI is an unrelated
# placeholder with no entry point, so every install line hygiene writes names this (issue 17).
DISTRIBUTION = "hygiene-cli"
ON_PATH: tuple[str, ...] = (SCRIPT_NAME,)

# `-c` puts "" (the working folder) first on sys.path; `-P` would not have. Double quotes only,
# no `%` or `$`: the line is written into crontabs and systemd units as it is.
RUN_AS_MAIN_310 = (
    'import runpy, sys; sys.path = sys.path[1:] if sys.path[:1] == [""] else sys.path; '
    'runpy.run_module("hygiene", run_name="__main__", alter_sys=True)'
)


def program() -> tuple[str, ...]:
    """The argv prefix that starts this hygiene from any working folder."""
    script = console_script()
    return (script,) if script is not None else module_form()


def command(*args: str) -> list[str]:
    """`hygiene ARGS...` as an argv, started by `program()`."""
    return [*program(), *args]


def console_script() -> str | None:
    """The running interpreter's `hygiene` script (absolute), or None when it has none."""
    # Here, not at the top: a tick with nothing due never starts hygiene, nor pays for these.
    import site
    import sysconfig

    name = f"{SCRIPT_NAME}.exe" if os.name == "nt" else SCRIPT_NAME
    folders = [sysconfig.get_path("scripts")]
    if sys.executable:
        folders.append(os.path.dirname(sys.executable))
    # In a venv the user site is off, and a ~/.local/bin/hygiene belongs to another install.
    if site.ENABLE_USER_SITE:
        folders.append(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
    for folder in folders:
        candidate = Path(folder, name).absolute()
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def module_form(version: tuple[int, int] | None = None) -> tuple[str, ...]:
    """This interpreter running the `hygiene` module without the working folder on sys.path."""
    major, minor = version if version is not None else sys.version_info[:2]
    if (major, minor) >= (3, 11):
        return (sys.executable, "-P", "-m", "hygiene")
    return (sys.executable, "-c", RUN_AS_MAIN_310)
