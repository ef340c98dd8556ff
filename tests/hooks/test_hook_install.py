"""`hygiene hook install`: the hooks added to .pre-commit-config.yaml, everything else kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hygiene.hooks import HOOKS, OPTIONS
from hygiene.hooks.install import (
    RepoSource,
    repository_from_direct_url,
    repository_from_project_urls,
)
from tests.conftest import WORKTREE

IDS = list(HOOKS)

STYLED = """\
# Team hooks. Keep this comment.
default_stages: [pre-commit]
repos:
  # formatting first
  - repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0  # pinned on purpose
    hooks:
      - id: trailing-whitespace
        args: [--markdown-linebreak-ext=md]
      # - id: end-of-file-fixer   (disabled for now)

# CI settings below belong to pre-commit.ci
ci:
  autofix_prs: false
"""


@pytest.fixture
def repo(make_repo, monkeypatch):  # type: ignore[no-untyped-def]
    r = make_repo()
    monkeypatch.chdir(r.path)
    return r


def validate(path: Path) -> None:
    """pre-commit itself must accept the file."""
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_creates_a_config_at_the_repo_root(repo, cli, monkeypatch):  # type: ignore[no-untyped-def]
    (repo.path / "sub").mkdir()
    monkeypatch.chdir(repo.path / "sub")
    result = cli("hook", "install", "--local")
    assert result.code == 0
    config = repo.path / ".pre-commit-config.yaml"
    assert "created" in result.err
    assert "pre-commit install" in result.err
    data = yaml.safe_load(config.read_text())
    assert data == {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": h,
                        "name": h,
                        "entry": f"hygiene hook {h}",
                        "language": "system",
                        **OPTIONS[h],
                    }
                    for h in IDS
                ],
            }
        ]
    }
    validate(config)


def test_keeps_comments_entries_and_indentation(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(STYLED)
    result = cli("hook", "install", "--repo", "https://example.org/hygiene.git", "--rev", "v0.1.0")
    assert result.code == 0, result.err
    text = config.read_text()
    # Every original line survives, in order, and the new entry sits inside the repos list in the
    # file's own two-space style, before the comment that belongs to `ci:`.
    added = [
        "  - repo: https://example.org/hygiene.git",
        "    rev: v0.1.0",
        "    hooks:",
        *(f"      - id: {h}" for h in IDS),
    ]
    original = STYLED.splitlines()
    cut = original.index("      # - id: end-of-file-fixer   (disabled for now)") + 1
    assert text.splitlines() == [*original[:cut], *added, *original[cut:]]
    validate(config)


def test_second_run_changes_nothing(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(STYLED)
    assert cli("hook", "install").code == 0
    once = config.read_bytes()
    result = cli("hook", "install")
    assert result.code == 0
    assert config.read_bytes() == once
    assert "already in" in result.err


def test_adds_only_the_missing_hook(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    assert cli("hook", "install", "--hook", IDS[0]).code == 0
    assert cli("hook", "install").code == 0
    data = yaml.safe_load(config.read_text())
    ids = [h["id"] for r in data["repos"] for h in r["hooks"]]
    assert sorted(ids) == sorted(IDS)
    validate(config)


def test_follows_pre_commit_sample_style_and_crlf(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    sample = (
        "repos:\r\n-   repo: https://github.com/psf/black\r\n    rev: 24.1.0\r\n"
        "    hooks:\r\n    -   id: black\r\n"
    )
    config.write_bytes(sample.encode())
    assert cli("hook", "install", "--local", "--hook", IDS[1]).code == 0
    raw = config.read_bytes().decode()
    assert raw.startswith(sample)
    assert raw[len(sample) :] == (
        f"-   repo: local\r\n    hooks:\r\n    -   id: {IDS[1]}\r\n        name: {IDS[1]}\r\n"
        f"        entry: hygiene hook {IDS[1]}\r\n        language: system\r\n"
        "        pass_filenames: false\r\n        require_serial: true\r\n"
    )


def test_empty_flow_list_and_comment_only_file(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text("# nothing yet\nrepos: []\n")
    assert cli("hook", "install", "--local").code == 0
    assert config.read_text().startswith("# nothing yet\nrepos:\n-   repo: local\n")
    validate(config)
    config.write_text("# just a comment\n")
    assert cli("hook", "install", "--local").code == 0
    assert config.read_text().startswith("# just a comment\nrepos:\n-   repo: local\n")
    validate(config)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("repos: [{repo: local, hooks: []}]\n", (), "not a plain block list"),
        ("repos:\n  - repo: x\n   bad: [\n", (), "not valid YAML"),
        ("repos: 3\n", (), "repos: expected a list of repositories"),
        ("- a\n- b\n", (), "expected a mapping"),
        ("repos: []\n", ("--repo", "https://example.org/h"), "--repo needs --rev"),
        ("repos: []\n", ("--rev", "v0.1.0"), "--rev needs --repo"),
        ("repos: []\n", ("--hook", "no-such-hook"), "unknown hook 'no-such-hook'"),
    ],
)
def test_refusals_change_nothing(repo, cli, content, args, message):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(content)
    result = cli("hook", "install", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert config.read_text() == content
    assert [p.name for p in repo.path.iterdir() if p.name != ".git"] == [config.name]


def test_outside_a_repository_needs_file(tmp_path, cli, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    assert cli("hook", "install").code == 2
    target = tmp_path / "pc.yaml"
    assert cli("hook", "install", "--file", target).code == 0
    validate(target)


# -- the default: hygiene's own repository, as its install records it (issue 17, item 8c) --


def hooks_checkout(make_repo, name: str = "hygiene"):  # type: ignore[no-untyped-def]
    """A committed git work tree holding a hooks manifest, as a hygiene checkout does."""
    r = make_repo(name)
    r.write(".pre-commit-hooks.yaml", (WORKTREE / ".pre-commit-hooks.yaml").read_text())
    r.write("hygiene/__init__.py", "")
    r.commit()
    return r


def dir_info(path: Path, *, editable: bool = True) -> dict[str, object]:
    """PEP 610's record of an install from a local folder, as pip writes it."""
    return {"url": path.as_uri(), "dir_info": {"editable": True} if editable else {}}


