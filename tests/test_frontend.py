"""The rendered frontend, built and tested by its own tools: npm ci, build, test.

Each build runs on a copy of the render's frontend/, so node_modules/ and dist/
never land in the render that other tests read.
"""

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support.frontend import Frontend, npm, output

# esbuild's [hash]: eight characters of upper-case base32.
HASHED = re.compile(r"[a-z][a-z0-9_-]*-[A-Z2-7]{8}\.(?:js|css)")


@pytest.fixture(scope="module")
def frontend(frontend_build) -> Frontend:
    return frontend_build


class PageScan(HTMLParser):
    """What index.html loads, and anything in it that a strict CSP would block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.assets: list[str] = []
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= attribute on <{tag}>")
            if name in {"src", "href", "action"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script":
            self._in_script = True
            if not values.get("src"):
                self.problems.append("inline <script> (no src)")
            else:
                self.assets.append(values["src"])
        if tag == "link" and values.get("href"):
            self.assets.append(values["href"])
        if tag in {"img", "iframe", "embed", "object", "source"} and values.get("src"):
            self.assets.append(values["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append("inline script content")


def scan(html: str) -> PageScan:
    page = PageScan()
    page.feed(html)
    page.close()
    return page


def dist_listing(dist: Path) -> dict[str, bytes]:
    return {p.relative_to(dist).as_posix(): p.read_bytes() for p in dist.rglob("*") if p.is_file()}


def test_npm_ci_and_build_succeed(frontend):
    assert frontend.install.returncode == 0, output(frontend.install)
    assert frontend.build.returncode == 0, output(frontend.build)
    assert (frontend.dist / "index.html").is_file()


def test_the_lock_file_pins_esbuild_as_the_only_dependency(frontend):
    package = json.loads((frontend.path / "package.json").read_text())
    assert package["private"] is True
    assert "dependencies" not in package
    assert list(package["devDependencies"]) == ["esbuild"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["devDependencies"]["esbuild"])
    lock = json.loads((frontend.path / "package-lock.json").read_text())
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]


def test_unit_tests_pass(frontend):
    frontend.require_build()
    result = npm("test", cwd=frontend.path)
    assert result.returncode == 0, output(result)
    # "# tests 37" from the TAP reporter, or the same after an icon from spec.
    counts = {
        key: int(value)
        for key, value in re.findall(r"^(?:\S+ )?(tests|pass|fail) (\d+)\s*$", result.stdout, re.M)
    }
    assert counts.get("tests", 0) > 0, output(result)
    assert counts.get("pass") == counts["tests"], output(result)
    assert counts.get("fail") == 0, output(result)


def test_index_html_loads_only_hashed_assets_and_passes_a_strict_csp(frontend):
    frontend.require_build()
    page = scan((frontend.dist / "index.html").read_text())
    assert page.problems == []
    assert page.assets, "index.html loads no script or style sheet"
    assert {Path(asset).suffix for asset in page.assets} == {".js", ".css"}
    for asset in page.assets:
        assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", asset, re.I), f"{asset} is not same-origin"
        name = asset.lstrip("/")
        assert HASHED.fullmatch(Path(name).name), f"{asset} has no content hash in its name"
        assert (frontend.dist / name).is_file(), f"{asset} is not in dist/"
    # Everything but index.html is hashed, so all of it can be cached for a year.
    unhashed = [
        name
        for name in dist_listing(frontend.dist)
        if name != "index.html" and not HASHED.fullmatch(Path(name).name)
    ]
    assert unhashed == []


def test_no_source_maps_in_dist(frontend):
    frontend.require_build()
    files = dist_listing(frontend.dist)
    assert not [name for name in files if name.endswith(".map")]
    assert not [name for name, data in files.items() if b"sourceMappingURL" in data]


def test_builds_are_reproducible(frontend, tmp_path):
    frontend.require_build()
    first = dist_listing(frontend.dist)
    # Built again, elsewhere: the same names and the same bytes.
    again = tmp_path / "elsewhere"
    shutil.copytree(frontend.path, again, symlinks=True, ignore=shutil.ignore_patterns("dist"))
    result = npm("run", "build", cwd=again)
    assert result.returncode == 0, output(result)
    assert dist_listing(again / "dist") == first
