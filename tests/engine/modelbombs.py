"""Hostile zip layouts of PyTorch model files, built in the test (no download).

Used by the hostile-model tests and `benchmarks/robustness.py`.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path

import torch

_BLOCK = bytes(1 << 20)


class _Storage:
    """Pickled as torch.save pickles a storage: a persistent id naming record data/0."""

    def __init__(self, numel: int) -> None:
        self.numel = numel


class _Tensor:
    def __init__(self, numel: int) -> None:
        self.storage = _Storage(numel)

    def __reduce__(self):
        n = self.storage.numel
        return (
            torch._utils._rebuild_tensor_v2,
            (self.storage, 0, (n,), (1,), False, OrderedDict()),
        )


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", torch.FloatStorage, "0", "cpu", obj.numel)
        return None


def state_pickle(numel: int) -> bytes:
    """data.pkl of a checkpoint holding one float tensor `weight` of `numel` values."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump(OrderedDict(weight=_Tensor(numel)))
    return buffer.getvalue()


class _Payload:
    """A pickle that calls os.system when loaded (never loaded here)."""

    def __reduce__(self):
        return (os.system, ("echo payload ran",))


def payload_pickle() -> bytes:
    return pickle.dumps(_Payload(), protocol=2)


def zip_bomb(path: Path, inflated_bytes: int) -> Path:
    """A checkpoint whose one float storage of zeros is stored deflated: `inflated_bytes`
    in a file about a thousandth of that."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", state_pickle(inflated_bytes // 4))
        archive.writestr("archive/version", "3\n")
        info = zipfile.ZipInfo("archive/data/0")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as stream:
            for _ in range(inflated_bytes // len(_BLOCK)):
                stream.write(_BLOCK)
    return path


def duplicate_pickles(path: Path, evil_first: bool = True) -> Path:
    """Two archive/data.pkl entries, one calling os.system, one benign."""
    import warnings

    evil, benign = payload_pickle(), state_pickle(4)
    first, second = (evil, benign) if evil_first else (benign, evil)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("archive/data.pkl", first)
            archive.writestr("archive/data.pkl", second)
            archive.writestr("archive/version", "3\n")
            archive.writestr("archive/data/0", bytes(16))
    return path


def overlapping_entries(path: Path) -> Path:
    """Two directory entries whose data share bytes: the second points into the first."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", state_pickle(4))
        archive.writestr("archive/data/0", bytes(16))
        archive.writestr("archive/version", "3\n")
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    second = data.index(b"PK\x01\x02", central + 4)
    first_offset = struct.unpack("<I", data[central + 42 : central + 46])[0]
    data[second + 42 : second + 46] = struct.pack("<I", first_offset)
    path.write_bytes(bytes(data))
    return path


def deflated_pickle_bomb(path: Path, inflated_bytes: int) -> Path:
    """data.pkl itself a bomb: a short pickle followed by `inflated_bytes` of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        info = zipfile.ZipInfo("archive/data.pkl")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as stream:
            stream.write(state_pickle(4))
            for _ in range(inflated_bytes // len(_BLOCK)):
                stream.write(_BLOCK)
        archive.writestr("archive/data/0", bytes(16))
    return path


def duplicate_torchscript(path: Path) -> Path:
    """A real TorchScript archive with a second copy of one of its entries appended."""
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is deprecated
        torch.jit.save(torch.jit.script(torch.nn.Conv2d(3, 3, 1)), buffer)
    path.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/data.pkl"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr(name, payload_pickle())
    return path
