"""Arrow helpers shared by the vectorised SQL functions."""

from __future__ import annotations

import math
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


_INT64, _INT32 = pa.int64(), pa.int32()
_INT32_MAX = 2**31 - 1


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
    integer array (int32, or int64 when the columns' distinct values could number
    more): row i is distinct row ``numbers[i]``, NULL where any of its columns is
    NULL. A function computes each distinct row once and spreads the results with
    ``results.take(numbers)``: all of that in Arrow, none of it per row in Python.
    A column that is already a dictionary array is taken as encoded.
    """
    arrays = [_combined(column) for column in columns]
    codes = [array if isinstance(array, pa.DictionaryArray) else pc.dictionary_encode(array)
             for array in arrays]
    # A column of one value (a constant argument: a pattern, a zone) takes no part in
    # telling rows apart. The other columns' codes are combined as the digits of one
    # number, in the base of each column's count of distinct values.
    constant = [len(code.dictionary) == 1 and not code.null_count for code in codes]
    varying = [code for code, same in zip(codes, constant, strict=True) if not same]
    sizes = [max(len(code.dictionary), 1) for code in varying]
    # (a dictionary made here holds only the values that occur; a given one may hold more)
    dense = [code is not array for code, array, same in zip(codes, arrays, constant, strict=True)
             if not same]
    wide = math.prod(sizes) > _INT32_MAX
    number: pa.Array | None = None
    for code, size in zip(varying, sizes, strict=True):
        indices = code.indices.cast(_INT64) if wide else code.indices
        if number is None:
            number = indices
        else:
            # A scalar made from an array: pa.scalar of a Python int imports pandas.
            number = pc.add(pc.multiply(number, integers([size], number.type)[0]), indices)
    if number is None:  # every column constant: one distinct row
        return ([[code.dictionary[0].as_py()] for code in codes],
                integers([0] * len(codes[0]), _INT32))
    if len(varying) == 1 and dense[0]:
        # one column, encoded here: its dictionary numbers the distinct rows already
        remaining = np.arange(len(varying[0].dictionary), dtype=np.int32)
        numbers = varying[0].indices
    else:
        distinct = pc.dictionary_encode(number)
        remaining = _to_numpy(distinct.dictionary)  # (to_numpy would import pandas)
        numbers = distinct.indices
    values: list[list[Any]] = []
    digits = iter(reversed(sizes))
    for code, same in zip(reversed(codes), reversed(constant), strict=True):
        if same:
            values.append([code.dictionary[0].as_py()] * len(remaining))
            continue
        remaining, digit = np.divmod(remaining, next(digits))
        values.append(code.dictionary.take(_from_numpy(digit)).to_pylist())
    return values[::-1], numbers


def single_owner(codes: pa.Array, owners: pa.Array) -> np.ndarray | None:
    """For dictionary codes ``codes`` (NULL allowed) and a NULL-free integer column
    ``owners`` beside them: each code's owner, when every row of a code has the same
    owner; else None. (Which ciphertext goes with which key: in a file each ciphertext
    comes with one keyLink, so a batch's distinct ciphertexts are its distinct pairs.)"""
    if owners.null_count or not len(codes):
        return None
    code_values, owner_values = _to_numpy(codes), _to_numpy(owners)
    if codes.null_count:
        present = np.unpackbits(np.frombuffer(codes.buffers()[0], np.uint8), count=len(codes)
                                + codes.offset, bitorder="little")[codes.offset:].view(bool)
        code_values, owner_values = code_values[present], owner_values[present]
    by_code = np.zeros(int(code_values.max(initial=-1)) + 1, owner_values.dtype)
    by_code[code_values] = owner_values  # one row's owner per code; checked against all rows
    return by_code if np.array_equal(by_code[code_values], owner_values) else None


def _to_numpy(array: pa.Array) -> np.ndarray:
    """The values of an integer array without NULLs, as a numpy view of its buffer."""
    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype, len(array) + array.offset)[array.offset:]


def _from_numpy(values: np.ndarray) -> pa.Array:
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                 [None, pa.py_buffer(np.ascontiguousarray(values))])


def _combined(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
