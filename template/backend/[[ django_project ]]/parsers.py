"""Request body parsers for the API."""

from collections.abc import Iterable

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The API's documents are flat objects; a few levels leave room for growth.
MAX_DEPTH = 10


def _depth_exceeds(data: object, limit: int) -> bool:
    """Whether ``data`` nests lists and objects more than ``limit`` levels deep,
    walked without recursion so that the check itself cannot overflow."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children: Iterable[object]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit.

    Python's json module recurses once per level and raises RecursionError
    (not the ValueError DRF turns into a 400) at about a thousand levels:
    without this, one small body of brackets is a 500 with a traceback.
    """

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(f"JSON parse error - nested more than {self.max_depth} levels deep")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth_exceeds(data, self.max_depth):
            raise too_deep
        return data
