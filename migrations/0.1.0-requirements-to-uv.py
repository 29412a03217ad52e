"""Template migration 0.1.0: the backend's dependencies moved to uv.

0.1.0 replaced backend/requirements.in, requirements-dev.in and their
hash-pinned .txt locks with backend/pyproject.toml (the dependencies, the dev
group) and uv.lock. On `copier update` across that change, Copier writes the
new files and deletes the old ones: a package the project had added to
requirements.in or requirements-dev.in would vanish from its dependencies
without a conflict or a .rej file.

Copier runs this after the update (the "after" stage, see copier.yml), in the
project's root; a project rendered from an untagged commit before 0.1.0 runs
it by hand there, after `copier update` and before committing. It reads the
requirements files from the project's last commit, carries every package
the new pyproject.toml does not already declare into its dependencies (from
requirements.in) or its dev group (from requirements-dev.in), with the
version the project pinned, removes any requirements file left behind, and
says what it added: `uv lock` (in backend/) then locks them with their
hashes. A project that added nothing is left alone.

Standard library (Python 3.11+, for tomllib) and git only; no arguments.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

BACKEND = "backend"
# The file each list came from, and the pyproject.toml array it goes to.
SOURCES = {"requirements.in": "dependencies", "requirements-dev.in": "dev"}
LOCKS = ("requirements.in", "requirements-dev.in", "requirements.txt", "requirements-dev.txt")


def committed(project: Path, name: str) -> str:
    """The file as the project's last commit has it ("" if it had none)."""
    result = subprocess.run(
        ["git", "show", f"HEAD:{BACKEND}/{name}"], cwd=project, capture_output=True, check=False
    )
    return result.stdout.decode() if result.returncode == 0 else ""


def name_of(requirement: str) -> str:
    """A requirement's project name, normalized as PEP 503 compares them."""
    name = re.split(r"[\s\[<>=!~;@]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(text: str) -> list[str]:
    """The requirement lines of a requirements file: no comments, options or includes."""
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith(("#", "-"))]


def declared(pyproject: str) -> set[str]:
    """The names of every requirement pyproject.toml declares: its
    dependencies, extras and dependency groups."""
    data = tomllib.loads(pyproject)
    project = data.get("project", {})
    arrays = [
        project.get("dependencies", []),
        *project.get("optional-dependencies", {}).values(),
        *data.get("dependency-groups", {}).values(),
    ]
    return {name_of(spec) for array in arrays for spec in array if isinstance(spec, str)}


def add(pyproject: str, array: str, specs: list[str]) -> str:
    """`specs` appended to the TOML array `array = [` (one string a line)."""
    match = re.search(rf"^{re.escape(array)} = \[\n(.*?)^\]", pyproject, re.M | re.S)
    if match is None:
        raise SystemExit(f"{BACKEND}/pyproject.toml has no `{array} = [` array to add {specs} to")
    lines = "".join(f'    "{spec}",\n' for spec in specs)
    return pyproject[: match.end(1)] + lines + pyproject[match.end(1) :]


def migrate(project: Path) -> list[str]:
    """Carry the project's own packages over; the lines it added, as written."""
    path = project / BACKEND / "pyproject.toml"
    pyproject = path.read_text()
    known = declared(pyproject)
    added = []
    for source, array in SOURCES.items():
        listed = requirements(committed(project, source))
        own = [spec for spec in listed if name_of(spec) not in known]
        if own:
            pyproject = add(pyproject, array, own)
            known |= {name_of(spec) for spec in own}
            added += [f"{spec} ({array})" for spec in own]
    if added:
        path.write_text(pyproject)
    for name in LOCKS:
        (project / BACKEND / name).unlink(missing_ok=True)
    return added


def main() -> int:
    added = migrate(Path.cwd())
    if added:
        print(
            f"{BACKEND}/pyproject.toml now declares the packages this project added to its "
            "requirements files: " + ", ".join(added) + f". Lock them: cd {BACKEND} && uv lock; "
            "then commit pyproject.toml and uv.lock with the update.",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
