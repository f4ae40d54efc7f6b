"""Arrow helpers shared by the vectorised SQL functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow.lib import StringBuilder

# The results of the functions are built without ``pa.array``: for a Python list it asks
# pyarrow's pandas shim whether the list is a pandas object, which imports pandas
# (0.2-0.6 s here) into every batch job, which never uses pandas otherwise.


def strings(values: Sequence[str | bytes | None]) -> pa.Array:
    """A string array of ``values`` (bytes must be UTF-8; None is NULL)."""
    builder = StringBuilder()
    builder.append_values(values)
    return builder.finish()


_INT64 = pa.int64()


def integers(values: Sequence[int | None], type_: pa.DataType = _INT64) -> pa.Array:
    """An integer array (int64 or int32) of ``values`` (None is NULL)."""
    valid = np.fromiter((value is not None for value in values), bool, len(values))
    data = np.fromiter((0 if value is None else value for value in values),
                       type_.to_pandas_dtype(), len(values))
    nulls = len(values) - int(valid.sum())
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(type_, len(values), [bitmap, pa.py_buffer(data)],
                                 null_count=nulls)


def integer_lists(values: Sequence[Sequence[int | None] | None],
                  type_: pa.DataType) -> pa.Array:
    """A list array of integer lists (``type_`` the item type; None is a NULL list)."""
    offsets: list[int | None] = [0]
    items: list[int | None] = []
    for value in values:
        items.extend(value or ())
        offsets.append(len(items))
    lists = pa.ListArray.from_arrays(integers(offsets, pa.int32()), integers(items, type_))
    if any(value is None for value in values):
        valid = np.fromiter((value is not None for value in values), bool, len(values))
        mask = pa.Array.from_buffers(pa.bool_(), len(values),
                                     [None, pa.py_buffer(np.packbits(~valid, bitorder="little"))])
        lists = pa.ListArray.from_arrays(lists.offsets, lists.values, mask=mask)
    return lists


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
        number = integers([0] * len(arrays[0]))
    distinct = pc.dictionary_encode(number)
    remaining = distinct.dictionary.to_pylist()  # (to_numpy would import pandas)
    values: list[list[Any]] = []
    for array, code in zip(reversed(arrays), reversed(codes), strict=True):
        if code is None:
            values.append([array[0].as_py()] * len(remaining))
            continue
        size = max(len(code.dictionary), 1)
        values.append(code.dictionary.take(integers([n % size for n in remaining])).to_pylist())
        remaining = [n // size for n in remaining]
    return values[::-1], distinct.indices


def _is_constant(array: pa.Array) -> bool:
    return (len(array) > 0 and array.null_count == 0
            and bool(pc.all(pc.equal(array, array[0])).as_py()))


def _combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
