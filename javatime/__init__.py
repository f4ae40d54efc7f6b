"""Java ``DateTimeFormatter.ofPattern`` parsing, as duckshred needs it: text to epoch millis.

The system duckshred replaces parsed event timestamps with
``ZonedDateTime.parse(text, DateTimeFormatter.ofPattern(pattern))``. Data engineers hand us
the same patterns, and a row that does not parse must report what Java's
``DateTimeParseException.getMessage()`` says. This package implements the behaviour Java
documents for that call (pattern letters and counts, strict parsing of numbers, fractions,
English text, offsets and zones, ``ResolverStyle.SMART``), checked against a real JDK by
``tests/unit/test_javatime_oracle.py``. It uses no DuckDB and no dbt.

Layout: :mod:`.pattern` (lexer and letter rules) builds :mod:`.elements` (what reads each
piece of text); :mod:`.resolver` turns fields into an instant with the help of
:mod:`.fields` (ranges, calendar) and :mod:`.zones` (zone IDs, DST); :mod:`.fastpath` is a
regex shortcut for well-formed texts; :mod:`.formatter` ties them together and
:mod:`.errors` words the failures as Java does.

Behaviour worth knowing:

* a day past the end of its month is the month's last day (``2011-02-30`` is 2011-02-28),
  ``24:00`` is midnight of the next day;
* in a DST overlap the earlier offset wins, in a gap the time moves forward by the gap
  (``ZonedDateTime.ofLocal``);
* one deliberate difference: a date with no time of day (and no stray time field) is
  midnight of that date, where Java's ``ZonedDateTime.from`` fails;
* ``z`` reads region IDs, offsets and the common English zone names (``PST``, ``CET``,
  ``Central European Summer Time``...; see :mod:`.zones`), each as the zone Java's US
  locale prefers for it; Java knows more names;
* letters ``Y w W e c`` (as numbers), ``g B v`` raise :class:`JavaPatternError` rather than
  parse differently from Java;
* zone rules come from the system tz database (``zoneinfo``), not the JDK's copy:
  historical offsets can differ where the databases do;
* when several leftover fields conflict at once, Java's choice of which to report follows
  a hash order; this package reports the first parsed;
* an instant beyond a Java ``long`` of milliseconds raises :class:`JavaDateTimeParseError`
  with ``"long overflow"``, as ``Instant.toEpochMilli()`` does.
"""

from __future__ import annotations

from .errors import JavaDateTimeParseError, JavaPatternError
from .formatter import JavaDateTimeFormat, compile_pattern, parse_epoch_millis

__all__ = [
    "JavaDateTimeFormat",
    "JavaDateTimeParseError",
    "JavaPatternError",
    "compile_pattern",
    "parse_epoch_millis",
]
