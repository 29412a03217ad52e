#!/usr/bin/env python3
"""Print the release tag CHANGELOG.md asks for, or nothing.

The newest section of CHANGELOG.md is `## [X.Y.Z] - YYYY-MM-DD` once it is
released and `## [X.Y.Z] - Unreleased` until then. Prints `vX.Y.Z` when that
section is dated and the tag does not exist yet (the release workflow then
makes it); prints nothing while it is unreleased or once it is the newest
release tag.
Fails, naming why, for a heading that is neither, a version that is not a
canonical PEP 440 version (Copier orders releases by PEP 440), or one not
greater than the newest release tag.

    tools/release_tag.py [--changelog PATH] [--tags TAG ...]

Without --tags, the tags are the repository's own (`git tag --list 'v*'`).
Standard library only: the release job runs it with the runner's Python.
"""

import argparse
import datetime
import re
import subprocess
import sys
from pathlib import Path

# PEP 440's public versions in their canonical form, without an epoch: a
# non-canonical spelling (`1.0-beta`, `01.2`) would be a second name for a
# version, and Copier compares tags by the version they normalise to.
VERSION = re.compile(
    r"(?P<release>(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*)"
    r"(?:(?P<pre_label>a|b|rc)(?P<pre>0|[1-9][0-9]*))?"
    r"(?:\.post(?P<post>0|[1-9][0-9]*))?"
    r"(?:\.dev(?P<dev>0|[1-9][0-9]*))?"
)
SECTION = re.compile(r"^## (?P<heading>.*)$", re.M)
HEADING = re.compile(r"\[(?P<version>[^\]]+)\] - (?P<date>\S+)")


class ReleaseError(Exception):
    """The changelog or the tags do not make a release."""


def version_key(version: str) -> tuple:
    """PEP 440's order of canonical public versions (no epoch, no local part)."""
    match = VERSION.fullmatch(version)
    if match is None:
        raise ReleaseError(f"{version!r} is not a canonical PEP 440 version")
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:  # 1.0 == 1.0.0
        release.pop()
    infinity = (float("inf"),)
    labels = {"a": 0, "b": 1, "rc": 2}
    if match["pre_label"]:
        pre = (labels[match["pre_label"]], int(match["pre"]))
    elif match["dev"] is not None and match["post"] is None:
        pre = (-1,)  # 1.0.dev1 comes before 1.0a1
    else:
        pre = infinity
    post = (int(match["post"]),) if match["post"] is not None else (-1,)
    dev = (int(match["dev"]),) if match["dev"] is not None else infinity
    return (tuple(release), pre, post, dev)


def newest_section(changelog: str) -> tuple[str, str]:
    """(version, date) of the first `## ` heading; date may be `Unreleased`."""
    section = SECTION.search(changelog)
    if section is None:
        raise ReleaseError("CHANGELOG.md has no `## [X.Y.Z] - YYYY-MM-DD` section")
    heading = section["heading"].strip()
    match = HEADING.fullmatch(heading)
    if match is None:
        raise ReleaseError(
            f"the newest heading {heading!r} is not `[X.Y.Z] - YYYY-MM-DD` "
            "or `[X.Y.Z] - Unreleased`"
        )
    return match["version"], match["date"]


def release_tag(changelog: str, tags: list[str]) -> str | None:
    """The tag to make for the newest section, or None when there is none to make."""
    version, date = newest_section(changelog)
    version_key(version)
    if date == "Unreleased":
        return None
    try:
        # fromisoformat alone would take 20261207 too.
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise ValueError(date)
        datetime.date.fromisoformat(date)
    except ValueError:
        raise ReleaseError(f"[{version}] is dated {date!r}, not YYYY-MM-DD") from None
    tag = f"v{version}"
    released = [t for t in tags if t.startswith("v") and VERSION.fullmatch(t[1:])]
    if released:
        newest = max(released, key=lambda t: version_key(t[1:]))
        if tag == newest:
            return None  # released already: every later push to main
        # An older tag, existing or not, is a changelog gone back in time.
        if version_key(version) <= version_key(newest[1:]):
            raise ReleaseError(f"{version} is not greater than the newest release, {newest}")
    return tag


def repository_tags(directory: Path) -> list[str]:
    listed = subprocess.run(
        ["git", "tag", "--list", "v*"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changelog", type=Path, default=Path("CHANGELOG.md"))
    parser.add_argument("--tags", nargs="*", help="the existing tags (default: git's)")
    args = parser.parse_args(argv)
    tags = args.tags if args.tags is not None else repository_tags(args.changelog.parent)
    try:
        tag = release_tag(args.changelog.read_text(encoding="utf-8"), tags)
    except ReleaseError as error:
        print(f"release_tag: {error}", file=sys.stderr)
        return 1
    if tag:
        print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
