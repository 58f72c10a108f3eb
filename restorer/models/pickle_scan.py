"""Listing what a pickle would import, without importing or running any of it.

A pickle can name any Python callable (`os.system`, `subprocess.Popen`, ...) and call it
while it is being read. Before a PyTorch checkpoint is loaded, every global it names is
collected by an unpickler whose `find_class` returns an inert stand-in, so nothing the
file names is ever imported or called. A file naming anything outside `ALLOWED_GLOBALS`
(the pieces a tensor dictionary is made of) is refused as unsafe.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from typing import BinaryIO

# What a state dict saved by torch.save is built from. A subset of what torch's own
# weights-only unpickler accepts, so a file that passes here also loads there.
_STORAGES = (
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
)
_DTYPES = (
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
)
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("collections", "OrderedDict"),
        ("torch._utils", "_rebuild_tensor"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_tensor_v3"),
        ("torch._utils", "_rebuild_parameter"),
        ("torch._utils", "_rebuild_parameter_with_state"),
        ("torch._tensor", "_rebuild_from_type_v2"),
        ("torch.nn.parameter", "Parameter"),
        ("torch", "Tensor"),
        ("torch", "Size"),
        ("torch", "device"),
        ("torch.storage", "UntypedStorage"),
        ("torch", "UntypedStorage"),
        ("_codecs", "encode"),
        ("builtins", "set"),
        ("builtins", "bytearray"),
    }
    | {("torch", name) for name in _STORAGES}
    | {("torch", name) for name in _DTYPES}
)

# The pickled part of a checkpoint is small (names, shapes); tensors are stored apart.
# A larger one is refused rather than read into memory (a zip bomb, say).
MAX_PICKLE_BYTES = 256 * 1024 * 1024

# A legacy (pre-zip) torch.save file is five pickles followed by raw tensor bytes.
_LEGACY_PICKLES = 5


class _Inert:
    """Stands in for everything a pickle would build: accepts anything, does nothing."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __call__(self, *args: object, **kwargs: object) -> _Inert:
        return _Inert()

    def __setstate__(self, state: object) -> None:
        pass

    def __setitem__(self, key: object, value: object) -> None:
        pass

    def append(self, value: object) -> None:
        pass

    def extend(self, values: object) -> None:
        pass


class _GlobalRecorder(pickle.Unpickler):
    """Reads a pickle, recording every global it names and resolving none of them."""

    def __init__(self, file: BinaryIO, found: list[tuple[str, str]]) -> None:
        super().__init__(file)
        self._found = found

    def find_class(self, module: str, name: str) -> type:
        self._found.append((module, name))
        return _Inert

    def persistent_load(self, pid: object) -> _Inert:
        return _Inert()


def globals_in_pickle(data: bytes | BinaryIO, *, max_pickles: int = 1) -> list[tuple[str, str]]:
    """Every (module, name) the pickle(s) in `data` refer to, in order of appearance.

    Reads up to `max_pickles` consecutive pickles. Raises whatever the unpickler raised
    if the first one is not a readable pickle; a later one that does not parse marks the
    end of the pickled part (raw tensor bytes follow in old torch.save files).
    """
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    found: list[tuple[str, str]] = []
    for index in range(max_pickles):
        try:
            _GlobalRecorder(stream, found).load()
        except Exception:  # noqa: BLE001 - any parse failure
            if index == 0:
                raise
            break
    return found


def read_pickle_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """The bytes of the pickle `name` in `archive`, refusing implausibly large ones.

    Read in blocks with a cap and a compression-ratio limit (`archive.read_member`), so
    a member lying about its size stops the read early instead of filling memory.
    """
    from restorer.models.archive import read_member

    return read_member(archive, name, MAX_PICKLE_BYTES)


def legacy_pickle_count() -> int:
    """How many pickles start a pre-zip torch.save file."""
    return _LEGACY_PICKLES


def unsafe_globals(found: list[tuple[str, str]]) -> list[str]:
    """The globals in `found` that a weights file has no business naming, deduplicated."""
    seen: dict[str, None] = {}
    for module, name in found:
        if (module, name) not in ALLOWED_GLOBALS:
            seen[f"{module}.{name}"] = None
    return list(seen)
