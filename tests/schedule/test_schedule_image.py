"""hygiene's image built from the Containerfile with podman, and the CronJobs `hygiene schedule
export --format k8s` writes run in it (issue 17 item 7).

No container registry is needed: the base is Debian made by debootstrap from the Debian mirror
apt uses, imported into podman and passed as `--build-arg BASE=...`: the Containerfile whose
default base is python:3.12-slim is built for real, its pip install included. Each exported
container is run as a kubelet would start it: its command (with Kubernetes' `$(VAR)`
expansion), workingDir, env (secretKeyRef from a stand-in Secret), the ConfigMap's hygiene.toml
mounted read-only at its mountPath, and the `work` volume replaced by a folder, as
docs/schedule.md says to do with a persistentVolumeClaim. What the job did is then checked on
that folder, after the container is gone.
"""

from __future__ import annotations

import ast
import datetime as dt
import gzip
import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from hygiene import __version__
from hygiene.schedule.export import K8S_HOME
from tests.conftest import WORKTREE, require_tool

pytestmark = pytest.mark.slow

SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
# The rootfs tarball outlives the test (debootstrap takes a minute); the test builds it when absent.
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hygiene-ci"
BASE_KEY = f"debian-{SUITE}-{'-'.join(BASE_PACKAGES)}"
BASE_TAG = f"localhost/hygiene-ci-base:{BASE_KEY}"
LONG = 1800  # seconds: debootstrap and pip download over the network

CONFIG = """\
[[db.rules]]
name = "old-logs"
table = "logs"
column = "created_at"
older_than = "30d"
action = "archive"

[[jobs]]
name = "logs"
schedule = "0 3 * * *"
timezone = "UTC"
run = "db clean --rule old-logs --yes"
url_env = "APP_DATABASE_URL"

[[jobs]]
name = "tidy"
schedule = "30 3 * * *"
timezone = "UTC"
run = "clean . --yes --min-age 0s"
"""


def run(argv: Sequence[str | os.PathLike[str]], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [os.fspath(a) for a in argv], capture_output=True, text=True, check=False, **kwargs
    )
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


def podman_argv() -> list[str]:
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the image test runs podman and debootstrap as root, as CI does")
        pytest.skip("the image test runs podman and debootstrap as root")
    podman = require_tool("podman", shutil.which("podman"), "apt-get install podman runc")
    runc = shutil.which("runc")
    # crun, podman's default runtime, refuses a host whose cgroups mix v1 and v2 ("cgroups in
    # hybrid mode not supported"); runc runs there and everywhere else.
    return [podman, *(["--runtime", runc] if runc else [])]


def ulimits() -> list[str]:
    """podman asks for more open files than a process without CAP_SYS_RESOURCE may grant (a
    container sandbox's root), and its runtime cannot set NPROC above podman's own, which podman
    may have lowered below this process's; a limit under both is always allowed."""
    flags = []
    for name, which in (("nofile", resource.RLIMIT_NOFILE), ("nproc", resource.RLIMIT_NPROC)):
        soft, _hard = resource.getrlimit(which)
        value = 8192 if soft == resource.RLIM_INFINITY else min(soft, 8192)
        flags += ["--ulimit", f"{name}={value}:{value}"]
    return flags


def debian_mirror() -> str:
    """The mirror apt reads SUITE from here (deb822 .sources or one-line .list), else Debian's
    own redirector."""
    folder = Path("/etc/apt/sources.list.d")
    files = [Path("/etc/apt/sources.list"), *(sorted(folder.iterdir()) if folder.is_dir() else [])]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = {
                    k.strip(): v.strip()
                    for k, _, v in (
                        line.partition(":")
                        for line in stanza.splitlines()
                        if line and not line.startswith("#")
                    )
                }
                if (
                    "deb" in fields.get("Types", "").split()
                    and SUITE in fields.get("Suites", "").split()
                    and fields.get("Enabled", "yes") != "no"
                ):
                    return fields["URIs"].split()[0]
        elif path.suffix == ".list" or path.name == "sources.list":
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
                if len(words) >= 3 and words[0] == "deb" and words[2] == SUITE:
                    return words[1]
    return DEFAULT_MIRROR


