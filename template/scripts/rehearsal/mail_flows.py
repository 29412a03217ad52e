"""Mail as production sends it: a request queues it, the background worker
sends it to the relay (here the catcher on loopback), and the request never
waits for either. The password-change notice is the mail every
configuration sends."""

import secrets
import time

from .api_flows import AUTH, HEADLESS, LOGIN, ORIGIN, PROXIED
from .backend import Backend
from .http_client import Client
from .mail_catcher import Mail, MailCatcher
from .processes import wait_until
from .project import DOMAIN
from .report import check, step
from .users import User
from .worker import Worker


def mail_flows(backend: Backend, worker: Worker, mail: MailCatcher, user: User) -> None:
    step("A mail through the worker: the password-change notice")
    browser = Client(backend.url, {**PROXIED, **ORIGIN})
    browser.csrf_token = browser.get(f"{AUTH}csrf/").json()["csrfToken"]
    credentials = {"username": user.username, "password": user.password}
    logged_in = browser.post(LOGIN, credentials)
    check(logged_in.status == 200, f"{user.username} logs in")
    # The log-in set a new token in the cookie, as the page reads it.
    browser.csrf_token = browser.cookies["csrftoken"]
    new_password = secrets.token_urlsafe(18)
    changed = browser.post(
        f"{HEADLESS}account/password/change",
        {"current_password": user.password, "new_password": new_password},
    )
    check(changed.status == 200, "the password is changed (200), the notice queued")

    def to_user() -> list[Mail]:
        return [m for m in mail.mails() if m.recipients == [user.email]]

    wait_until(lambda: bool(to_user()), "the notice at the mail catcher")
    # Two passes more of the worker's loop, for a second copy to show.
    time.sleep(2)
    check(len(to_user()) == 1, "one notice, sent once")
    check(worker.healthy(), "the worker's health check passes (its heartbeat is fresh)")
    [notice] = to_user()
    check(
        notice.message["Subject"].endswith(": Password Changed"),
        f"the worker sent it: {notice.message['Subject']!r} to {user.email}",
    )
    text = notice.message.get_body(("plain",)).get_content()
    links = {word for word in text.split() if "://" in word}
    check(links == {f"https://{DOMAIN}"}, "its only link is the service's own address")
    check(
        not any(password in text for password in (user.password, new_password)),
        "it carries no password",
    )
