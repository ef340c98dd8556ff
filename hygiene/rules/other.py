"""Elixir, Erlang, Haskell, Dart/Flutter, PHP, Ruby, game engines, Terraform, Nim, Elm, Jekyll."""

from __future__ import annotations

from hygiene.rules import Rule

UNITY = ("ProjectSettings", "Assets")

RULES: tuple[Rule, ...] = (
    Rule(
        "elixir.build", "elixir", "build", ("_build",), beside=("mix.exs",), recreate="mix compile"
    ),
    Rule(
        "elixir.deps",
        "elixir",
        "dependencies",
        ("deps",),
        beside=("mix.exs",),
        recreate="mix deps.get",
    ),
    Rule(
        "elixir.ls",
        "elixir",
        "cache",
        (".elixir_ls",),
        beside=("mix.exs",),
        recreate="automatic (ElixirLS)",
    ),
    Rule(
        "erlang.build",
        "erlang",
        "build",
        ("_build",),
        beside=("rebar.config",),
        recreate="rebar3 compile",
    ),
    Rule(
        "haskell.dist-newstyle",
        "haskell",
        "build",
        ("dist-newstyle",),
        beside=("cabal.project", "*.cabal"),
        recreate="cabal build",
    ),
    Rule(
        "haskell.stack-work",
        "haskell",
        "build",
        (".stack-work",),
        # Stack keeps one in the project folder and one in each local package's folder, beside
        # the package's .cabal file (https://docs.haskellstack.org/en/stable/topics/stack_work/).
        beside=("stack.yaml", "*.cabal"),
        recreate="stack build",
    ),
    Rule(
        "dart.dart-tool",
        "dart",
        "cache",
        (".dart_tool",),
        beside=("pubspec.yaml",),
        recreate="dart pub get",
    ),
    Rule(
        "dart.build",
        "dart",
        "build",
        ("build",),
        beside=("pubspec.yaml",),
        recreate="flutter build",
    ),
    Rule(
        "php.vendor",
        "php",
        "dependencies",
        ("vendor",),
        beside=("composer.json",),
        recreate="composer install",
    ),
    Rule(
        "ruby.bundle",
        "ruby",
        "dependencies",
        (".bundle",),
        beside=("Gemfile",),
        recreate="bundle install",
    ),
    Rule(
        "jekyll.site",
        "ruby",
        "build",
        ("_site", ".jekyll-cache", ".sass-cache"),
        beside=("_config.yml",),
        recreate="jekyll build",
    ),
    Rule(
        "unity.library",
        "unity",
        "cache",
        ("Library", "Temp", "Obj", "Logs"),
        beside=UNITY,
        recreate="reopen the project in Unity",
    ),
    Rule(
        "unreal.intermediate",
        "unreal",
        "build",
        ("Binaries", "Intermediate", "DerivedDataCache"),
        beside=("*.uproject",),
        recreate="rebuild in Unreal Editor",
    ),
    Rule(
        "godot.cache",
        "godot",
        "cache",
        (".godot", ".import"),
        beside=("project.godot",),
        recreate="reopen the project in Godot",
    ),
    Rule(
        "terraform.plugins",
        "terraform",
        "dependencies",
        (".terraform",),
        beside=(".terraform.lock.hcl", "*.tf"),
        recreate="terraform init",
    ),
    Rule(
        "elm.stuff",
        "elm",
        "dependencies",
        ("elm-stuff",),
        beside=("elm.json",),
        recreate="elm make",
    ),
    Rule("nim.cache", "nim", "cache", ("nimcache",), recreate="nim c"),
)
