"""Template migration 0.1.0: the nginx proxy snippet moved into snippets/.

0.1.0 moved frontend/nginx/proxy.conf to frontend/nginx/snippets/proxy.conf,
beside security-headers.conf; the frontend image copies the whole snippets/
directory. On `copier update` across that move, Copier writes the new file
and deletes the old one: a project's own edits to proxy.conf (a longer
proxy_read_timeout, an extra header) would vanish without a conflict or a
.rej file, and the image would no longer ship them.

Copier runs this after the update (the "after" stage, see copier.yml), in the
project's root. It carries the edits over with a three-way merge into the new
path: the project's last committed proxy.conf, the template's old file as the
base, and the template's new file. A conflict is left as markers labelled as
Copier labels its own. A project that never edited the file is left alone.

Standard library and git only. Arguments: the template's checkout and the
template version the project is updated from (Copier's _copier_conf.src_path
and _version_from).
"""

import subprocess
import sys
import tempfile
from pathlib import Path

OLD = "frontend/nginx/proxy.conf"
NEW = "frontend/nginx/snippets/proxy.conf"
# Where the old file sat in the template; copied verbatim, not rendered.
TEMPLATE_OLD = "template/[% if use_frontend %]frontend[% endif %]/nginx/proxy.conf"
# Copier's labels for its own conflict markers: project, base, template.
LABELS = ("before updating", "last update", "after updating")


def git(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)


def migrate(project: Path, template: Path, version_from: str) -> str:
    """Carry the project's edits to OLD over to NEW; say what was done."""
    new = project / NEW
    ours = git("show", f"HEAD:{OLD}", cwd=project)
    if ours.returncode != 0 or not new.is_file() or (project / OLD).exists():
        # The project never had the old file (or deleted it), the frontend
        # is off now, or the old file is still there: nothing moved.
        return ""
    # `copier update --conflict rej` leaves the user's hunks in a .rej file
    # for the vanished path; the merge below replaces it.
    (project / f"{OLD}.rej").unlink(missing_ok=True)
    base = git("show", f"{version_from}:{TEMPLATE_OLD}", cwd=template)
    if base.returncode == 0 and base.stdout == ours.stdout:
        return ""  # never edited: the template's new file stands
    with tempfile.TemporaryDirectory() as scratch:
        ours_file = Path(scratch, "ours")
        base_file = Path(scratch, "base")
        ours_file.write_bytes(ours.stdout)
        # Without the old template file every line is the project's own, and
        # a difference from the new file shows as a conflict, never lost.
        base_file.write_bytes(base.stdout if base.returncode == 0 else b"")
        labels = [item for label in LABELS for item in ("-L", label)]
        merge = git("merge-file", *labels, str(ours_file), str(base_file), str(new), cwd=project)
        if merge.returncode > 127:
            raise SystemExit(f"git merge-file failed: {merge.stderr.decode(errors='replace')}")
        new.write_bytes(ours_file.read_bytes())
    if merge.returncode:
        return f"{OLD} moved to {NEW}: your changes are there, with conflict markers to resolve"
    return f"{OLD} moved to {NEW}: your changes were carried over"


def main() -> int:
    template, version_from = Path(sys.argv[1]), sys.argv[2]
    message = migrate(Path.cwd(), template, version_from)
    if message:
        print(message, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
