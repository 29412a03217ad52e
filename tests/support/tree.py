"""A rendered project's file tree, as docs/rendered-tree.md shows it.

    .venv/bin/python tests/support/tree.py DIRECTORY

prints the tree of a rendered project (for instance one made by tools/demo),
ready to paste into docs/rendered-tree.md; tests/test_update.py checks that
the document shows the defaults render's tree.
"""

import sys
from pathlib import Path

# Not part of a render: git's files, and what running the project produces
# (all git-ignored in the project; other tests run the shared renders).
LEFT_OUT = {
    ".git",
    "staticfiles",
    "media",
    "logs",
    "db.sqlite3",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "node_modules",
    "dist",
}


def tree(root: Path) -> str:
    """Directories first, then files, each sorted by name; git's and build files left out."""
    lines = ["."]

    def walk(directory: Path, prefix: str) -> None:
        entries = [p for p in directory.iterdir() if p.name not in LEFT_OUT]
        entries.sort(key=lambda p: (not p.is_dir(), p.name))
        for index, entry in enumerate(entries):
            last = index == len(entries) - 1
            name = f"{entry.name}/" if entry.is_dir() else entry.name
            lines.append(f"{prefix}{'└── ' if last else '├── '}{name}")
            if entry.is_dir():
                walk(entry, prefix + ("    " if last else "│   "))

    walk(root, "")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(tree(Path(sys.argv[1])))