@pytest.mark.parametrize("editable", [True, False])
def test_a_clean_checkout_gives_its_path_at_head(make_repo, editable) -> None:  # type: ignore[no-untyped-def]
    r = hooks_checkout(make_repo)
    found = repository_from_direct_url(dir_info(r.path, editable=editable))
    assert isinstance(found, RepoSource), found
    assert found.repo == str(r.path)
    assert found.rev == r.git("rev-parse", "HEAD").strip()
    assert len(found.rev) == 40
    assert found.note is None
    assert "this hygiene's install" in found.origin


@pytest.mark.parametrize("change", ["modified", "staged", "untracked"])
def test_uncommitted_changes_keep_head_and_say_so(make_repo, change) -> None:  # type: ignore[no-untyped-def]
    r = hooks_checkout(make_repo)
    head = r.git("rev-parse", "HEAD").strip()
    if change == "untracked":
        r.write("hygiene/new_module.py", "x = 1\n")
    else:
        r.write("hygiene/__init__.py", "x = 2\n")
        if change == "staged":
            r.git("add", "hygiene/__init__.py")
    found = repository_from_direct_url(dir_info(r.path))
    assert isinstance(found, RepoSource), found
    assert found.rev == head
    assert found.note is not None
    assert "uncommitted changes" in found.note
    assert str(r.path) in found.note
    assert head[:12] in found.note
    assert "\n" not in found.note


def test_ignored_files_are_not_uncommitted_changes(make_repo) -> None:  # type: ignore[no-untyped-def]
    r = hooks_checkout(make_repo)
    r.write(".gitignore", "*.egg-info/\n")
    r.commit()
    r.write(
        "hygiene_cli.egg-info/PKG-INFO", "Name: hygiene-cli\n"
    )  # what an editable install leaves
    found = repository_from_direct_url(dir_info(r.path))
    assert isinstance(found, RepoSource), found
    assert found.note is None


def test_a_folder_name_with_a_space_is_decoded(make_repo) -> None:  # type: ignore[no-untyped-def]
    r = hooks_checkout(make_repo, "my hygiene")
    assert "%20" in r.path.as_uri()
    found = repository_from_direct_url(dir_info(r.path))
    assert isinstance(found, RepoSource), found
    assert found.repo == str(r.path)


