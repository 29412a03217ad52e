"""Template migration 0.2.0: what a deployment needs before the release starts.

0.2.0 sends mail (password reset, invitations, notices, alerts) from a new
process, the background worker: the compose and Swarm stacks refuse to
start without the relay (EMAIL_HOST), nor, with monitoring, without whom
Alertmanager mails (ALERT_EMAIL_TO). Those live in the project's own env
files and secrets, which Copier never writes (_skip_if_exists): an update
cannot add them, so this says which are missing, before anyone deploys.

Copier runs this after the update (the "after" stage, see copier.yml), in the
project's root. It reads .env.production and .env.staging where they exist,
names each variable 0.2.0 needs that a file lacks, and the secret file the
compose stack mounts. It changes nothing.

Standard library only. Arguments: the answers deploy_target and
use_monitoring.
"""

import sys
import textwrap
from pathlib import Path

NEEDED = ("EMAIL_HOST",)
NEEDED_WITH_MONITORING = ("ALERT_EMAIL_TO",)
ENV_FILES = (".env.production", ".env.staging")
SECRET = "secrets/email_host_password"


def variables(env_file: Path) -> set[str]:
    """The names an env file sets (KEY=value lines; comments skipped)."""
    names = set()
    for line in env_file.read_text().splitlines():
        name, equals, _ = line.strip().partition("=")
        if equals and not name.startswith("#"):
            names.add(name.removeprefix("export ").strip())
    return names


def missing(project: Path, deploy_target: str, monitoring: bool) -> list[str]:
    """One line per thing the deployment lacks."""
    needed = NEEDED + (NEEDED_WITH_MONITORING if monitoring else ())
    lines = []
    for name in ENV_FILES:
        env_file = project / name
        if env_file.is_file():
            absent = [variable for variable in needed if variable not in variables(env_file)]
            if absent:
                lines.append(f"{name} lacks {', '.join(absent)} (see .env.example)")
    if deploy_target == "compose" and not (project / SECRET).is_file():
        lines.append(f"{SECRET} is missing (empty for a relay without log-in)")
    return lines


def main(deploy_target: str, use_monitoring: str) -> None:
    monitoring = use_monitoring.lower() == "true"
    steps = [
        "The worker sends the mail: give it the relay's EMAIL_* settings and "
        "the email_host_password secret (see .env.example).",
        "Deploy the new worker service beside the backend; the release step's "
        "migrate adds its table, allauth's and the invitations'.",
        "Staff and customer managers add a second factor at their next log-in "
        "in staging and production (SECOND_FACTOR_FOR_STAFF=false defers it).",
    ]
    if monitoring:
        steps.append("Alertmanager mails the alerts to ALERT_EMAIL_TO: set it.")
    # On stderr, beside Copier's own messages about the update.
    print("Template 0.2.0, before the next deployment:", file=sys.stderr)
    lines = [("-", step) for step in steps]
    lines += [("!", line) for line in missing(Path.cwd(), deploy_target, monitoring)]
    for mark, line in lines:
        wrapped = textwrap.fill(
            line, 76, initial_indent=f"  {mark} ", subsequent_indent="    ", break_on_hyphens=False
        )
        print(wrapped, file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
