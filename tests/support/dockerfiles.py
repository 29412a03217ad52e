"""Reading Dockerfiles and .dockerignore the way docker build does, for the
cross-checks a build would otherwise catch."""

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instruction:
    keyword: str
    arguments: str
    stage: str | None


@dataclass
class Dockerfile:
    path: Path
    instructions: list[Instruction] = field(default_factory=list)

    @classmethod
    def parse(cls, path: Path) -> "Dockerfile":
        dockerfile = cls(path)
        logical, stage = "", None
        for raw in path.read_text().splitlines():
            stripped = raw.strip()
            if not logical and (not stripped or stripped.startswith("#")):
                continue
            if stripped.startswith("#"):
                continue  # a comment inside a continued instruction
            logical += stripped[:-1] + " " if stripped.endswith("\\") else stripped
            if stripped.endswith("\\"):
                continue
            keyword, _, arguments = logical.partition(" ")
            keyword = keyword.upper()
            if keyword == "FROM":
                match = re.search(r"\bAS\s+(\S+)", arguments, re.IGNORECASE)
                stage = match.group(1) if match else None
            dockerfile.instructions.append(Instruction(keyword, arguments.strip(), stage))
            logical = ""
        return dockerfile

    @property
    def stages(self) -> list[str]:
        return [i.stage for i in self.instructions if i.keyword == "FROM" and i.stage]

    @property
    def base_images(self) -> list[str]:
        """Every image the build pulls: FROM one, or COPY --from= one."""
        images = []
        for i in self.instructions:
            if i.keyword == "FROM":
                image = next(w for w in i.arguments.split() if not w.startswith("--"))
            elif i.keyword == "COPY" and "--from=" in i.arguments:
                image = i.arguments.split("--from=", 1)[1].split()[0]
            else:
                continue
            if image not in self.stages and image not in images:
                images.append(image)
        return images

    def in_stage(self, stage: str) -> list[Instruction]:
        return [i for i in self.instructions if i.stage == stage]

    def context_sources(self) -> list[str]:
        """Sources of COPY/ADD that come from the build context (not --from)."""
        sources = []
        for i in self.instructions:
            if i.keyword not in ("COPY", "ADD"):
                continue
            words = shlex.split(i.arguments)
            if any(w.startswith("--from") for w in words):
                continue
            words = [w for w in words if not w.startswith("--")]
            sources += words[:-1]
        return sources

    def exec_form(self, keyword: str, stage: str) -> list[str]:
        """The JSON (exec) form of CMD or of HEALTHCHECK's CMD in a stage."""
        import json

        [instruction] = [i for i in self.in_stage(stage) if i.keyword == keyword][-1:]
        text = instruction.arguments
        if keyword == "HEALTHCHECK":
            text = text[text.index("CMD ") + 4 :]
        return json.loads(text)


def _pattern_regex(pattern: str) -> re.Pattern:
    """docker's .dockerignore syntax: paths from the context root, ** across dirs."""
    pattern = pattern.strip("/")
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            regex += ".*"
            i += 2
            if pattern.startswith("/", i):
                regex = regex[:-2] + "(.*/)?"
                i += 1
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.compile(regex + "$")


@dataclass
class DockerIgnore:
    rules: list[tuple[bool, re.Pattern]]

    @classmethod
    def from_lines(cls, lines: list[str]) -> "DockerIgnore":
        rules = []
        for line in lines:
            line = line.strip()
            if line and not line.startswith("#"):
                rules.append((line.startswith("!"), _pattern_regex(line.lstrip("!"))))
        return cls(rules)

    @classmethod
    def read(cls, context: Path) -> "DockerIgnore":
        path = context / ".dockerignore"
        return cls.from_lines(path.read_text().splitlines() if path.exists() else [])

    def excludes(self, relative: str) -> bool:
        """True when the path (or a directory above it) is left out of the context."""
        parts = relative.strip("/").split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for negated, regex in self.rules:
            if any(regex.match(candidate) for candidate in candidates):
                excluded = not negated
        return excluded
