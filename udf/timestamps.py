"""SQL functions around the Java DateTimeFormatter parser (``duckshred.javatime``).

Jobs call them once per *distinct* timestamp text, so their per-call Python cost
is paid a few thousand times per batch, not once per row.
"""

from __future__ import annotations

import pyarrow as pa

from duckshred.javatime import JavaDateTimeParseError, compile_pattern


def epoch_millis(texts: pa.Array, patterns: pa.Array, zones: pa.Array) -> pa.Array:
    """``java_timestamp_epoch_ms(text, pattern, zone)``: epoch ms, NULL when unparseable."""
    out: list[int | None] = []
    for text, pattern, zone in zip(
        texts.to_pylist(), patterns.to_pylist(), zones.to_pylist(), strict=True
    ):
        if text is None or pattern is None or zone is None:
            out.append(None)
            continue
        try:
            out.append(compile_pattern(pattern).parse_epoch_millis(text, zone))
        except JavaDateTimeParseError:
            out.append(None)
    return pa.array(out, pa.int64())


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
