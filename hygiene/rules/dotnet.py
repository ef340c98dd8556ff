""".NET: `bin/` and `obj/` only beside a project file (npkill omits `bin/`: the name is generic)."""

from __future__ import annotations

from hygiene.rules import Rule

PROJECT_FILES = ("*.csproj", "*.fsproj", "*.vbproj")

RULES: tuple[Rule, ...] = (
    Rule("dotnet.bin", "dotnet", "build", ("bin",), beside=PROJECT_FILES, recreate="dotnet build"),
    Rule("dotnet.obj", "dotnet", "build", ("obj",), beside=PROJECT_FILES, recreate="dotnet build"),
    Rule(
        "dotnet.vs",
        "dotnet",
        "cache",
        (".vs",),
        beside=("*.sln", *PROJECT_FILES),
        recreate="automatic (Visual Studio)",
    ),
)
