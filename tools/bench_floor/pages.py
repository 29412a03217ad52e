"""DRF's cursor pagination without Django: the page's rows, its two links
and the JSON bytes DRF's renderer writes, from plain values. Both floors
(the lean Django view and the bare WSGI callable) answer with these."""

from base64 import b64encode
from urllib import parse

import orjson

DATETIMES = ("created_at", "updated_at")


def json_body(data) -> bytes:
    """DRF's JSONRenderer's bytes, written as the API writes them, by orjson
    (the leanest encoder that gives them): compact, UTF-8 unescaped,
    U+2028/U+2029 escaped, datetimes (the rows' are in UTC, the service's
    time zone) in ISO 8601 with UTC as Z."""
    body = orjson.dumps(data, option=orjson.OPT_UTC_Z)
    return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


def link(uri: str, offset: int, reverse: bool, position: str | None) -> str:
    """DRF's encode_cursor with replace_query_param (the query sorted)."""
    tokens = {}
    if offset:
        tokens["o"] = str(offset)
    if reverse:
        tokens["r"] = "1"
    if position is not None:
        tokens["p"] = position
    cursor = b64encode(parse.urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")
    scheme, netloc, path, query, fragment = parse.urlsplit(uri)
    params = parse.parse_qs(query, keep_blank_values=True)
    params["cursor"] = [cursor]
    return parse.urlunsplit(
        (scheme, netloc, path, parse.urlencode(sorted(params.items()), doseq=True), fragment)
    )


class Page:
    """CursorPagination's page over rows already read (size + 1 at most,
    in the order read) and its next and previous links."""

    def __init__(
        self,
        uri: str,
        rows: list[dict],
        size: int,
        position_field: str,
        cursor: bool = False,
        offset: int = 0,
        reverse: bool = False,
        current: str | None = None,
    ) -> None:
        self.uri, self.size, self.cursor = uri, size, cursor
        self.offset, self.reverse = offset, reverse
        self.rows = rows[:size]
        following = str(rows[-1][position_field]) if len(rows) > size else None
        if reverse:
            self.rows.reverse()
            self.has_next, self.has_previous = (
                current is not None or offset > 0,
                following is not None,
            )
            self.next_position, self.previous_position = current, following
        else:
            self.has_next, self.has_previous = (
                following is not None,
                current is not None or offset > 0,
            )
            self.next_position, self.previous_position = following, current
        self.positions = [str(row[position_field]) for row in self.rows]

    def _link(self, forward: bool) -> str:
        # DRF's get_next_link and get_previous_link, one mirrored in the other.
        positions = list(reversed(self.positions)) if forward else self.positions
        own, other = (
            (self.next_position, self.previous_position)
            if forward
            else (self.previous_position, self.next_position)
        )
        has_other = self.has_previous if forward else self.has_next
        if positions and self.cursor and self.reverse == forward and self.offset != 0:
            compare = positions[0]
        else:
            compare = own
        offset, position, unique = 0, None, False
        for offset, position in enumerate(positions):  # noqa: B007 (both read after the loop)
            if position != compare:
                unique = True
                break
            compare = position
        else:
            offset = len(positions)
        if positions and not unique:
            if not has_other:
                offset, position = self.size, None
            elif self.reverse == forward:
                offset, position = 0, other
            else:
                offset, position = self.offset + self.size, other
        if not positions:
            position = own
        return link(self.uri, offset, not forward, position)

    def body(self) -> bytes:
        return json_body(
            {
                "next": self._link(True) if self.has_next else None,
                "previous": self._link(False) if self.has_previous else None,
                "results": self.rows,
            }
        )
