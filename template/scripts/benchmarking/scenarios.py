"""The scenarios: what wrk sends (a Lua request() function each) and the
same requests for the Python clients (the open loop, the same-bytes check
and the instruction counts), drawn from a random.Random."""

import base64
import json
import os
import random
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from rehearsal.http_client import Client
from rehearsal.postgres import Postgres
from rehearsal.report import check
from rehearsal.seeding import all_last_names

API = "/api/customers/"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: dict | None = None  # sent as JSON


@dataclass(frozen=True)
class Scenario:
    name: str
    lua: str
    draw: Callable[[random.Random], Request]


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII is a valid Lua string


def create_body(email: str) -> dict:
    return {"first_name": "Load", "last_name": "Test", "email": email}


def scenarios(database: Postgres, deep_path: str) -> list[Scenario]:
    low, high = (int(x) for x in database.psql("SELECT min(id), max(id) FROM customers").split("|"))
    names = all_last_names()
    terms = ", ".join(lua_string(name) for name in names)
    run = os.urandom(4).hex()
    return [
        Scenario(
            "list, first page",
            f'request = function() return wrk.format("GET", {lua_string(API)}) end\n',
            lambda rng: Request("GET", API),
        ),
        Scenario(
            "list, deep page",
            f'request = function() return wrk.format("GET", {lua_string(deep_path)}) end\n',
            lambda rng: Request("GET", deep_path),
        ),
        Scenario(
            "search by last name",
            f"""
local terms = {{{terms}}}
request = function()
  return wrk.format("GET", "{API}?search=" .. terms[math.random(#terms)])
end
""",
            lambda rng: Request("GET", f"{API}?search={rng.choice(names)}"),
        ),
        Scenario(
            "detail",
            f"""
request = function()
  return wrk.format("GET", "{API}" .. math.random({low}, {high}) .. "/")
end
""",
            lambda rng: Request("GET", f"{API}{rng.randint(low, high)}/"),
        ),
        Scenario(
            "create",
            f"""
local sent = 0
local thread = tostring(math.random(1, 1000000000))
request = function()
  sent = sent + 1
  local email = "load-{run}-" .. thread .. "-" .. sent .. "@example.com"
  -- Headers given to wrk.format replace the command line's: copy those in.
  local headers = {{["Content-Type"] = "application/json"}}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", {lua_string(API)}, headers,
    '{{"first_name": "Load", "last_name": "Test", "email": "' .. email .. '"}}')
end
""",
            lambda rng: Request(
                "POST", API, create_body(f"load-{run}-py-{rng.getrandbits(48):x}@example.com")
            ),
        ),
    ]


def deep_page(database: Postgres, customers: int, client: Client) -> str:
    """The path of a page half-way down the list, in the API's own pagination."""
    answer = client.get(API)
    check(answer.status == 200, f"the list answers through {client.base}")
    first = answer.json()
    middle = customers // 2
    if "count" in first:
        # Page numbers: the page that starts half-way down.
        path = f"{API}?page={middle // len(first['results']) + 1}"
    else:
        # A cursor is the base64 of its query string; its position is the
        # ordering field's value (created_at) of the page's first row.
        position = database.psql(
            "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
            " FROM customers ORDER BY created_at DESC, id DESC OFFSET :offset LIMIT 1",
            offset=middle,
        )
        cursor = base64.b64encode(urllib.parse.urlencode({"p": position + "+00:00"}).encode())
        path = f"{API}?" + urllib.parse.urlencode({"cursor": cursor.decode()})
    answer = client.get(path)
    check(
        answer.status == 200 and len(answer.json()["results"]) == len(first["results"]),
        f"a full page half-way down the list ({path})",
    )
    return path