def mounts_under(root: Path) -> list[str]:
    with open("/proc/self/mountinfo", encoding="utf-8") as info:
        points = [line.split()[4] for line in info]
    prefix = os.fspath(root.resolve()) + "/"
    return sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True)


def remove_rootfs(root: Path) -> None:
    """debootstrap may bind-mount the host's /dev nodes into its target: anything still
    mounted there is unmounted first, and nothing is removed while a mount remains."""
    for point in mounts_under(root):
        subprocess.run(["umount", "-l", point], check=False)
    left = mounts_under(root)
    assert not left, f"still mounted, {root} kept: {left}"
    shutil.rmtree(root)


def base_tarball() -> Path:
    tarball = CACHE / f"{BASE_KEY}.tar"
    if tarball.exists():
        return tarball
    debootstrap = require_tool(
        "debootstrap", shutil.which("debootstrap"), "apt-get install debootstrap"
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    root = CACHE / f"{BASE_KEY}.{uuid.uuid4().hex}.root"
    part = tarball.with_name(tarball.name + f".{uuid.uuid4().hex}.part")
    try:
        run(
            [
                debootstrap,
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                SUITE,
                root,
                debian_mirror(),
            ],
            timeout=LONG,
        )
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (root / leftover).glob("*"):
                if item.is_file():
                    item.unlink()
        run(["tar", "--numeric-owner", "-C", root, "-cf", part, "."], timeout=LONG)
        part.replace(tarball)
    finally:
        part.unlink(missing_ok=True)
        if root.exists():
            remove_rootfs(root)
    return tarball


def base_image(podman: list[str]) -> str:
    exists = subprocess.run([*podman, "image", "exists", BASE_TAG], check=False)
    if exists.returncode != 0:
        run([*podman, "import", base_tarball(), BASE_TAG], timeout=LONG)
    return BASE_TAG


def pip_settings(folder: Path) -> Path:
    """A pip.conf with this machine's pip settings that reach an index over the network (a
    mirror, the CA of an intercepting proxy); local indexes and constraints stay behind."""
    done = run([sys.executable, "-m", "pip", "config", "list"])
    found: dict[str, str] = {}
    from_env: dict[str, str] = {}
    for line in done.stdout.splitlines():
        scoped, sep, value = line.partition("=")
        if not sep:
            continue
        key = scoped.rsplit(".", 1)[-1]
        (from_env if scoped.startswith(":env:") else found)[key] = ast.literal_eval(value)
    found.update(from_env)  # pip's environment variables win over its files
    lines = ["[global]"]
    cert = os.environ.get("PIP_CERT") or found.get("cert")
    if cert and Path(cert).is_file():
        shutil.copyfile(cert, folder / "ca.crt")
        lines.append("cert = /etc/xdg/pip/ca.crt")
    for key in ("index-url", "extra-index-url", "trusted-host"):
        words = found.get(key, "").split()
        if key != "trusted-host":
            words = [w for w in words if w.startswith(("http://", "https://"))]
        if words:
            lines.append(f"{key} = {' '.join(words)}")
    (folder / "pip.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], str]]:
    podman = podman_argv()
    base = base_image(podman)
    tag = f"localhost/hygiene-test:{uuid.uuid4().hex[:12]}"
    pip_dir = pip_settings(tmp_path_factory.mktemp("pip"))
    run(
        [
            *podman,
            "build",
            *ulimits(),
            "--layers=false",
            "--pull=never",
            "--build-arg",
            f"BASE={base}",
            # Read by pip in the build's RUN step only: an empty mount point is all the image
            # keeps of it.
            "--volume",
            f"{pip_dir}:/etc/xdg/pip:ro",
            "-t",
            tag,
            "-f",
            WORKTREE / "Containerfile",
            WORKTREE,
        ],
        timeout=LONG,
    )
    try:
        yield podman, tag
    finally:
        subprocess.run([*podman, "rmi", "-f", tag], capture_output=True, check=False)


def expand(word: str, env: Mapping[str, str]) -> str:
    """Kubernetes' expansion of command and args: `$(NAME)` from the container's env, `$$` a
    literal `$`, a reference to an unset variable left as written."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", one, word)


def container_of(cronjob: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    return pod, container


def pod_run(
    podman: list[str],
    cronjob: dict[str, Any],
    config_map: dict[str, Any],
    volume: Path,
    staging: Path,
    secret: Mapping[str, str],
    command: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`podman run` of the CronJob's container as the kubelet starts it, with `volume` for the
    `work` emptyDir; `command` replaces the container's (a later `hygiene restore` there)."""
    pod, container = container_of(cronjob)
    env: dict[str, str] = {}
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            env[item["name"]] = secret[ref["key"]]
    argv = [*podman, "run", "--rm", *ulimits(), "--network", "none"]
    argv += ["--workdir", container["workingDir"]]
    for name, value in env.items():
        argv += ["--env", f"{name}={value}"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        source = volumes[mount["name"]]
        if "configMap" in source:
            assert source["configMap"]["name"] == config_map["metadata"]["name"]
            # A ConfigMap's files are root's, mode 0644 (its defaultMode).
            host = staging / mount["subPath"]
            host.write_text(config_map["data"][mount["subPath"]], encoding="utf-8")
            host.chmod(0o644)
        else:
            assert "emptyDir" in source, source
            host = volume
        argv += [
            "--volume",
            f"{host}:{mount['mountPath']}" + (":ro" if mount.get("readOnly") else ""),
        ]
    words = [expand(w, env) for w in (command or container["command"])]
    argv += ["--entrypoint", json.dumps(words), container["image"]]
    argv += [expand(w, env) for w in container.get("args", [])]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600)


def exported_docs(
    cli: Callable[..., Any], tmp_path: Path, tag: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "hygiene.toml").write_text(CONFIG, encoding="utf-8")
    out = tmp_path / "k8s"
    result = cli(
        "schedule", "export", "--format", "k8s", "--image", tag, "-o", out,
        "--config", project / "hygiene.toml",
    )  # fmt: skip
    assert result.code == 0, result.err
    docs = [d for d in yaml.safe_load_all((out / "hygiene-cronjobs.yaml").read_text()) if d]
    [config_map] = [d for d in docs if d["kind"] == "ConfigMap"]
    jobs = {d["metadata"]["name"]: d for d in docs if d["kind"] == "CronJob"}
    return config_map, jobs


def image_user(podman: list[str], tag: str) -> int:
    done = run([*podman, "image", "inspect", "--format", "{{.Config.User}}", tag])
    return int(done.stdout.strip())


def work_volume(tmp_path: Path, uid: int) -> Path:
    """The folder standing for the persistentVolumeClaim: the image's user can write it."""
    volume = tmp_path / "volume"
    volume.mkdir()
    os.chown(volume, uid, uid)
    return volume


def test_the_image_runs_hygiene_as_a_user_other_than_root(image: tuple[list[str], str]) -> None:
    podman, tag = image
    done = run([*podman, "run", "--rm", *ulimits(), "--network", "none", tag, "--version"])
    assert done.stdout.strip() == f"hygiene {__version__}"
    assert image_user(podman, tag) != 0
    # `podman run -v DIR:/work` keeps its state on DIR too, as the CronJob does.
    env = run([*podman, "image", "inspect", "--format", "{{json .Config.Env}}", tag])
    assert f"HYGIENE_HOME={K8S_HOME}" in json.loads(env.stdout)


def test_the_exported_db_clean_job_runs_and_its_archive_outlives_the_pod(
    cli: Callable[..., Any], image: tuple[list[str], str], tmp_path: Path
) -> None:
    podman, tag = image
    config_map, jobs = exported_docs(cli, tmp_path, tag)
    cronjob = jobs["hygiene-logs"]
    assert container_of(cronjob)[1]["image"] == tag
    uid = image_user(podman, tag)
    volume = work_volume(tmp_path, uid)
    database = volume / "app.db"
    now = dt.datetime.now(dt.timezone.utc)
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE logs (id INTEGER PRIMARY KEY, created_at TEXT, message TEXT)")
        for i in range(10):
            age = dt.timedelta(days=100 if i < 6 else 1)
            db.execute(
                "INSERT INTO logs (created_at, message) VALUES (?, ?)",
                ((now - age).strftime("%Y-%m-%d %H:%M:%S"), f"line {i}"),
            )
    db.close()
    os.chown(database, uid, uid)
    staging = tmp_path / "configmap"
    staging.mkdir()
    secret = {"APP_DATABASE_URL": "sqlite:////work/app.db"}

    done = pod_run(podman, cronjob, config_map, volume, staging, secret)

    assert done.returncode == 0, done.stdout + done.stderr
    with sqlite3.connect(database) as db:
        left = [m for (m,) in db.execute("SELECT message FROM logs ORDER BY id")]
    db.close()
    assert left == [f"line {i}" for i in range(6, 10)]
    # The rows deleted are in an archive on the volume, not in the container that is gone.
    archives = sorted((volume / ".hygiene" / "db-archive" / "app" / "old-logs").glob("*.jsonl.gz"))
    assert archives, done.stdout + done.stderr
    rows = []
    for path in archives:
        header, *lines = gzip.decompress(path.read_bytes()).decode().splitlines()
        assert json.loads(header)["table"] == "logs"
        rows += [json.loads(line) for line in lines]
    assert sorted(r["message"] for r in rows) == [f"line {i}" for i in range(6)]
    assert (staging / "hygiene.toml").read_text(encoding="utf-8") == CONFIG


def test_the_exported_clean_job_quarantines_on_the_volume_and_restore_brings_it_back(
    cli: Callable[..., Any], image: tuple[list[str], str], tmp_path: Path
) -> None:
    podman, tag = image
    config_map, jobs = exported_docs(cli, tmp_path, tag)
    cronjob = jobs["hygiene-tidy"]
    uid = image_user(podman, tag)
    volume = work_volume(tmp_path, uid)
    cache = volume / "app" / "__pycache__"
    cache.mkdir(parents=True)
    (volume / "app" / "main.py").write_text("print('hi')\n", encoding="utf-8")
    (cache / "main.cpython-311.pyc").write_bytes(b"\x00" * 64)
    for path in (volume / "app", cache, *volume.rglob("*.py*")):
        os.chown(path, uid, uid)
    staging = tmp_path / "configmap"
    staging.mkdir()

    done = pod_run(podman, cronjob, config_map, volume, staging, {})

    assert done.returncode == 0, done.stdout + done.stderr
    assert not cache.exists(), done.stdout + done.stderr
    assert (volume / "app" / "main.py").exists()
    kept = list((volume / ".hygiene" / "quarantine").rglob("main.cpython-311.pyc"))
    assert len(kept) == 1, done.stdout + done.stderr
    # A later pod on the same volume (as `kubectl run` with the claim would be) puts it back.
    back = pod_run(
        podman, cronjob, config_map, volume, staging, {},
        command=["hygiene", "restore", "--last", "--yes"],
    )  # fmt: skip
    assert back.returncode == 0, back.stdout + back.stderr
    assert (cache / "main.cpython-311.pyc").read_bytes() == b"\x00" * 64


def test_a_volume_the_image_user_cannot_write_is_refused_before_a_row_goes(
    cli: Callable[..., Any], image: tuple[list[str], str], tmp_path: Path
) -> None:
    """A claim left root's 0755 (no fsGroup): the job says where it cannot write, exit 2, and
    the database keeps every row."""
    podman, tag = image
    config_map, jobs = exported_docs(cli, tmp_path, tag)
    volume = tmp_path / "volume"
    volume.mkdir(mode=0o755)
    volume.chmod(0o755)
    database = volume / "app.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE logs (id INTEGER PRIMARY KEY, created_at TEXT, message TEXT)")
        db.execute("INSERT INTO logs (created_at, message) VALUES ('2000-01-01 00:00:00', 'old')")
    db.close()
    database.chmod(0o666)
    staging = tmp_path / "configmap"
    staging.mkdir()
    secret = {"APP_DATABASE_URL": "sqlite:////work/app.db"}

    done = pod_run(podman, jobs["hygiene-logs"], config_map, volume, staging, secret)

    assert done.returncode == 2, done.stdout + done.stderr
    assert f"cannot write {K8S_HOME} (Permission denied): nothing deleted" in done.stderr
    assert "internal error" not in done.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM logs").fetchone() == (1,)
    db.close()
