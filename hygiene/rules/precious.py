"""Secrets and local state: never artifacts, whatever another rule says (R3 in the reference)."""

from __future__ import annotations

from hygiene.rules import Rule

RULES: tuple[Rule, ...] = (
    Rule(
        "secret.dotenv",
        "generic",
        "secret",
        (".env", ".env.*", ".envrc"),
        folder=False,
        # Templates meant to be committed and shared, holding names but no values.
        unless=("*.example", "*.sample", "*.template", "*.dist", "*.defaults", "*.schema"),
        ignore_line=".env*",
    ),
    Rule(
        "secret.keys",
        "generic",
        "secret",
        (
            "*.pem",
            "*.key",
            "id_rsa",
            "id_dsa",
            "id_ed25519",
            "id_ecdsa",
            "id_*_sk",  # FIDO security-key ssh keys
            "*.p12",
            "*.pfx",
            "*.p8",  # Apple's signing and push keys
            "*.crt",
            "*.cer",
            "*.ppk",  # PuTTY
            "*.jks",  # Java and Android key stores: lose the upload key, lose the app
            "*.keystore",
            "*.kdbx",  # KeePass password databases
            "secring.*",  # GnuPG secret keyrings
            "*.ovpn",  # OpenVPN profiles, which embed their keys
        ),
        folder=False,
    ),
    Rule(
        "secret.credentials",
        "generic",
        "secret",
        (".netrc", "_netrc", ".pgpass", ".git-credentials", ".npmrc", "credentials.json"),
        folder=False,
    ),
    Rule("secret.pypirc", "python", "secret", (".pypirc",), folder=False),
    Rule("secret.streamlit", "python", "secret", ("secrets.toml",), folder=False),
    Rule("secret.local-settings", "python", "secret", ("local_settings.py",), folder=False),
    Rule("secret.rails-master-key", "ruby", "secret", ("master.key",), folder=False),
    Rule(
        "state.tfstate",
        "terraform",
        "state",
        ("*.tfstate", "*.tfstate.*", "*.tfvars"),
        folder=False,
    ),
    Rule("state.local-properties", "java", "state", ("local.properties",), folder=False),
    Rule("state.user-settings", "dotnet", "state", ("*.user", "*.suo"), folder=False),
    Rule(
        "state.dev-database",
        "generic",
        "state",
        ("*.sqlite", "*.sqlite3", "*.sqlite3-journal", "*.rdb", "*.aof", "*.duckdb"),
        folder=False,
    ),
    Rule("state.vagrant", "generic", "state", (".vagrant",)),
    Rule("state.unreal-saved", "unreal", "state", ("Saved",), beside=("*.uproject",)),
    Rule(
        "state.unity-user-settings",
        "unity",
        "state",
        ("UserSettings",),
        beside=("ProjectSettings", "Assets"),
    ),
    Rule(
        "state.ml-runs",
        "python",
        "state",
        ("mlruns", ".mlruns", "wandb", "lightning_logs", "outputs", "runs"),
    ),
    Rule("state.hypothesis", "python", "state", (".hypothesis",)),
    Rule(
        "state.local-services",
        "generic",
        "state",
        (".dynamodb", ".firebase", "mnesia", "rabbitmq-data", "activemq-data"),
    ),
    Rule("state.flask-instance", "python", "state", ("instance",), beside=("app.py", "wsgi.py")),
    # Editors' records of unsaved work: reported, never collected. Names as
    # github/gitignore's Global/Vim, Global/Emacs and Global/LibreOffice templates list them.
    Rule(
        "recovery.vim-swap",
        "editor",
        "recovery",
        ("*.swp", "*.swo", "*.swn"),
        folder=False,
        recreate="vim -r <file>",
        ignore_line="*.sw[nop]",
    ),
    Rule(
        "recovery.emacs-autosave",
        "editor",
        "recovery",
        ("#*#",),
        folder=False,
        recreate="M-x recover-this-file",
        ignore_line="\\#*\\#",
    ),
    Rule("recovery.emacs-lock", "editor", "recovery", (".#*",), folder=False),
    Rule("recovery.office-lock", "editor", "recovery", (".~lock.*#",), folder=False),
)