def test_a_folder_that_is_not_a_work_tree(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (folder / ".pre-commit-hooks.yaml").write_text("[]\n")
    reason = repository_from_direct_url(dir_info(folder))
    assert isinstance(reason, str)
    assert f"installed from {folder}" in reason
    assert "not a git work tree" in reason


def test_a_folder_inside_another_work_tree(make_repo) -> None:  # type: ignore[no-untyped-def]
    r = make_repo("outer")
    r.write("vendor/hygiene/.pre-commit-hooks.yaml", "[]\n")
    r.commit()
    reason = repository_from_direct_url(dir_info(r.path / "vendor" / "hygiene"))
    assert isinstance(reason, str)
    assert f"not the top of its git work tree ({r.path})" in reason


@pytest.mark.parametrize("state", ["no commit", "uncommitted manifest", "no manifest"])
def test_head_must_hold_the_hooks_manifest(make_repo, state) -> None:  # type: ignore[no-untyped-def]
    r = make_repo()
    if state != "no commit":
        r.write("README.md", "x\n")
        r.commit()
    if state != "no manifest":
        r.write(".pre-commit-hooks.yaml", "[]\n")
    reason = repository_from_direct_url(dir_info(r.path))
    assert isinstance(reason, str)
    assert ".pre-commit-hooks.yaml" in reason
    assert "HEAD" in reason


@pytest.mark.parametrize(
    "url", ["https://example.org/hygiene.git", "git+https://example.org/hygiene.git"]
)
def test_a_git_install_gives_its_url_at_the_commit(url) -> None:  # type: ignore[no-untyped-def]
    commit = "0123456789abcdef0123456789abcdef01234567"
    found = repository_from_direct_url(
        {"url": url, "vcs_info": {"vcs": "git", "commit_id": commit, "requested_revision": "main"}}
    )
    assert isinstance(found, RepoSource), found
    assert (found.repo, found.rev, found.note) == ("https://example.org/hygiene.git", commit, None)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"url": "https://hg.example.org/h", "vcs_info": {"vcs": "hg", "commit_id": "1"}}, "hg"),
        (
            {
                "url": "https://example.org/mono.git",
                "subdirectory": "tools/hygiene",
                "vcs_info": {"vcs": "git", "commit_id": "a" * 40},
            },
            "tools/hygiene",
        ),
        (
            {"url": "https://example.org/hygiene_cli-0.1.0-py3-none-any.whl", "archive_info": {}},
            "archive",
        ),
    ],
)
def test_installs_that_name_no_usable_repository(data, said) -> None:  # type: ignore[no-untyped-def]
    reason = repository_from_direct_url(data)
    assert isinstance(reason, str)
    assert said in reason


@pytest.mark.parametrize(
    ("urls", "repo"),
    [
        (
            [
                "Documentation, https://example.org/docs",
                "Source, https://github.com/example/hygiene",
            ],
            "https://github.com/example/hygiene",
        ),
        (
            ["Repository, https://git.example.org/team/hygiene.git"],
            "https://git.example.org/team/hygiene.git",
        ),
        (["Homepage, https://gitlab.com/example/hygiene/"], "https://gitlab.com/example/hygiene"),
        (["Homepage, https://example.org/hygiene"], None),
        (["Issues, https://github.com/example/hygiene/issues"], None),
        (["Source, https://github.com/example/hygiene/tree/main/tools"], None),
        ([], None),
    ],
)
def test_project_urls_give_a_git_host_at_the_version_tag(urls, repo) -> None:  # type: ignore[no-untyped-def]
    found = repository_from_project_urls(urls, "0.1.0")
    if repo is None:
        assert isinstance(found, str)
        assert "Project-URL" in found
    else:
        assert isinstance(found, RepoSource), found
        assert (found.repo, found.rev) == (repo, "v0.1.0")
        assert "Project-URL" in found.origin


def installed_from() -> dict[str, object] | None:
    """What pip recorded for the hygiene-cli installed beside this interpreter, read by hand."""
    import json
    import sysconfig

    for record in Path(sysconfig.get_paths()["purelib"]).glob("hygiene_cli-*.dist-info"):
        if (record / "direct_url.json").is_file():
            data: dict[str, object] = json.loads((record / "direct_url.json").read_text())
            return data
    return None


