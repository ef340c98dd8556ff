"""Every kind of key, certificate, key store, password database, credential file and database
SAFETY.md names keeps the artifact that holds it, at any depth (issue 14, item 3).

One `dist/` per kind, beside a `pyproject.toml`, cleaned with `--incinerate` through the real
CLI; each precious file must still be there byte for byte afterwards (a manifest taken
before), never judged by hygiene's own output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cleanhelp import age, manifest

PEM_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
# A DuckDB file: its magic "DUCK" at offset 8, three 4 KiB header blocks.
DUCKDB = b"\0" * 8 + b"DUCK" + b"\0" * (3 * 4096 - 12)

KINDS: dict[str, str | bytes] = {
    "id_dsa": PEM_KEY,  # ssh keys beyond the three common names
    "id_ed25519_sk": PEM_KEY,
    "id_ecdsa_sk": PEM_KEY,
    "server.crt": "-----BEGIN CERTIFICATE-----\n",  # certificates
    "server.cer": "-----BEGIN CERTIFICATE-----\n",
    "deploy.ppk": "PuTTY-User-Key-File-3: ssh-ed25519\n",  # PuTTY
    "release.jks": b"\xfe\xed\xfe\xed\0\0\0\x02",  # Java / Android signing key stores
    "upload.keystore": b"\xfe\xed\xfe\xed\0\0\0\x02",
    "AuthKey_ABC123.p8": "-----BEGIN PRIVATE KEY-----\n",  # Apple's .p8 keys
    "passwords.kdbx": b"\x03\xd9\xa2\x9a\x67\xfb\x4b\xb5",  # KeePass
    "secring.gpg": b"\x95\x01\x0c",  # a GnuPG secret keyring
    ".netrc": "machine example.com login me password hunter2\n",  # credential files
    ".pgpass": "db:5432:app:me:hunter2\n",
    ".git-credentials": "https://me:ghp_token@github.com\n",
    ".npmrc": "//registry.npmjs.org/:_authToken=npm_token\n",
    "credentials.json": '{"installed": {"client_secret": "x"}}\n',
    "client.ovpn": "<key>\n-----BEGIN PRIVATE KEY-----\n</key>\n",
    "analytics.duckdb": DUCKDB,  # databases by name ...
    "data.bin": DUCKDB,  # ... and by header, whatever the name
}


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_each_precious_kind_keeps_its_dist(cli, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / _slug(name)
    (project / "dist" / "sub").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (project / "dist" / "p-1.0.tar.gz").write_bytes(b"\x1f\x8b" + b"\0" * 64)
    content = KINDS[name]
    target = project / "dist" / "sub" / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)
    age(tmp_path)
    before = manifest(project / "dist")

    cli("clean", tmp_path, "--all", "--yes", "--incinerate")

    assert (project / "dist").is_dir(), f"dist/sub/{name} was incinerated"
    assert manifest(project / "dist") == before


def test_unsaved_work_inside_an_installed_package_keeps_node_modules(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A package edited in place (the patch-package way) by an editor that then crashed: its
    swap and auto-save files are the user's unsaved work, not files the package shipped."""
    project = tmp_path / "shop"
    pkg = project / "node_modules" / "left-pad"
    pkg.mkdir(parents=True)
    (project / "package.json").write_text("{}\n")
    (pkg / "index.js").write_text("module.exports = 1\n")
    (pkg / ".index.js.swp").write_bytes(b"b0VIM 9.0\0\0" + b"\0" * 100)
    (pkg / "#index.js#").write_text("module.exports = 2 // unsaved\n")
    age(project)
    before = manifest(project / "node_modules")

    cli("clean", project, "--yes", "--incinerate")

    assert manifest(project / "node_modules") == before


def test_a_backup_whose_original_is_gone_is_the_only_copy(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`thesis.tex~` is junk beside `thesis.tex`; with the original deleted it is the last copy
    there is, as a `.pyc` without its `.py` is (issue 14, item 9)."""
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "thesis.tex~").write_text("\\chapter{One}\n")  # original deleted
    (tmp_path / "paper" / "notes.txt").write_text("notes\n")
    (tmp_path / "paper" / "notes.txt~").write_text("older notes\n")
    age(tmp_path)

    cli("clean", tmp_path, "--all", "--yes", "--incinerate")

    assert (tmp_path / "paper" / "thesis.tex~").read_text() == "\\chapter{One}\n"
    assert not (tmp_path / "paper" / "notes.txt~").exists()  # a backup beside its original
