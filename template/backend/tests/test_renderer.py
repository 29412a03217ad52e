"""The API's JSON renderer writes DRF's JSONRenderer's bytes, or fails as it does."""

import math
from collections import OrderedDict
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import renderers
from rest_framework.exceptions import ErrorDetail
from rest_framework.serializers import Serializer
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

# The renderer the API is configured with: the project's own.
JSONRenderer = api_settings.DEFAULT_RENDERER_CLASSES[0]

# Text a client or an old row may hold: JavaScript's line terminators, lone
# surrogates (which UTF-8 cannot carry), control characters, DEL, quotes,
# backslashes, characters outside the BMP and combining marks.
HOSTILE = [
    "\u2028",
    "a\u2029b",
    "\ud800",
    "\udfff tail",
    "\x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f",
    '"\\/</script>',
    "🦀 𝄞 e\u0301",
    "\u202e\u2066",
]


class Colour(Enum):
    RED = "red"


texts = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec=None, exclude_categories=())),
)
# JSON's own values, and what DRF's encoder converts.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**64 + 2),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e-7, 1e16, 1e22, 0.1, -0.0, 5e-324]),
    texts,
    texts.map(ErrorDetail),
)
converted = st.one_of(
    st.decimals(allow_nan=False),
    st.datetimes(timezones=st.sampled_from([None, UTC])),
    st.dates(),
    st.sampled_from([Colour.RED]),
)
keys = st.one_of(texts, st.integers(), st.booleans(), st.none())


def documents(scalars: st.SearchStrategy) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=6),
            st.lists(children, max_size=6).map(tuple),
            st.lists(children, max_size=6).map(
                lambda items: ReturnList(items, serializer=Serializer())
            ),
            st.dictionaries(keys, children, max_size=6),
            st.dictionaries(texts, children, max_size=6).map(
                lambda items: ReturnDict(items, serializer=Serializer())
            ),
            st.dictionaries(texts, children, max_size=6).map(OrderedDict),
        ),
        max_leaves=30,
    )


def reordered() -> OrderedDict:
    # An OrderedDict's items() in its own order, no longer its dict's.
    data = OrderedDict(a=1, b=2)
    data.move_to_end("a")
    return data


def outcome(renderer: renderers.JSONRenderer, data, media_type: str | None = None):
    try:
        return renderer.render(data, media_type)
    except Exception as error:  # the failure itself is compared
        return type(error)


@settings(max_examples=300)
@given(documents(json_scalars))
def test_any_json_document_renders_to_drfs_bytes_or_fails_as_drf_does(data):
    assert outcome(JSONRenderer(), data) == outcome(renderers.JSONRenderer(), data)


@given(documents(st.one_of(json_scalars, converted)))
def test_any_document_renders_to_drfs_bytes_or_fails_as_drf_does(data):
    assert outcome(JSONRenderer(), data) == outcome(renderers.JSONRenderer(), data)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_to_drfs_bytes(text):
    data = {"results": [{"first_name": text, text: [text]}], "next": None}
    assert outcome(JSONRenderer(), data) == outcome(renderers.JSONRenderer(), data)


@pytest.mark.parametrize(
    "data",
    [
        {"x": math.nan},
        {"x": [math.inf]},
        {"x": 1e-7},
        {"x": Decimal("1.10")},
        {"x": datetime(2026, 12, 7, 15, 0, 0, 120000, tzinfo=UTC)},
        {"x": date(2026, 12, 7)},
        {1: "integer key"},
        {"x": 2**64},
        {"x": Colour.RED},
        reordered(),
    ],
)
def test_what_orjson_would_write_otherwise_is_drfs(data):
    assert outcome(JSONRenderer(), data) == outcome(renderers.JSONRenderer(), data)


def test_an_indented_answer_is_drfs():
    data = {"a": [1, "\u2028"], "b": None}
    for media_type in ("application/json; indent=4", "application/json; indent=0"):
        expected = renderers.JSONRenderer().render(data, media_type)
        assert JSONRenderer().render(data, media_type) == expected
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_are_written_by_orjson(api, make_customer, monkeypatch):
    """The bytes tests above hold trivially if everything went to DRF: here
    DRF's own renderer is out of reach, and the API still answers."""
    customer = make_customer(first_name="Line\u2028separator")

    def refused(*args, **kwargs):
        raise AssertionError("rendered by DRF's JSONRenderer")

    monkeypatch.setattr(renderers.JSONRenderer, "render", refused)
    listed = api.get("/api/customers/", {"page_size": 5})
    assert listed.status_code == 200
    assert b"Line\\u2028separator" in listed.content
    assert api.get(f"/api/customers/{customer.pk}/").status_code == 200
    invalid = api.get("/api/customers/", {"is_active": "perhaps"})
    assert invalid.status_code == 400
    assert invalid.json() == {
        "is_active": ["Select a valid choice. perhaps is not one of the available choices."]
    }
