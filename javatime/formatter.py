"""A compiled pattern and the one call the rest of duckshred makes: text -> epoch millis."""

from __future__ import annotations

import functools

from .elements import ParseState
from .errors import (
    JavaDateTimeParseError,
    Mismatch,
    Rejected,
    mismatch_error,
    rejected_error,
    to_units,
    unparsed_error,
)
from .fastpath import FastPath, fast_path
from .pattern import compile_elements
from .resolver import epoch_millis
from .zones import Zone, default_zone


class JavaDateTimeFormat:
    """``DateTimeFormatter.ofPattern(pattern)``, for parsing only."""

    __slots__ = ("_fast", "_root", "pattern")

    def __init__(self, pattern: str) -> None:
        if not isinstance(pattern, str):
            raise TypeError("pattern must be a str")
        self.pattern = pattern
        self._root = compile_elements(pattern)
        # the regex path reads plain text; patterns with astral characters take the slow one
        self._fast: FastPath | None = None
        if to_units(pattern) == pattern:
            self._fast = fast_path(self._root)

    def __repr__(self) -> str:
        return f"JavaDateTimeFormat({self.pattern!r})"

    def parse_epoch_millis(self, text: str, default_zone_id: str) -> int:
        """Parse ``text`` to epoch milliseconds as ``ZonedDateTime.parse(text, formatter)``
        then ``toInstant().toEpochMilli()`` would; ``default_zone_id`` (a Java zone ID)
        applies only when the text carries no offset or zone.

        Raises :class:`JavaDateTimeParseError` for a text Java would refuse, ``ValueError``
        for an unknown zone ID (a configuration error).
        """
        zone = default_zone(default_zone_id)
        if self._fast is not None:
            millis = self._fast(text, zone)
            if millis is not None:
                return millis
        return self._parse_slow(text, zone)

    def _parse_slow(self, text: str, zone: Zone) -> int:
        """Element by element, with Java's error indexes and messages."""
        units = to_units(text)
        state = ParseState()
        try:
            end = self._root.parse(state, units, 0)
            if end < len(units):
                raise unparsed_error(text, units, end)
            return epoch_millis(state.fields, state.zone, zone)
        except Mismatch as mismatch:
            raise mismatch_error(text, units, mismatch.index) from None
        except Rejected as rejected:
            raise rejected_error(text, units, str(rejected)) from None
        except OverflowError as overflow:  # Java's Instant.toEpochMilli: no "Text ..." prefix
            raise JavaDateTimeParseError(str(overflow), text, 0) from None


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> JavaDateTimeFormat:
    """``DateTimeFormatter.ofPattern(pattern)``, cached; raises :class:`JavaPatternError`."""
    return JavaDateTimeFormat(pattern)


def parse_epoch_millis(text: str, pattern: str, default_zone_id: str) -> int:
    """Parse one text with a Java pattern; see :meth:`JavaDateTimeFormat.parse_epoch_millis`."""
    return compile_pattern(pattern).parse_epoch_millis(text, default_zone_id)
