from collections.abc import Sequence

def measure_tree(
    paths: Sequence[str], dev: int, cross: bool, /
) -> tuple[
    int,
    int,
    int,
    int,
    float,
    bool,
    dict[tuple[int, int], list[float]],
    list[tuple[str, str]],
]: ...
