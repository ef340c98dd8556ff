"""What a big file is, by its name: one table for the scan's large files and the commit hook.

`built` marks what a build writes from source (objects, libraries, packages, bytecode): the
hook tells the user to build it rather than commit it. The rest is data someone made or
downloaded (dumps, archives, weights, media): worth keeping, rarely worth committing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    suffixes: tuple[str, ...]
    kind: str
    built: bool


# Checked in order, by the end of the lower-cased name: a compound suffix (`.sql.gz`) comes
# before the plain one (`.gz`) it ends in.
PRODUCTS: tuple[Product, ...] = (
    Product((".whl",), "Python wheel", built=True),
    Product((".egg",), "Python egg", built=True),
    Product((".pyd",), "Python extension module", built=True),
    Product((".pyc",), "Python bytecode", built=True),
    Product((".jar",), "Java archive", built=True),
    Product((".war",), "Java web archive", built=True),
    Product((".ear",), "Java enterprise archive", built=True),
    Product((".class",), "Java class file", built=True),
    Product((".aar",), "Android library", built=True),
    Product((".apk", ".aab"), "Android package", built=True),
    Product((".nupkg",), "NuGet package", built=True),
    Product((".so", ".dylib", ".dll"), "shared library", built=True),
    # `.a` and `.lib` are archives of object files: static libraries, not object files.
    Product((".a", ".lib"), "static library", built=True),
    Product((".o", ".obj"), "object file", built=True),
    Product((".rlib",), "Rust library", built=True),
    Product((".exe",), "executable", built=True),
    Product((".wasm",), "WebAssembly module", built=True),
    Product((".pdb",), "debug symbols", built=True),
    # A compressed dump is a dump first.
    Product((".sql.gz", ".dump", ".sql", ".bak", ".pgdump"), "database dump", built=False),
    Product((".msi", ".ipa", ".dmg", ".deb", ".rpm", ".appimage"), "installer", built=False),
    Product(
        (".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".rar"),
        "archive",
        built=False,
    ),
    Product((".iso", ".img", ".qcow2", ".vmdk", ".vdi"), "disk image", built=False),
    Product(
        (".pt", ".pth", ".ckpt", ".safetensors", ".onnx", ".h5", ".pb", ".gguf", ".bin", ".pkl"),
        "model weights",
        built=False,
    ),
    Product((".sqlite", ".sqlite3", ".db"), "database", built=False),
    Product(
        (".parquet", ".npy", ".npz", ".feather", ".arrow", ".csv", ".jsonl"),
        "data file",
        built=False,
    ),
    Product((".mp4", ".mov", ".mkv", ".wav", ".flac"), "media", built=False),
)


def product_of(name: str) -> Product | None:
    """The table's entry for a file name (a path's last part), or None."""
    lower = name.lower()
    for product in PRODUCTS:
        if lower.endswith(product.suffixes):
            return product
    if ".so." in lower:  # libfoo.so.1.2, a versioned shared library
        return PRODUCTS_BY_KIND["shared library"]
    return None


PRODUCTS_BY_KIND = {p.kind: p for p in PRODUCTS}
