"""The floor for any Python walker: os.scandir plus one lstat per entry, nothing else."""

from __future__ import annotations

import os
import sys


def walk(root: str) -> tuple[int, int]:
    stack = [root]
    total = count = 0
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as it:
            for entry in it:
                st = entry.stat(follow_symlinks=False)
                total += st.st_size
                count += 1
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return total, count


if __name__ == "__main__":
    print(*walk(sys.argv[1]))
