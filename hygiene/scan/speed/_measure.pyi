from collections.abc import Sequence

def measure_tree(
    paths: Sequence[str],
    dev: int,
    cross: bool,
    exact: tuple[bytes, ...],
    heads: tuple[bytes, ...],
    tails: tuple[bytes, ...],
    pieces: tuple[bytes, ...],
    /,
) -> tuple[
    int,
    int,
    int,
    int,
    float,
    bool,
    dict[tuple[int, int], list[float]],
    list[tuple[str, str]],
    list[str],
]: ...
def list_folder(
    path: str,
    dev: int,
    cross: bool,
    large: int,
    sqlite: bool,
    exact: frozenset[str],
    heads: tuple[str, ...],
    tails: tuple[str, ...],
    pieces: tuple[str, ...],
    /,
) -> tuple[
    list[str],
    int,
    int,
    int,
    int,
    list[str],
    list[tuple[str, int, int, int, int, int, int, float]],
    list[str],
    list[str],
    list[tuple[str, int]],
    int,
    int,
    float,
]: ...
def dirs_holding(root: str, paths: bytes, name: bytes, /) -> list[tuple[bytes, int]]: ...
def index_names(data: bytes, count: int, end: int, version: int, /) -> tuple[bytes, int] | None: ...
