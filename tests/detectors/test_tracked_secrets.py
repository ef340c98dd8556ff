"""Issue 18, item 3: secrets and keys git tracks, now or in history, are their own finding kind,
with the remedy, and their values are never printed."""

from __future__ import annotations

import json

import pytest

VALUE = "s3cr3t-v4lue-never-printed"
KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7never"


@pytest.fixture
def leaky(make_repo):  # type: ignore[no-untyped-def]
    repo = make_repo("leaky")
    repo.write("app.py", "print(1)\n")
    repo.write(".env", f"SECRET_KEY={VALUE}\nDEBUG=1\n")
    repo.write(".env.example", "SECRET_KEY=\nDEBUG=1\n")
    repo.write("deploy/server.pem", f"-----BEGIN PRIVATE KEY-----\n{KEY_BODY}\n")
    repo.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    repo.write("keys/deploy", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\n")
    repo.write("id_ed25519.pub", "ssh-ed25519 AAAA me@host\n")
    repo.write(".aws/credentials", f"[default]\naws_secret_access_key = {VALUE}\n")
    repo.commit()
    repo.write(".env.local", f"TOKEN={VALUE}\n")  # untracked: an ignore gap, not this kind
    return repo


def secrets_of(doc: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {f["rel"]: f for f in doc["findings"] if f["kind"] == "tracked-secret"}


def test_tracked_secrets_are_reported_with_the_remedy(leaky, cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("scan", "--json", leaky.path)
    assert res.code == 0, res.err
    assert VALUE not in res.out and KEY_BODY not in res.out
    found = secrets_of(json.loads(res.out))
    assert set(found) == {".env", "deploy/server.pem", "keys/deploy", ".aws/credentials"}
    env = found[".env"]
    assert env["in_head"] is True and env["tracked"] is True
    assert env["path"] == str(leaky.path / ".env")
    assert "git rm --cached" in env["remedy"] and "rotate" in env["remedy"]
    assert env["suggestion"] == ".env*"
    assert found["keys/deploy"]["secret"] == "private key"


def test_tracked_secrets_in_the_human_report_never_show_the_value(leaky, cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("scan", leaky.path)
    assert res.code == 0, res.err
    assert "tracked secrets" in res.out
    assert "rotate" in res.out
    assert VALUE not in res.out + res.err and KEY_BODY not in res.out + res.err


def test_a_secret_removed_with_git_rm_is_still_leaked_in_history(make_repo, cli) -> None:  # type: ignore[no-untyped-def]
    repo = make_repo("history")
    repo.write("README.md", "hi\n")
    repo.write("config/.env.production", f"DATABASE_URL=postgres://u:{VALUE}@db/x\n")
    repo.commit()
    repo.git("rm", "-q", "--cached", "config/.env.production")
    repo.git("commit", "-q", "-m", "untrack")
    plain = json.loads(cli("scan", "--json", repo.path).out)
    assert secrets_of(plain) == {}  # history is read only with --git-stats
    res = cli("scan", "--json", "--git-stats", repo.path)
    assert res.code == 0, res.err
    assert VALUE not in res.out
    found = secrets_of(json.loads(res.out))
    assert set(found) == {"config/.env.production"}
    item = found["config/.env.production"]
    assert item["tracked"] is False and item["in_head"] is False
    assert item["commit"] and len(item["commit"]) == 40
    assert "filter-repo" in item["remedy"] and "rotate" in item["remedy"]
