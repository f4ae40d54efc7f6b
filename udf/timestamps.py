"""SQL functions around the Java DateTimeFormatter parser (``duckshred.javatime``).

``java_timestamp_epoch_ms`` runs on every row of a job and parses each distinct
text of a batch once; ``java_timestamp_error`` only runs on a row that failed.
"""

from __future__ import annotations

import pyarrow as pa

from duckshred.javatime import JavaDateTimeParseError, compile_pattern
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
