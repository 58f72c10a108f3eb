"""The models folder: adding, listing and removing model files.

Each model is two files in `restorer.paths.models_dir()`: the weights, named
`<id><extension>`, and `<id>.model.json` describing them (`ModelInfo`). A file is
added only after it was read safely and recognised; a refused file leaves the folder
exactly as it was.

The store knows nothing of engines or loaded weights: `restorer.catalog.add_model` and
`remove_model` pass in the ids engines already use, free a loaded model and refresh the
engine list around these calls.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from restorer.errors import ModelError
from restorer.models.info import SIDECAR_SUFFIX, ModelInfo, id_from_name
from restorer.paths import models_dir
from restorer.progress import Progress

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise ModelError(f"Cannot read {path.name}: {exc}") from exc
    return digest.hexdigest()


def _sidecar(model_id: str) -> Path:
    return models_dir() / f"{model_id}{SIDECAR_SUFFIX}"


def list_models(problems: list[str] | None = None) -> list[ModelInfo]:
    """Every usable model, sorted by id. Damaged entries are described in `problems`."""
    found: list[ModelInfo] = []
    for sidecar in sorted(models_dir().glob(f"*{SIDECAR_SUFFIX}")):
        try:
            text = sidecar.read_text(encoding="utf-8")
        except OSError as exc:
            if problems is not None:
                problems.append(f"{sidecar.name} cannot be read: {exc}")
            continue
        if not text.strip():
            continue  # being written by an add in progress
        try:
            info = ModelInfo.from_json(text, origin=sidecar.name)
        except ModelError as exc:
            if problems is not None:
                problems.append(str(exc))
            continue
        if not info.model_path.is_file():
            if problems is not None:
                problems.append(
                    f"The file of model '{info.id}' ({info.file_name}) is missing; "
                    f"run 'restorer models remove {info.id}'."
                )
            continue
        found.append(info)
    return found


def get(model_id: str) -> ModelInfo:
    """The model with this id, or a `ModelError` listing the ids there are."""
    for info in list_models():
        if info.id == model_id:
            return info
    known = ", ".join(info.id for info in list_models()) or "none yet"
    raise ModelError(f"No model called '{model_id}'. Models: {known}.")


def _reserve_id(wanted: str, extension: str, taken_ids: Iterable[str]) -> str:
    """Claim a free id (no model, file or one of `taken_ids` uses it) by creating its
    empty sidecar."""
    taken = {path.name[: -len(SIDECAR_SUFFIX)] for path in models_dir().glob(f"*{SIDECAR_SUFFIX}")}
    taken.update(taken_ids)
    for number in range(1, 10_000):
        candidate = wanted if number == 1 else f"{wanted}-{number}"
        if candidate in taken or (models_dir() / f"{candidate}{extension}").exists():
            continue
        try:
            fd = os.open(_sidecar(candidate), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise ModelError(f"Too many models are called '{wanted}'.")  # pragma: no cover


def _copy_verified(source: Path, target: Path, expected_sha: str) -> None:
    """Copy `source` to `target` atomically, checking the copy's SHA-256."""
    digest = hashlib.sha256()
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != expected_sha:
            raise ModelError(f"{source.name} changed while it was being added; try again.")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _write_sidecar(info: ModelInfo) -> None:
    path = _sidecar(info.id)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(info.to_json())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _save_converted(weights: dict, target: Path) -> None:
    """Write `weights` as safetensors at `target` atomically."""
    from restorer.models.importing import save_safetensors

    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        save_safetensors(weights, Path(temporary))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def add(
    file: str | os.PathLike[str],
    model_id: str | None = None,
    progress: Progress | None = None,
    library_id: str = "",
    *,
    taken_ids: Iterable[str] = (),
    notes: str = "",
) -> ModelInfo:
    """Recognise a model file and store it in the models folder; return its description.

    A safetensors file is copied as it is; any other accepted kind (TorchScript, PyTorch
    or training checkpoint, see `importing`) is stored as the `.safetensors` of its
    tensors, its source name, SHA-256 and conversion kept in the description.

    The new id is `model_id` (or the file's name) made safe, numbered if a model already
    has it or it is one of `taken_ids` (the engines' ids); `library_id` records the
    library entry a download came from, `notes` what the person should know about it
    (shown in its details). Refuses (with `ModelError` / `UnsafeModelError`,
    the folder unchanged) a file that is missing, not a model, of an unknown architecture,
    unsafe to load, or already added. Cancelling through `progress` also leaves the folder
    unchanged.
    """
    from restorer.models.detect import build_model, describe
    from restorer.models.importing import read_model_file
    from restorer.models.safeload import check_extension

    progress = progress or Progress()
    source = Path(file).expanduser()
    if not source.exists():
        raise ModelError(f"No such file: {source}")
    if not source.is_file():
        raise ModelError(f"{source} is not a file.")
    check_extension(source)
    size = source.stat().st_size
    progress.update(0.0, f"Checking {source.name}")
    sha = sha256_of(source)
    for info in list_models():
        if info.sha256 == sha:
            raise ModelError(f"{source.name} is already in the models folder as '{info.id}'.")

    progress.update(0.2, f"Reading {source.name} safely")
    weights, file_format, conversion = read_model_file(source)
    progress.update(0.5, f"Recognising the architecture of {source.name}")
    descriptor = build_model(weights, source.name)
    fields = describe(descriptor)
    del descriptor
    progress.update(0.8, "Copying into the models folder")

    new_id = _reserve_id(id_from_name(model_id or source.name), ".safetensors", taken_ids)
    info = ModelInfo(
        id=new_id,
        file_name=f"{new_id}.safetensors",
        size_bytes=size,
        sha256=sha,
        source_name=source.name,
        file_format=file_format,
        added=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        conversion=conversion,
        library_id=library_id,
        notes=notes,
        **fields,
    )
    try:
        if file_format == "safetensors":
            _copy_verified(source, info.model_path, sha)
        else:
            _save_converted(weights, info.model_path)
            info.size_bytes = info.model_path.stat().st_size  # what is stored
        del weights
        _write_sidecar(info)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            info.model_path.unlink()
        with contextlib.suppress(OSError):
            _sidecar(new_id).unlink()
        if isinstance(exc, OSError):
            raise ModelError(f"Could not copy {source.name} into the models folder: {exc}") from exc
        raise
    progress.update(1.0, f"Added {info.id}")
    return info


def remove(model_id: str) -> ModelInfo | None:
    """Delete a model's file and description (free it first if it is loaded: the
    catalog's `remove_model` does both).

    Returns the removed model's description (None when only a damaged entry was removed).
    """
    sidecar = _sidecar(model_id)
    if not sidecar.is_file():
        known = ", ".join(info.id for info in list_models()) or "none yet"
        raise ModelError(f"No model called '{model_id}'. Models: {known}.")
    try:
        info: ModelInfo | None = ModelInfo.from_json(sidecar.read_text(encoding="utf-8"))
    except (ModelError, OSError):
        info = None
    try:
        if info is not None and info.model_path.exists():
            info.model_path.unlink()
        sidecar.unlink()
    except OSError as exc:
        raise ModelError(f"Could not remove model '{model_id}': {exc}") from exc
    return info
