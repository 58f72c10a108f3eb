"""Files read through a buffer that never asks for more than the file still holds.

A corrupt length field (a PNG chunk of 0xFFFFFFFF bytes, a length inside a pickle) would
otherwise make Python allocate the whole requested size before reading: a MemoryError of
gigabytes instead of a short read that the decoder reports as a damaged file. The image
reader and the model-file reader both open files this way.
"""

from __future__ import annotations

import io
import os


class BoundedReader(io.BufferedReader):
    """A file whose `read(n)` never asks for more than the file still holds (`size`)."""

    def __init__(self, raw: io.FileIO, size: int) -> None:
        super().__init__(raw)
        self.size = size

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > 0:
            size = min(size, max(0, self.size - self.tell()))
        return super().read(size)


def bounded(raw: io.FileIO) -> BoundedReader:
    """`raw` (an open file) read through `BoundedReader`."""
    return BoundedReader(raw, os.fstat(raw.fileno()).st_size)


def open_bounded(path: str | os.PathLike[str]) -> BoundedReader:
    """`path` opened for reading through `BoundedReader`."""
    return bounded(io.FileIO(path, "rb"))