def test_default_is_this_checkout_at_its_head(repo, cli) -> None:  # type: ignore[no-untyped-def]
    """The real installed hygiene: `pip install -e .` from this checkout (as .ci/run does)."""
    if installed_from() != {"url": WORKTREE.as_uri(), "dir_info": {"editable": True}}:
        pytest.skip(f"hygiene-cli is not installed editable from {WORKTREE}: {installed_from()}")
    head = subprocess.run(
        ["git", "-C", str(WORKTREE), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(WORKTREE), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = cli("hook", "install")
    assert result.code == 0, result.err
    config = repo.path / ".pre-commit-config.yaml"
    assert yaml.safe_load(config.read_text()) == {
        "repos": [{"repo": str(WORKTREE), "rev": head, "hooks": [{"id": h} for h in IDS]}]
    }
    validate(config)
    [wrote] = [ln for ln in result.err.splitlines() if ln.startswith("hygiene: wrote ")]
    assert wrote.startswith(
        f"hygiene: wrote the repository form (repo: {WORKTREE}, rev: {head}) from this hygiene's install"
    ), wrote
    notes = [ln for ln in result.err.splitlines() if "uncommitted changes" in ln]
    assert len(notes) == (1 if dirty else 0), result.err


def test_the_checkouts_own_egg_info_does_not_hide_the_install() -> None:
    """Started from the checkout, Python finds `hygiene_cli.egg-info` there (the build's
    leftover, no direct_url.json) before the dist-info pip wrote; the record is still pip's."""
    if installed_from() != {"url": WORKTREE.as_uri(), "dir_info": {"editable": True}}:
        pytest.skip(f"hygiene-cli is not installed editable from {WORKTREE}: {installed_from()}")
    if not (WORKTREE / "hygiene_cli.egg-info").is_dir():
        pytest.skip("no hygiene_cli.egg-info in the checkout")
    code = (
        "import importlib.metadata as m; from hygiene.hooks.install import own_repository; "
        "print(m.distribution('hygiene-cli')._path); print(own_repository().repo)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=WORKTREE, capture_output=True, text=True, check=True
    )
    first, repo = done.stdout.splitlines()
    assert Path(first).name == "hygiene_cli.egg-info"
    assert repo == str(WORKTREE)


def test_explicit_forms_override_the_default(repo, cli) -> None:  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    result = cli(
        "hook", "install", "--repo", "https://example.org/h.git", "--rev", "v1", "--hook", IDS[0]
    )
    assert result.code == 0, result.err
    assert "(repo: https://example.org/h.git, rev: v1) from --repo/--rev" in result.err
    assert "uncommitted" not in result.err
    result = cli("hook", "install", "--local", "--hook", IDS[1])
    assert "wrote the system form" in result.err
    data = yaml.safe_load(config.read_text())
    assert [r["repo"] for r in data["repos"]] == ["https://example.org/h.git", "local"]
    assert data["repos"][1]["hooks"][0]["language"] == "system"


def test_a_hygiene_no_install_describes_falls_back_and_says_why(make_repo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """hygiene run from a copy on PYTHONPATH: the installed hygiene-cli's record is about another
    copy, so it is not this hygiene's repository."""
    import shutil

    copy = tmp_path / "elsewhere"
    shutil.copytree(
        WORKTREE / "hygiene", copy / "hygiene", ignore=shutil.ignore_patterns("__pycache__")
    )
    target = make_repo("project")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, hygiene; from hygiene.cli.main import main; "
            "print(hygiene.__file__); sys.exit(main(['hook', 'install']))",
        ],
        cwd=target.path,
        env={**os.environ, "PYTHONPATH": str(copy)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(copy / "hygiene" / "__init__.py")
    data = yaml.safe_load((target.path / ".pre-commit-config.yaml").read_text())
    [entry] = data["repos"]
    assert entry["repo"] == "local"
    assert {h["language"] for h in entry["hooks"]} == {"python"}
    lines = done.stderr.splitlines()
    [wrote] = [ln for ln in lines if ln.startswith("hygiene: wrote ")]
    assert "the local form (repo: local, language: python)" in wrote
    [why] = [ln for ln in lines if ln.startswith("hygiene: not the repository form: ")]
    assert str(copy / "hygiene") in why
    assert "--repo URL --rev REV" in why


def test_a_planted_temporary_name_is_never_written_through(repo, cli, tmp_path):  # type: ignore[no-untyped-def]
    """A repository can carry a symlink at the name the edit writes first (a clone brings it):
    the edit must never write through it, outside the repository."""
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file\n")
    before = (victim.read_bytes(), victim.stat().st_mode)
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(STYLED)
    (repo.path / ".pre-commit-config.yaml.hygiene-tmp").symlink_to(victim)

    result = cli("hook", "install", "--local")

    assert result.code == 0, result.err
    assert (victim.read_bytes(), victim.stat().st_mode) == before
    assert not config.is_symlink()
    assert config.read_text().startswith(STYLED.split("\n# CI settings")[0])
    validate(config)


def test_a_symlinked_config_is_refused_and_left_as_it_is(repo, cli, tmp_path):  # type: ignore[no-untyped-def]
    """A config that is a link (to a team's shared file, say): writing through it edits a file
    outside the repository, and replacing it drops the link; neither, the user is told."""
    shared = tmp_path / "shared.yaml"
    shared.write_text(STYLED)
    config = repo.path / ".pre-commit-config.yaml"
    config.symlink_to(shared)

    result = cli("hook", "install", "--local")

    assert result.code != 0
    assert "symlink" in result.err
    assert os.readlink(config) == str(shared)
    assert shared.read_text() == STYLED


@pytest.mark.skipif(os.geteuid() != 0, reason="root editing another user's file")
def test_root_editing_a_users_config_keeps_its_owner_and_mode(repo, cli):  # type: ignore[no-untyped-def]
    config = repo.path / ".pre-commit-config.yaml"
    config.write_text(STYLED)
    os.chown(config, 1234, 2345)
    os.chmod(config, 0o640)

    result = cli("hook", "install", "--local")

    assert result.code == 0, result.err
    st = config.stat()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (1234, 2345, 0o640)
    assert config.read_text().startswith(STYLED.split("\n# CI settings")[0])
