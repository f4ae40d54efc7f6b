"""The two failures a caller sees, and Java's wording for them.

Java counts text positions in UTF-16 code units, so the parser works on a "units" string
(astral characters split into surrogate pairs) and only the messages go back to Python
text.
"""

from __future__ import annotations

# Java abbreviates the text in a parse message after this many UTF-16 code units.
_ABBREVIATE_AFTER = 64


class JavaPatternError(ValueError):
    """The pattern is invalid (Java: ``IllegalArgumentException`` from ``ofPattern``)."""


class JavaDateTimeParseError(ValueError):
    """A text did not parse; ``str(error)`` is Java's ``DateTimeParseException.getMessage()``."""

    def __init__(self, message: str, text: str, error_index: int) -> None:
        super().__init__(message)
        self.text = text
        self.error_index = error_index


class Mismatch(Exception):  # noqa: N818 - control flow, never leaves the package
    """The text does not fit the pattern at ``index`` (Java reports it as an error index)."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class Rejected(Exception):  # noqa: N818 - control flow, never leaves the package
    """The fields parsed but Java refuses them (a ``DateTimeException`` while resolving)."""


def to_units(text: str) -> str:
    """``text`` with one character per UTF-16 code unit, as Java indexes it."""
    if text.isascii() or max(text) <= "\uffff":
        return text
    return "".join(map(_split_astral, text))


def _split_astral(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return char
    code -= 0x10000
    return chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF))


def _from_units(units: str) -> str:
    # a surrogate half cut off by the abbreviation prints as '?' in Java's message
    joined = units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return joined.encode("utf-8", "replace").decode("utf-8")


def _shown(text: str, units: str) -> str:
    if len(units) <= _ABBREVIATE_AFTER:
        return text
    return _from_units(units[:_ABBREVIATE_AFTER]) + "..."


def mismatch_error(text: str, units: str, index: int) -> JavaDateTimeParseError:
    return JavaDateTimeParseError(
        f"Text '{_shown(text, units)}' could not be parsed at index {index}", text, index
    )


def unparsed_error(text: str, units: str, index: int) -> JavaDateTimeParseError:
    return JavaDateTimeParseError(
        f"Text '{_shown(text, units)}' could not be parsed, unparsed text found at index {index}",
        text,
        index,
    )


def rejected_error(text: str, units: str, cause: str) -> JavaDateTimeParseError:
    return JavaDateTimeParseError(
        f"Text '{_shown(text, units)}' could not be parsed: {cause}", text, 0
    )
