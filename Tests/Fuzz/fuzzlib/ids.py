"""Ids as the contract defines them (section 2: 1 to 128 bytes of UTF-8 without control
characters; in a path percent-encoded, meaning the decoded string) and strategies for them."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from hypothesis import strategies as st

MAX_ID_BYTES = 128

# The characters a path segment may carry unencoded (RFC 3986 pchar without '%').
PCHAR = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@")


def is_valid_id(value: str) -> bool:
    """The contract's id: 1 to 128 bytes of UTF-8, no control character (Unicode Cc)."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        return False
    return 1 <= size <= MAX_ID_BYTES and not any(unicodedata.category(c) == "Cc" for c in value)


def is_plain_id(value: str) -> bool:
    """A valid id every service must accept: no whitespace and no slash either (the services
    refuse those, a stricter rule than the contract's), and not a dot segment ('.', '..'),
    which a URL path cannot address."""
    return (
        is_valid_id(value)
        and not any(c.isspace() or c == "/" or unicodedata.category(c) in ("Zs", "Zl", "Zp") for c in value)
        and value not in (".", "..")
    )


EDGE_IDS = [
    "", "a", "c-1", "SKU-1", "x" * 127, "x" * 128, "x" * 129, "x" * 300,
    "é" * 64, "é" * 65, "€" * 42, "€" * 43, "😀" * 32, "😀" * 33, "ü" * 100,
    "café", "日本語のID", "Ωmega", "a\u0000b", "bell\u0007", "del\u007f", "c1\u0085x", "tab\tid", "new\nline",
    "cr\rid", "space id", " lead", "trail ", "slash/id", "a/b/c", "%2F", "50%off", "caf%C3%A9", "%", "%%",
    ".", "..", "a?b=c", "a#frag", "semi;colon", "plus+sign", "amp&er", "quote\"d", "back\\slash",
    "\u200bzero-width", "\ufeffbom", "line\u2028sep", "nbsp\u00a0id", "<script>", "' OR 1=1 --",
    "null", "undefined", "0", "-1", "1e9", "😀", "\U0010fffd",
]

# Text without surrogates (not encodable as UTF-8, so never an id on the wire).
_characters = st.characters(exclude_categories=("Cs",))


def any_ids() -> st.SearchStrategy[str]:
    """Edge cases, short printable ids, and arbitrary text (controls, multibyte, long)."""
    return st.one_of(
        st.sampled_from(EDGE_IDS),
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,20}", fullmatch=True),
        st.text(_characters, min_size=0, max_size=40),
        st.text(_characters, min_size=100, max_size=140),
    )


def plain_ids(prefix: str = "") -> st.SearchStrategy[str]:
    """Ids that every endpoint must accept, multibyte and percent-needing ones included."""
    body = st.one_of(
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._~-]{0,15}", fullmatch=True),
        st.text(st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="/\t\n\r\x0b\x0c\x85"),
                min_size=1, max_size=20),
        st.sampled_from(["café", "日本語", "50%off", "a?b", "a#b", "plus+sign", "amp&er", "ü" * 60, "😀" * 30, "x" * 100]),
    )
    return body.map(lambda text: prefix + text).filter(is_plain_id)


# How an id is put into a path; "raw" sends its UTF-8 bytes as they are.
ENCODINGS = ["quote", "quote", "quote", "sub-delims", "lower-hex", "every-byte", "raw"]


def encode_segment(value: str, how: str) -> bytes:
    """The id as a path segment, encoded one of the ways in ``ENCODINGS``."""
    if how == "quote":
        return quote(value, safe="").encode()
    if how == "sub-delims":
        return quote(value, safe="-._~!$&'()*+,;=:@").encode()
    if how == "lower-hex":
        encoded = quote(value, safe="")
        out, index = [], 0
        while index < len(encoded):
            if encoded[index] == "%":
                out.append(encoded[index:index + 3].lower())
                index += 3
            else:
                out.append(encoded[index])
                index += 1
        return "".join(out).encode()
    if how == "every-byte":
        return "".join(f"%{byte:02X}" for byte in value.encode("utf-8")).encode()
    return value.encode("utf-8")


def means_the_id(value: str, how: str) -> bool:
    """Whether the encoded segment stands for exactly ``value`` (a raw id with characters a
    path cannot carry unencoded does not)."""
    return how != "raw" or all(c in PCHAR for c in value)


# Percent-encodings that are broken or decode to bytes that are not an id.
BROKEN_SEGMENTS = [b"%", b"%G1", b"%C3", b"%FF", b"%C3%28", b"%00", b"%0A", b"%E2%82", b"%ED%A0%80", b"a%2", b"%25%"]
