"""Every render reads as hand-written: no template residue, lint-clean."""

import re
import subprocess
import sys
from pathlib import Path

from support.tree import LEFT_OUT

BIN = Path(sys.executable).parent
# Jinja with this template's delimiters (see copier.yml): an expression, a
# statement or a comment that was not rendered. Python's Callable[[...]] and
# the like are not expressions of this shape.
MARKERS = re.compile(
    r"\[\[-?\s+[A-Za-z_][\w.]*[^\]]*\s+-?\]\]"
    r"|\[%-?\s*(if|elif|else|endif|for|endfor|set|raw|endraw|macro|include|import)\b"
    r"|\[#.*?#\]"
)
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".txt",
    ".in",
    ".toml",
    ".yml",
    ".yaml",
    ".json",
    ".cfg",
    ".conf",
    ".sh",
    ".html",
    ".js",
    ".css",
    ".template",
    ".example",
    "",
}


def text_files(root: Path) -> list[Path]:
    """The render's own files: not git's, nor what running the project produced."""
    return [
        p
        for p in root.rglob("*")
        if p.is_file()
        and not LEFT_OUT.intersection(p.relative_to(root).parts)
        and (p.suffix in TEXT_SUFFIXES or p.name.startswith("."))
    ]


def test_no_template_residue(project):
    leftovers = []
    for path in text_files(project.path):
        text = path.read_text()
        for number, line in enumerate(text.splitlines(), 1):
            if MARKERS.search(line):
                leftovers.append(f"{path.relative_to(project.path)}:{number}: {line.strip()}")
    assert leftovers == []
    assert not [p for p in project.path.rglob("*") if p.name.endswith(".jinja")]
    assert not [p for p in project.path.rglob("*") if "[" in p.name or "]" in p.name]


def test_layout_reads_as_written_by_hand(project):
    problems = []
    for path in text_files(project.path):
        text = path.read_text()
        name = path.relative_to(project.path)
        if not text.strip():
            if path.name != "__init__.py":
                problems.append(f"{name}: empty")
            continue
        if not text.endswith("\n") or text.endswith("\n\n"):
            problems.append(f"{name}: must end with exactly one newline")
        if text.startswith("\n"):
            problems.append(f"{name}: starts with a blank line")
        if re.search(r"[ \t]+$", text, re.MULTILINE):
            problems.append(f"{name}: trailing whitespace")
        # Python's style puts two blank lines between top-level definitions;
        # nothing needs three. Elsewhere one blank line is the most.
        limit = 2 if path.suffix == ".py" else 1
        if re.search(rf"\n{{{limit + 2}}}", text):
            problems.append(f"{name}: a run of more than {limit} blank lines")
    assert problems == []


def test_python_is_ruff_clean(project):
    """All of the render's Python: backend/ by its own config, scripts/ by ruff.toml."""
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        result = subprocess.run(
            [BIN / "ruff", *command, "."],
            cwd=project.path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_yaml_is_yamllint_clean(project):
    files = [str(p) for p in project.path.rglob("*") if p.suffix in {".yml", ".yaml"}]
    assert files
    result = subprocess.run(
        [BIN / "yamllint", "--strict", "-c", project.path / ".yamllint.yml", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
