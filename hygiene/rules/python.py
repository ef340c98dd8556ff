"""Python: caches, build outputs and virtualenvs (a virtualenv is proven by `pyvenv.cfg`)."""

from __future__ import annotations

from hygiene.rules import Rule

# kondo accepts any `*.py` as a marker; one stray script then swallowed a whole folder (#175).
MARKERS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "noxfile.py",
    "Pipfile",
    "pixi.toml",
    "requirements.txt",
    "requirements-dev.txt",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "python.virtualenv",
        "python",
        "virtualenv",
        (),
        inside=("pyvenv.cfg",),
        recreate="python -m venv <path> && pip install -r requirements.txt",
    ),
    Rule(
        "python.pycache",
        "python",
        "cache",
        ("__pycache__",),
        recreate="automatic on import",
        # What Python writes there (PEP 3147): <module>.<tag>[.opt-N].pyc, and the temporary
        # name importlib writes it under first (_write_atomic: the path, a dot, a number);
        # and Numba's cache of compiled functions, <module>.<function>-<line>.py<ver>.nbi and
        # .<n>.nbc (https://numba.readthedocs.io/en/stable/developer/caching.html).
        only=r"(?P<module>[^.]+)\.[^/]+\.(?:py[co](?:\.[0-9]+)?|py[0-9]+\.(?:[0-9]+\.nbc|nbi))",
        only_from=(".py", ".pyw"),
    ),
    Rule("python.pytest-cache", "python", "cache", (".pytest_cache",), recreate="pytest"),
    Rule("python.mypy-cache", "python", "cache", (".mypy_cache",), recreate="mypy"),
    Rule("python.ruff-cache", "python", "cache", (".ruff_cache",), recreate="ruff check"),
    Rule("python.pytype", "python", "cache", (".pytype",), recreate="pytype"),
    Rule("python.pyre", "python", "cache", (".pyre",), recreate="pyre check"),
    Rule(
        "python.tox",
        "python",
        "virtualenv",
        (".tox",),
        beside=("tox.ini", *MARKERS),
        recreate="tox",
    ),
    Rule("python.nox", "python", "virtualenv", (".nox",), beside=("noxfile.py",), recreate="nox"),
    Rule(
        "python.pypackages",
        "python",
        "dependencies",
        ("__pypackages__",),
        beside=MARKERS,
        recreate="pdm install",
    ),
    Rule(
        "python.ipynb-checkpoints",
        "python",
        "cache",
        (".ipynb_checkpoints",),
        recreate="automatic (Jupyter)",
        # Jupyter's last saved copy of each file it edits, <name>-checkpoint<ext>
        # (jupyter_server's FileCheckpoints); with the file gone, the last copy of it.
        only=r"(?P<module>.+)-checkpoint(?P<ext>\.[^/]*)?",
        only_from=("",),
    ),
    Rule(
        "python.egg-info",
        "python",
        "build",
        ("*.egg-info",),
        beside=MARKERS,
        # A src layout (`package-dir`/`where`) puts it in `src/`, away from the project's
        # markers (issue 18, item 1): setuptools' own PKG-INFO inside proves it wherever it is.
        inside=("PKG-INFO",),
        recreate="pip install -e .",
    ),
    Rule(
        "python.eggs",
        "python",
        "build",
        (".eggs",),
        beside=MARKERS,
        recreate="python setup.py build",
    ),
    Rule("python.build", "python", "build", ("build",), beside=MARKERS, recreate="python -m build"),
    Rule("python.dist", "python", "build", ("dist",), beside=MARKERS, recreate="python -m build"),
    Rule(
        "python.htmlcov",
        "python",
        "cache",
        ("htmlcov",),
        beside=(".coveragerc", *MARKERS),
        recreate="coverage html",
    ),
    Rule(
        "python.coverage-data",
        "python",
        "cache",
        (".coverage", ".coverage.*"),
        folder=False,
        recreate="coverage run",
    ),
    Rule(
        "python.stray-bytecode",
        "python",
        "cache",
        ("*.pyc", "*.pyo"),
        folder=False,
        # Outside __pycache__ a .pyc with no .py beside it is importable on its own and may be
        # the only copy of that program (pyclean#32): never "stray".
        source=(".py",),
        recreate="automatic on import",
        ignore_line="*.py[cod]",
    ),
    Rule(
        "python.docs-build",
        "python",
        "build",
        ("_build",),
        beside=("conf.py",),
        recreate="make html",
    ),
)
