"""Reading the weights of a model file without letting the file run code.

- `.safetensors`: parsed by safetensors (a JSON header and raw tensors; no code at all).
- PyTorch checkpoints (`.pth`, `.ckpt`, `.bin`, a non-TorchScript `.pt`): first every
  global the pickle names is listed without running it (`pickle_scan`); a file naming
  anything beyond tensor building blocks is refused with `UnsafeModelError`. Then it is
  read with `torch.load(weights_only=True)`, torch's own restricted unpickler. (spandrel's
  `ModelLoader` passes its `RestrictedUnpickle` as `pickle_module`, which in torch >= 2.6
  turns `weights_only` off and cannot be combined with it; Restorer never calls
  `ModelLoader.load_from_file`, only spandrel's detection on the tensors read here.)
- TorchScript archives: read as data by `torchscript.read_torchscript_weights`;
  `torch.jit.load` is never called because it runs the archive's code.

The kind of file is decided by its content, not its extension.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from restorer.errors import ModelError, UnsafeModelError
from restorer.models import pickle_scan

MODEL_EXTENSIONS = (".safetensors", ".pth", ".ckpt", ".pt", ".bin")

_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_PROTO = 0x80


def check_extension(path: Path) -> None:
    """Refuse files whose extension is not a model format Restorer reads."""
    if path.suffix.lower() not in MODEL_EXTENSIONS:
        raise ModelError(
            f"{path.name} is not a model file Restorer reads "
            f"(expected one of: {', '.join(MODEL_EXTENSIONS)})."
        )


def file_format(path: Path) -> str:
    """'safetensors', 'torchscript', 'pickle-zip' or 'pickle', judged from the bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise ModelError(f"Cannot read {path.name}: {exc}") from exc
    if head.startswith(_ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as archive:
                from restorer.models.torchscript import is_torchscript

                _check_archive(path, archive)

                if is_torchscript(archive):
                    return "torchscript"
                if any(name.endswith("data.pkl") for name in archive.namelist()):
                    return "pickle-zip"
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ModelError(f"{path.name} is a damaged archive ({exc}).") from exc
        raise ModelError(f"{path.name} is a zip archive but not a PyTorch model.")
    if len(head) >= 9 and head[8:9] == b"{":
        header_size = int.from_bytes(head[:8], "little")
        if 0 < header_size < 100_000_000:
            return "safetensors"
    if head[:1] == bytes([_PICKLE_PROTO]):
        return "pickle"
    raise ModelError(
        f"{path.name} is not a model file: it is neither safetensors nor a PyTorch checkpoint."
    )


def _check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse bombs, duplicate and overlapping entries before any member is read."""
    from restorer.models.archive import ArchiveError, HiddenEntryError, check_archive

    try:
        check_archive(archive, path.stat().st_size)
    except HiddenEntryError as exc:
        raise UnsafeModelError(
            f"{path.name} was refused: {exc}, which hides one part of the file from the "
            "safety check. A model file never does that; nothing from it was run."
        ) from exc
    except ArchiveError as exc:
        raise ModelError(f"{path.name} was refused: {exc}.") from exc


def _check_pickle(path: Path, kind: str) -> None:
    """Refuse a checkpoint whose pickle names anything beyond tensor building blocks."""
    try:
        if kind == "pickle-zip":
            with zipfile.ZipFile(path) as archive:
                found: list[tuple[str, str]] = []
                for name in archive.namelist():
                    if name.endswith(".pkl"):
                        found += pickle_scan.globals_in_pickle(
                            pickle_scan.read_pickle_member(archive, name)
                        )
        else:
            from restorer.bounded import open_bounded

            with open_bounded(path) as handle:
                found = pickle_scan.globals_in_pickle(
                    handle, max_pickles=pickle_scan.legacy_pickle_count()
                )
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a checkpoint"
        raise ModelError(
            f"{path.name} is not a readable PyTorch checkpoint ({type(exc).__name__}: {exc})."
        ) from exc
    unsafe = pickle_scan.unsafe_globals(found)
    if unsafe:
        shown = ", ".join(unsafe[:4]) + (", ..." if len(unsafe) > 4 else "")
        raise UnsafeModelError(
            f"{path.name} was refused: loading it would run code it names ({shown}), "
            "which a weights file does not need. Nothing from it was run. If you trust "
            "its source, convert it to .safetensors and add that."
        )


def _load_pickle(path: Path) -> Any:
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many kinds for bad files
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"{path.name} could not be read as a checkpoint: {first_line}") from exc


def _load_safetensors(path: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except Exception as exc:  # noqa: BLE001 - SafetensorError and friends
        raise ModelError(f"{path.name} is not a valid safetensors file ({exc}).") from exc


def _tensors_only(state: Any, path: Path) -> dict[str, Any]:
    import torch
    from spandrel import canonicalize_state_dict

    if not isinstance(state, dict):
        raise ModelError(f"{path.name} does not hold a dictionary of weights.")
    state = canonicalize_state_dict(state)
    tensors = {
        str(k): v for k, v in state.items() if isinstance(v, torch.Tensor) and isinstance(k, str)
    }
    if not tensors:
        raise ModelError(f"{path.name} holds no weights.")
    return tensors


def read_weights(path: Path) -> tuple[dict[str, Any], str]:
    """(name -> tensor on the CPU, file format) of a model file, read safely.

    Raises `UnsafeModelError` for a file that would run code when loaded (its code is
    never run) and `ModelError` for anything that is not a readable model file.
    """
    check_extension(path)
    if not path.is_file():
        raise ModelError(f"No such model file: {path}")
    kind = file_format(path)
    if kind == "safetensors":
        state: Any = _load_safetensors(path)
    elif kind == "torchscript":
        from restorer.models.torchscript import read_torchscript_weights

        state = read_torchscript_weights(path)
    else:
        _check_pickle(path, kind)
        state = _load_pickle(path)
    readable = "pickle" if kind.startswith("pickle") else kind
    return _tensors_only(state, path), readable
