"""SQL functions around the Java DateTimeFormatter parser (``duckshred.javatime``).

``java_timestamp_epoch_ms`` parses each distinct text of a batch once, for the rows
the engine's own ``strptime`` does not take (see ``javatime.native``);
``java_zone_day_offsets`` gives the engine a zone's offsets, once a query;
``java_timestamp_error`` only runs on a row that failed.
"""

from __future__ import annotations

import pyarrow as pa

from duckshred.javatime import JavaDateTimeParseError, compile_pattern
from duckshred.javatime.native import local_day_offsets
from duckshred.udf._arrow import distinct_rows


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
    return pa.array(parsed, pa.int64()).take(rows)


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
    return pa.array(out, pa.string())


def zone_day_offsets(zones: pa.Array) -> pa.Array:
    """``java_zone_day_offsets(zone)``: the zone's offset in seconds for each local day from
    1970-01-01 (list element 1) where it holds all day, NULL near transitions; a NULL list
    for a zone without such days. Called with a constant, DuckDB computes it once a query."""
    lists: dict[str, list[int | None] | None] = {}
    for zone in set(zones.to_pylist()) - {None}:
        try:
            offsets = local_day_offsets(zone)
        except ValueError:  # a zone Java does not know: the Java parser will say so
            offsets = None
        lists[zone] = list(offsets) if offsets else None
    return pa.array([None if zone is None else lists[zone] for zone in zones.to_pylist()],
                    pa.list_(pa.int32()))
