"""What a rendered README claims about its project, for checking against the render.

A README names addresses (URLs and host:port), files and directories, and
commands. This reads them out of the Markdown: inline code, fenced code
blocks, link targets and the prose around them.
"""

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

# scheme://[user@]localhost:PORT/path, as a browser or a client library takes it.
URL = re.compile(
    r"\b(?P<scheme>[a-z][a-z0-9+.-]*)://(?:[^@\s/`]+@)?"
    r"(?P<host>localhost|127\.0\.0\.1):(?P<port>\d+)(?P<path>/[^\s`)<>\"']*)?"
)
# A bare host:port (an SSH tunnel's target, a published port), not part of a URL.
ADDRESS = re.compile(r"(?<![\w./@:-])(?P<host>localhost|127\.0\.0\.1):(?P<port>\d+)\b(?!:\d)")
PORT = re.compile(r"\bports? (?P<port>\d{2,5})\b")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# What reads as a file or directory name: a relative path with a slash, or a
# name with a file suffix, or a dotfile; no spaces, variables or wildcards.
FILE_SUFFIXES = (
    *(".md", ".yml", ".yaml", ".py", ".sh", ".txt", ".json", ".toml", ".mjs", ".js"),
    *(".css", ".html", ".conf", ".template", ".example", ".in", ".cfg", ".log"),
    *(".service", ".timer", ".crt", ".key", ".lock", ".sqlite3"),
)
# Nor a page's route in a URL fragment (#/forgot), nor a rate (5/m,
# allauth's 10/h/ip,3/h/key).
RATE = r"\d+/\w+(/\w+)?"
NOT_A_PATH = re.compile(rf"[\s$*=<>{{}}|;&]|://|^-|^/|^#|^\.+$|^\w+:|@|^{RATE}(,{RATE})*$")


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    port: int
    path: str
    text: str


@dataclass(frozen=True)
class Claims:
    urls: list[Url]
    addresses: list[tuple[str, int]]
    ports: list[int]
    paths: list[str]
    commands: list[list[str]]


def looks_like_path(token: str) -> bool:
    token = token.rstrip(".,:;")
    if not token or NOT_A_PATH.search(token):
        return False
    return "/" in token or token.startswith(".") or token.endswith(FILE_SUFFIXES)


def _command_lines(markdown: str) -> tuple[list[str], list[str]]:
    """(code lines, prose lines): fenced blocks line by line, continuations joined."""
    code, prose, fence, pending = [], [], None, ""
    for line in markdown.splitlines():
        marker = re.match(r"^\s*(```|~~~)(\w*)", line)
        if marker:
            fence = None if fence else marker.group(2) or "sh"
            continue
        if fence is None:
            prose.append(line)
        elif fence in ("sh", "bash", "console", "shell"):
            line = pending + line.split(" #", 1)[0].rstrip()
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            if line.strip():
                code.append(line.strip())
        else:
            prose.append(line)  # text blocks: their words are still claims
    return code, prose


def _split_commands(line: str) -> list[list[str]]:
    try:
        words = shlex.split(line, comments=False)
    except ValueError:
        return []
    commands, current = [], []
    for word in words:
        if word in ("&&", "||", ";", "|"):
            commands.append(current)
            current = []
        else:
            current.append(word.rstrip(";"))
    commands.append(current)
    return [c for c in commands if c]


def host_side(command: list[str]) -> list[str]:
    """The words of a command that name host paths: in `docker compose exec
    SERVICE CMD...` (or run), what follows the service runs in the container."""
    if command[:2] == ["docker", "compose"]:
        for index, word in enumerate(command):
            if word in ("exec", "run"):
                rest = [w for w in command[index + 1 :] if not w.startswith("-")]
                if rest:
                    return command[: command.index(rest[0], index + 1) + 1]
    return command


def claims(markdown: str) -> Claims:
    code, prose = _command_lines(markdown)
    text = "\n".join(prose)
    spans = INLINE_CODE.findall(text)
    everything = text + "\n" + "\n".join(code)
    urls = [
        Url(m["scheme"], m["host"], int(m["port"]), (m["path"] or "/").rstrip(".,;:"), m[0])
        for m in URL.finditer(everything)
    ]
    addresses = [(m["host"], int(m["port"])) for m in ADDRESS.finditer(everything)]
    ports = [int(m["port"]) for m in PORT.finditer(re.sub(r"`[^`]*`", "", text))]
    commands = [c for line in code for c in _split_commands(line)]
    # An inline span that starts like a command is one (`docker compose ...`).
    commands += [
        c
        for span in spans
        if re.match(r"docker |scripts/|tools/|\./", span)
        for c in _split_commands(span)
    ]
    words = [w for c in commands for w in host_side(c)]
    words += [span for span in spans if " " not in span.strip()]
    words += [t.split("#", 1)[0] for t in LINK.findall(text) if not re.match(r"\w+:|#", t)]
    paths = sorted({w.rstrip(".,:;") for w in words if looks_like_path(w)})
    return Claims(urls, addresses, ports, paths, commands)


def readmes(root: Path) -> list[Path]:
    """The README*.md of the render's root and of its top-level parts."""
    found = sorted(root.glob("README*.md")) + sorted(root.glob("*/README*.md"))
    return [p for p in found if "node_modules" not in p.parts]
