"""Rust, Go, Zig, C and C++ (CMake), Swift: build folders proven by their manifests."""

from __future__ import annotations

from hygiene.rules import Rule

CMAKE = ("CMakeLists.txt",)

RULES: tuple[Rule, ...] = (
    Rule(
        "rust.target", "rust", "build", ("target",), beside=("Cargo.toml",), recreate="cargo build"
    ),
    Rule(
        "go.vendor",
        "go",
        "dependencies",
        ("vendor",),
        # Teams commit vendor/ often; only `go mod vendor`'s own modules.txt proves it.
        inside=("modules.txt",),
        recreate="go mod vendor",
    ),
    Rule(
        "zig.cache",
        "zig",
        "build",
        ("zig-cache", ".zig-cache", "zig-out"),
        beside=("build.zig",),
        recreate="zig build",
    ),
    Rule(
        "cpp.cmake-build",
        "cpp",
        "build",
        ("build", "cmake-build-*", "build-*", "Build"),
        beside=CMAKE,
        recreate="cmake -B build && cmake --build build",
    ),
    Rule(
        "cpp.cmake-cache",
        "cpp",
        "build",
        (),
        inside=("CMakeCache.txt",),
        recreate="cmake -B <path>",
    ),
    Rule(
        "swift.build",
        "swift",
        "build",
        (".build",),
        beside=("Package.swift",),
        recreate="swift build",
    ),
    Rule(
        "swift.swiftpm",
        "swift",
        "cache",
        (".swiftpm",),
        beside=("Package.swift",),
        recreate="swift package resolve",
    ),
    Rule(
        "apple.pods",
        "swift",
        "dependencies",
        ("Pods",),
        beside=("Podfile",),
        recreate="pod install",
    ),
    Rule(
        "apple.derived-data",
        "swift",
        "build",
        ("DerivedData",),
        beside=("*.xcodeproj", "*.xcworkspace"),
        recreate="xcodebuild",
    ),
)
