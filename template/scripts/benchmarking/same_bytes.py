"""A variant view served on the API's own paths when a header is sent (the
load benchmark's floor: a plain Django view injected into a copy of the
project) must answer every scenario with the API's very bytes: the same
request with and without the header gives the same status and body. A
created customer cannot be created twice, so for create each side's answer
is held against the other side's read of the row it created. The variant
names itself in the same header of its answers, so the check also knows it
was the variant that answered."""

import random

from rehearsal.http_client import Answer, Client
from rehearsal.report import check

from .scenarios import API, Request, Scenario

# Draws per scenario: random detail ids and search terms vary the rows.
DRAWS = 3


def _send(client: Client, request: Request, headers: dict[str, str]) -> Answer:
    return client.request(request.method, request.path, request.body, headers)


def _variant(answer: Answer, header: str, what: str, expected: bool = True) -> Answer:
    answered = answer.headers.get(header) is not None
    check(answered == expected, f"{what}: {'the variant' if expected else 'the API'} answered")
    return answer


def _same(a: Answer, b: Answer, what: str) -> None:
    differs = "" if a.body == b.body else f" ({a.body[:300]!r} against {b.body[:300]!r})"
    types = a.headers.get("Content-Type"), b.headers.get("Content-Type")
    check(
        a.status == b.status and types[0] == types[1] and not differs,
        f"{what}: the same status, Content-Type and bytes with and without the header"
        f" ({a.status}, {types[0]}){differs}",
    )


def check_same_bytes(client: Client, scenarios: list[Scenario], header: str) -> None:
    variant = {header: "1"}
    rng = random.Random(16)  # noqa: S311 (a sequence to repeat, not a secret)
    for scenario in scenarios:
        for _ in range(DRAWS):
            request = scenario.draw(rng)
            if request.method == "GET":
                answer = _variant(_send(client, request, variant), header, scenario.name)
                api = _variant(_send(client, request, {}), header, scenario.name, expected=False)
                _same(answer, api, scenario.name)
                continue
            for creator, reader in ((variant, {}), ({}, variant)):
                created = _send(client, request, creator)
                check(created.status == 201, f"{scenario.name} answers 201 ({created.status})")
                read = _send(client, Request("GET", f"{API}{created.json()['id']}/"), reader)
                _variant(created if creator else read, header, scenario.name)
                check(
                    read.status == 200, f"{scenario.name}: the new row reads back ({read.status})"
                )
                _same(created, Answer(201, read.headers, read.body), f"{scenario.name}, read back")
                request = scenario.draw(rng)
