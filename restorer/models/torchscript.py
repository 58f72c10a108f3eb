"""Reading the weights of a TorchScript archive without running the archive.

`torch.jit.load` does not unpickle arbitrary Python, but it does compile and run the
TorchScript code stored in the archive: a module's `__setstate__` runs while loading,
and TorchScript can reach file-writing operators (`torch.from_file(..., shared=True)`
creates and writes a file). So a `.pt` from a stranger is not safe to `torch.jit.load`.

Instead the archive is read as data: `data.pkl` is unpickled with a `find_class` that
knows only tensor rebuilding and turns each TorchScript class (`__torch__.*`) into a
plain attribute bag; tensors come from the archive's `data/` records. The result is the
same name -> tensor mapping `torch.jit.load(path).state_dict()` gives, and no code from
the file runs. A class with its own `__setstate__` (code that would run on load) is
refused as unsafe.
"""

from __future__ import annotations

import pickle
import re
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from restorer.errors import ModelError, UnsafeModelError
from restorer.models.archive import ArchiveError, HiddenEntryError, check_archive, read_member
from restorer.models.pickle_scan import read_pickle_member

_STORAGE_DTYPES = {
    "FloatStorage": "float32",
    "DoubleStorage": "float64",
    "HalfStorage": "float16",
    "BFloat16Storage": "bfloat16",
    "LongStorage": "int64",
    "IntStorage": "int32",
    "ShortStorage": "int16",
    "CharStorage": "int8",
    "ByteStorage": "uint8",
    "BoolStorage": "bool",
}
_CLASS_RE = re.compile(r"^class (\w+)\(Module\):\n((?:  .*\n)*)", re.MULTILINE)
_LIST_RE = re.compile(r"^  (__parameters__|__buffers__) = \[(.*)\]", re.MULTILINE)
_MAX_DEPTH = 200
_MAX_CODE_BYTES = 64 * 1024 * 1024


def is_torchscript(archive: zipfile.ZipFile) -> bool:
    """True for a TorchScript archive (it has compiled code and constants)."""
    return any(name.endswith("/constants.pkl") or "/code/" in name for name in archive.namelist())


class _ScriptObject:
    """An instance of a TorchScript class, reduced to its attributes."""

    type_name = "__torch__"
    attributes: dict[str, Any]

    def __new__(cls, *args: object) -> _ScriptObject:  # pickle's NEWOBJ skips __init__
        instance = super().__new__(cls)
        instance.attributes = {}
        return instance

    def __setstate__(self, state: object) -> None:
        if not isinstance(state, dict):
            raise UnsafeModelError(
                f"its TorchScript class {self.type_name} runs its own code when loaded "
                "(a custom __setstate__)"
            )
        self.attributes.update(state)


class _StorageType:
    def __init__(self, name: str) -> None:
        self.name = name


class _ArchiveReader(pickle.Unpickler):
    def __init__(self, archive: zipfile.ZipFile, prefix: str, data: bytes) -> None:
        import io

        super().__init__(io.BytesIO(data))
        self._archive = archive
        self._prefix = prefix
        self._storages: dict[str, Any] = {}
        self._classes: dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        import torch

        full = f"{module}.{name}"
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch.jit._pickle" and name.startswith("build_") and name.endswith("list"):
            return list
        if module == "torch.jit._pickle" and name == "restore_type_tag":
            return _restore_type_tag
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if module.startswith("__torch__.torch.classes"):
            raise ModelError(
                f"it uses compiled TorchScript classes ({full}) that Restorer does not read"
            )
        if module == "__torch__" or module.startswith("__torch__."):
            if full not in self._classes:
                self._classes[full] = type(name, (_ScriptObject,), {"type_name": full})
            return self._classes[full]
        raise UnsafeModelError(f"it refers to {full}, which is not part of a model's weights")

    def persistent_load(self, pid: Any) -> Any:
        import torch

        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise ModelError("its weights are stored in a way Restorer does not read")
        _, storage_type, key, _location, numel = pid
        if not isinstance(storage_type, _StorageType):
            raise ModelError("its weights are stored in a way Restorer does not read")
        key = str(key)
        if key not in self._storages:
            dtype = getattr(torch, _STORAGE_DTYPES[storage_type.name])
            record = f"{self._prefix}/data/{key}"
            try:
                declared = self._archive.getinfo(record).file_size
            except KeyError as exc:
                raise ModelError(f"the archive lacks its tensor record data/{key}") from exc
            itemsize = torch.empty((), dtype=dtype).element_size()
            if declared != int(numel) * itemsize:
                raise ModelError(f"its tensor record data/{key} has the wrong size")
            raw = read_member(self._archive, record, declared)
            flat = (
                torch.frombuffer(bytearray(raw), dtype=dtype)
                if raw
                else torch.empty(0, dtype=dtype)
            )
            self._storages[key] = flat
        return self._storages[key]


