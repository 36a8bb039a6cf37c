"""Arrow values built from buffers, without converting Python objects.

Converting a Python object (``pa.array(list)``, ``pa.scalar(1)``, ``pc.equal(x, 1)``, ...)
makes pyarrow import pandas (~0.3 s); the CLI never needs pandas, so values are built from
buffers instead.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def string_array(values: list[str]) -> pa.Array:
    """A pyarrow string array from Python strings, built from buffers."""
    encoded = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
    arr = pa.LargeStringArray.from_buffers(
        len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))
    )
    return arr.cast(pa.string())


def int64_array(values: object) -> pa.Array:
    data = np.ascontiguousarray(np.asarray(values, dtype=np.int64))
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def bool_array(mask: np.ndarray) -> pa.Array:
    bits = np.packbits(np.asarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def str_scalar(value: str) -> pa.Scalar:
    return string_array([value])[0]


def int32_scalar(value: int) -> pa.Scalar:
    data = np.array([value], dtype=np.int32)
    return pa.Array.from_buffers(pa.int32(), 1, [None, pa.py_buffer(data)])[0]


EMPTY = str_scalar("")
TRUE = bool_array(np.array([True]))[0]
FALSE = bool_array(np.array([False]))[0]
