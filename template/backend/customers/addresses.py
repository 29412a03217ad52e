"""Customers' e-mail addresses: the form stored, and the key that tells them apart.

Two addresses that a reader cannot tell apart are one customer. Stored is the
address as typed, normalized: Unicode NFKC (which reads the long s U+017F as
"s", the Kelvin sign as "K" and fullwidth letters as ASCII), lower-cased, and
the domain as its IDNA A-label (IDNA 2008 with the UTS #46 mapping, as
browsers and mail servers resolve it), so that "exämple.com" and
"xn--exmple-cua.com" are written one way. A letter that only looks like
another stays as typed (a dotless i, U+0131, stays one, so staff see what
was entered); the comparison key folds it: case-folded, each letter without
its marks and dots. Django's validator lets no other non-ASCII letter into
the part before the @ than the dotless i, the dotted capital I (U+0130), the
long s and the Kelvin sign, which Python's case-insensitive matching takes
for ASCII. The key is unique in the table;
a change to these rules needs a migration that computes every key again (as
migration 0004 does).
"""

import unicodedata

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_LENGTH = 254
# The API schema's description of the field.
STORED_FORM = (
    "Stored and returned normalized: Unicode NFKC, lower-cased, the domain as its"
    " IDNA A-label (ASCII, xn--). An address that cannot be told apart from another"
    " customer's (by case, a letter's dots or marks, or the domain's spelling) is a"
    " duplicate."
)
_DOTLESS = str.maketrans("\u0131\u0237", "ij")  # dotless i and j


class InvalidAddressError(ValueError):
    """An address this service does not store, with the reason for the client."""


def _a_label(domain: str) -> str:
    if domain.startswith("["):  # an address literal: [192.0.2.1]
        return domain.lower()
    return idna.encode(domain, uts46=True).decode("ascii")


def normalized(address: str) -> str:
    """``address`` as it is stored; InvalidAddressError if it cannot be."""
    local, at, domain = unicodedata.normalize("NFKC", address.strip()).rpartition("@")
    if not at:
        raise InvalidAddressError("Enter a valid email address.")
    try:
        stored = f"{local.lower()}@{_a_label(domain)}"
    except UnicodeError:  # idna's errors, a label too long among them
        raise InvalidAddressError(
            "Enter an email address whose domain is a valid domain name."
        ) from None
    if len(stored) > MAX_LENGTH:
        raise InvalidAddressError(
            f"Enter an email address of at most {MAX_LENGTH} characters"
            " with its domain in ASCII (IDNA)."
        )
    try:
        validate_email(stored)  # the normalized form is an address too
    except ValidationError:
        raise InvalidAddressError("Enter a valid email address.") from None
    return stored


def comparison_key(address: str) -> str:
    """The key two addresses share when a reader cannot tell them apart.

    Total: an address stored before normalization (an IDNA 2003 domain that
    IDNA 2008 refuses) keys on its domain as written.
    """
    local, _, domain = unicodedata.normalize("NFKC", address.strip()).rpartition("@")
    letters = unicodedata.normalize("NFKD", local.casefold())
    bare = "".join(c for c in letters if not unicodedata.combining(c)).translate(_DOTLESS)
    try:
        domain = _a_label(domain)
    except UnicodeError:
        domain = domain.casefold()
    return f"{bare}@{domain}"