def _rebuild_tensor(storage: Any, offset: int, size: Any, stride: Any, *rest: object) -> Any:
    return storage.as_strided(tuple(size), tuple(stride), int(offset))


def _rebuild_parameter(data: Any, requires_grad: bool, backward_hooks: object) -> Any:
    return data


def _restore_type_tag(value: object, type_str: str) -> object:
    return value


def _declared_tensors(archive: zipfile.ZipFile, prefix: str) -> dict[str, set[str]]:
    """Parameters and buffers each TorchScript module class declares in its code."""
    declared: dict[str, set[str]] = {}
    code_root = f"{prefix}/code/"
    for name in archive.namelist():
        if not (name.startswith(code_root) and name.endswith(".py")):
            continue
        module = name[len(code_root) : -len(".py")].replace("/", ".")
        text = read_member(archive, name, _MAX_CODE_BYTES).decode("utf-8", errors="replace")
        for match in _CLASS_RE.finditer(text):
            names: set[str] = set()
            for _kind, items in _LIST_RE.findall(match.group(2)):
                names.update(item.strip().strip('"') for item in items.split(",") if item.strip())
            declared[f"{module}.{match.group(1)}"] = names
    return declared


def _flatten(
    obj: _ScriptObject,
    prefix: str,
    declared: dict[str, set[str]],
    out: dict[str, Any],
    depth: int = 0,
) -> None:
    import torch

    if depth > _MAX_DEPTH:
        raise ModelError("its module tree is nested too deeply")
    allowed = declared.get(obj.type_name)
    for name, value in obj.attributes.items():
        if isinstance(value, torch.Tensor):
            if allowed is None or name in allowed:
                out[prefix + name] = value
        elif isinstance(value, _ScriptObject):
            _flatten(value, f"{prefix}{name}.", declared, out, depth + 1)


def read_torchscript_weights(path: Path) -> dict[str, Any]:
    """name -> tensor of a TorchScript archive, read as data (no archive code runs)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{path.name} is not a readable TorchScript archive ({exc}).") from exc
    with archive:
        try:
            check_archive(archive, path.stat().st_size)
        except HiddenEntryError as exc:
            raise UnsafeModelError(f"{path.name} was refused: {exc}.") from exc
        except ArchiveError as exc:
            raise ModelError(f"{path.name} was refused: {exc}.") from exc
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pickles:
            raise ModelError(f"{path.name} is a TorchScript archive without weights (no data.pkl).")
        prefix = pickles[0].split("/", 1)[0]
        try:
            byteorder = read_member(archive, f"{prefix}/byteorder", 64).decode().strip()
        except KeyError:
            byteorder = "little"
        except (ArchiveError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise ModelError(f"{path.name} is a damaged TorchScript archive ({exc}).") from exc
        if byteorder != "little":
            raise ModelError(f"{path.name} was saved on a big-endian machine; not supported.")
        try:
            reader = _ArchiveReader(archive, prefix, read_pickle_member(archive, pickles[0]))
            root = reader.load()
        except UnsafeModelError as exc:
            raise UnsafeModelError(
                f"{path.name} was refused: {exc}. Loading it with TorchScript could run "
                "code from the file; nothing from it was run."
            ) from exc
        except ModelError as exc:
            raise ModelError(f"{path.name} cannot be read: {exc}.") from exc
        except Exception as exc:  # noqa: BLE001 - any parse failure is a damaged file
            raise ModelError(f"{path.name} is a damaged TorchScript archive ({exc}).") from exc
        if not isinstance(root, _ScriptObject):
            raise ModelError(f"{path.name} is a TorchScript archive without a module.")
        weights: dict[str, Any] = {}
        try:
            declared = _declared_tensors(archive, prefix)
        except (ArchiveError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{path.name} is a damaged TorchScript archive ({exc}).") from exc
        _flatten(root, "", declared, weights)
    return weights
