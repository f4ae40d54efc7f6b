"""Arrow helpers shared by the vectorised SQL functions."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def distinct_rows(*columns: pa.Array | pa.ChunkedArray) -> tuple[list[list[Any]], pa.Array]:
    """The distinct rows of a batch, and for every row the number of its distinct row.

    Returns one Python list per column (the distinct rows, column by column) and an
    int64 array: row i is distinct row ``numbers[i]``, NULL where any of its columns
    is NULL. A function computes each distinct row once and spreads the results
    with ``results.take(numbers)``: all of that in Arrow, none of it per row in Python.
    """
    arrays = [_combined(column) for column in columns]
    # A constant argument (a pattern, a zone) arrives as a full column: it takes no
    # part in telling rows apart.
    constant = [_is_constant(array) for array in arrays]
    codes = [None if same else pc.dictionary_encode(array)
             for array, same in zip(arrays, constant, strict=True)]
    number: pa.Array | None = None
    for code in codes:
        if code is None:
            continue
        size = max(len(code.dictionary), 1)
        indices = code.indices.cast(pa.int64())
        number = indices if number is None else pc.add(pc.multiply(number, size), indices)
    if number is None:  # every column constant: one distinct row
        number = pa.array([0] * len(arrays[0]), pa.int64())
    distinct = pc.dictionary_encode(number)
    remaining = distinct.dictionary.to_numpy()
    values: list[list[Any]] = []
    for array, code in zip(reversed(arrays), reversed(codes), strict=True):
        if code is None:
            values.append([array[0].as_py()] * len(remaining))
            continue
        size = max(len(code.dictionary), 1)
        values.append(code.dictionary.take(remaining % size).to_pylist())
        remaining = remaining // size
    return values[::-1], distinct.indices


def _is_constant(array: pa.Array) -> bool:
    return (len(array) > 0 and array.null_count == 0
            and bool(pc.all(pc.equal(array, array[0])).as_py()))


def _combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
