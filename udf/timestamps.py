"""SQL functions around the Java DateTimeFormatter parser (``duckshred.javatime``).

``java_timestamp_epoch_ms`` parses each distinct text of a batch once, for the rows
the engine's own ``strptime`` does not take (see ``javatime.native``);
``java_zone_offsets`` and ``java_zone_day_codes`` give the engine a zone's offsets,
once a query;
``java_timestamp_error`` only runs on a row that failed.
"""

from __future__ import annotations

import pyarrow as pa

from duckshred.javatime import JavaDateTimeParseError, compile_pattern
from duckshred.javatime.native import day_offset_codes
from duckshred.udf._arrow import distinct_rows, integer_lists, integers, strings


def epoch_millis(texts: pa.Array, patterns: pa.Array, zones: pa.Array) -> pa.Array:
    """``java_timestamp_epoch_ms(text, pattern, zone)``: epoch ms, NULL when unparseable.

    Called on every row (a projection keeps the rows in scan order, a join of the
    distinct texts would not): each distinct (text, pattern, zone) of a batch is
    parsed once, and every row takes its value from there in Arrow."""
    (distinct_texts, distinct_patterns, distinct_zones), rows = distinct_rows(
        texts, patterns, zones)
    parsed: list[int | None] = []
    for text, pattern, zone in zip(distinct_texts, distinct_patterns, distinct_zones,
                                   strict=True):
        try:
            parsed.append(compile_pattern(pattern).parse_epoch_millis(text, zone))
        except JavaDateTimeParseError:
            parsed.append(None)
    return integers(parsed).take(rows)


def parse_error(texts: pa.Array, patterns: pa.Array, zones: pa.Array) -> pa.Array:
    """``java_timestamp_error(text, pattern, zone)``: Java's parse message, NULL if it parses."""
    out: list[str | None] = []
    for text, pattern, zone in zip(
        texts.to_pylist(), patterns.to_pylist(), zones.to_pylist(), strict=True
    ):
        try:
            compile_pattern(pattern).parse_epoch_millis(text or "", zone)
            out.append(None)
        except JavaDateTimeParseError as error:
            out.append(str(error))
    return strings(out)


def _per_zone(zones: pa.Array, part: int, type_: pa.DataType) -> pa.Array:
    lists: dict[str, list[int | None] | None] = {}
    for zone in set(zones.to_pylist()) - {None}:
        try:
            codes = day_offset_codes(zone)
        except ValueError:  # a zone Java does not know: the Java parser will say so
            codes = None
        lists[zone] = None if codes is None else list(codes[part])
    return integer_lists([None if zone is None else lists[zone] for zone in zones.to_pylist()],
                         type_)


def zone_offsets(zones: pa.Array) -> pa.Array:
    """``java_zone_offsets(zone)``: the zone's offsets in seconds since 1970, by code (list
    element 1, code 0, is NULL); NULL for a zone the engine cannot look up (see
    ``javatime.native.day_offset_codes``)."""
    return _per_zone(zones, 0, pa.int32())


def zone_day_codes(zones: pa.Array) -> pa.Array:
    """``java_zone_day_codes(zone)``: each local day's offset code from 1970-01-01, 4 bits
    a day, 15 days an element. Called with a constant, DuckDB computes both functions
    once a query; they are small lists, which DuckDB copies cheaply into every batch."""
    return _per_zone(zones, 1, pa.int64())
