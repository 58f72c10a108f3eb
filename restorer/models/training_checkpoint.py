"""Reading the generator's weights out of a training checkpoint, never running it.

LaMa's own `best.ckpt` and other PyTorch-Lightning checkpoints hold more than weights:
`hyper_parameters` (an OmegaConf `DictConfig`), `callbacks` keyed by Lightning callback
classes, optimizer states, numpy scalars. A pickle naming those classes is refused by
the plain weights reader (`safeload`), because in general a named class can run code.

Here, as stable-diffusion-webui's `modules/safe.py` does, an allow-list decides: the
few known training classes (`TRAINING_GLOBALS`) are replaced by inert stand-ins that
accept any arguments and state and do nothing; they are never imported nor called.
Tensors are rebuilt from the archive's records as data. Anything else a pickle names
(`os.system`, `builtins.open`, ...) refuses the file, before any of it is read, with
the names listed. Only the tensors of `state_dict` are kept — for a LaMa-style
checkpoint only the generator's (`generator.*`, renamed `model.*`, the layout of
spandrel's LaMa); the discriminator, losses and evaluators are dropped.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from restorer.errors import ModelError, UnsafeModelError
from restorer.models import pickle_scan, torchscript

# Classes a Lightning/OmegaConf training checkpoint names besides tensors. Each becomes
# an inert stand-in. (module, name) pairs, matched exactly.
_LIGHTNING_CALLBACKS = (
    ("callbacks.model_checkpoint", "ModelCheckpoint"),
    ("callbacks.early_stopping", "EarlyStopping"),
    ("callbacks.lr_monitor", "LearningRateMonitor"),
    ("callbacks.progress.tqdm_progress", "TQDMProgressBar"),
    ("callbacks.progress", "ProgressBar"),
    ("utilities.parsing", "AttributeDict"),
    ("trainer.states", "TrainerFn"),
    ("trainer.states", "RunningStage"),
)
TRAINING_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {(f"pytorch_lightning.{m}", n) for m, n in _LIGHTNING_CALLBACKS}
    | {(f"lightning.pytorch.{m}", n) for m, n in _LIGHTNING_CALLBACKS}
    | {
        ("omegaconf.dictconfig", "DictConfig"),
        ("omegaconf.listconfig", "ListConfig"),
        ("omegaconf.base", "ContainerMetadata"),
        ("omegaconf.base", "Metadata"),
        ("omegaconf.nodes", "AnyNode"),
        ("omegaconf.nodes", "StringNode"),
        ("omegaconf.nodes", "IntegerNode"),
        ("omegaconf.nodes", "FloatNode"),
        ("omegaconf.nodes", "BooleanNode"),
        ("omegaconf.nodes", "EnumNode"),
        ("omegaconf.nodes", "ValueNode"),
        ("typing", "Any"),
        ("collections", "defaultdict"),
        ("pathlib", "PosixPath"),
        ("pathlib", "WindowsPath"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "dtype"),
        ("numpy", "ndarray"),
    }
    # Types a DictConfig's metadata names (pickle protocol 2 spells builtins __builtin__).
    | {
        (module, name)
        for module in ("builtins", "__builtin__")
        for name in ("dict", "list", "tuple", "int", "float", "str", "bool", "object", "set")
    }
)


class _StandIn:
    """An inert stand-in for a training class: takes any arguments and state, does nothing."""

    qualified_name = "?"

    def __new__(cls, *args: object, **kwargs: object) -> _StandIn:
        return super().__new__(cls)

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __setstate__(self, state: object) -> None:
        pass

    def __setitem__(self, key: object, value: object) -> None:
        pass

    def append(self, value: object) -> None:
        pass

    def extend(self, values: object) -> None:
        pass

    def __reduce__(self) -> Any:  # never pickled back out
        raise TypeError("a stand-in is not saved")


def _stand_in(module: str, name: str) -> type[_StandIn]:
    return type(name, (_StandIn,), {"qualified_name": f"{module}.{name}"})


def _rebuild_parameter_with_state(data: Any, requires_grad: bool, hooks: object, state: object):
    return data


class _CheckpointReader(torchscript._ArchiveReader):
    """torch.save's zip layout read as data: tensors rebuilt, training classes inert."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str, data: bytes) -> None:
        super().__init__(archive, prefix, data)
        self._stand_ins: dict[tuple[str, str], type[_StandIn]] = {}

    def find_class(self, module: str, name: str) -> Any:
        import torch

        key = (module, name)
        if key in TRAINING_GLOBALS:
            if key not in self._stand_ins:
                self._stand_ins[key] = _stand_in(module, name)
            return self._stand_ins[key]
        if key not in pickle_scan.ALLOWED_GLOBALS:
            raise UnsafeModelError(f"it names {module}.{name}, which is not part of a checkpoint")
        if key == ("torch._utils", "_rebuild_parameter_with_state"):
            return _rebuild_parameter_with_state
        if key in (("torch", "Size"), ("builtins", "set"), ("builtins", "bytearray")):
            return {"Size": torch.Size, "set": set, "bytearray": bytearray}[name]
        if key == ("_codecs", "encode"):
            import codecs

            return codecs.encode
        if module == "torch" and name in ("Tensor", "device", "UntypedStorage"):
            raise ModelError(f"it stores torch.{name} objects, which Restorer does not read")
        if key in _READ_BY_ARCHIVE or module == "torch":  # rebuild functions, storages, dtypes
            return super().find_class(module, name)
        raise ModelError(f"it stores {module}.{name}, which Restorer does not read")


_READ_BY_ARCHIVE = frozenset(
    {
        ("torch._utils", "_rebuild_tensor"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("torch._utils", "_rebuild_parameter"),
        ("collections", "OrderedDict"),
    }
)


def _zip_pickle(path: Path) -> tuple[zipfile.ZipFile, str, str]:
    archive = zipfile.ZipFile(path)
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
    if not pickles:
        archive.close()
        raise ModelError(f"{path.name} is an archive without a checkpoint (no data.pkl).")
    return archive, pickles[0].split("/", 1)[0], pickles[0]


def named_globals(path: Path) -> list[tuple[str, str]]:
    """Every global the checkpoint's pickle names (nothing imported or run)."""
    try:
        archive, _prefix, member = _zip_pickle(path)
    except zipfile.BadZipFile as exc:
        raise ModelError(f"{path.name} is a damaged archive ({exc}).") from exc
    with archive:
        try:
            return pickle_scan.globals_in_pickle(pickle_scan.read_pickle_member(archive, member))
        except Exception as exc:  # noqa: BLE001 - any parse failure
            raise ModelError(f"{path.name} is not a readable checkpoint ({exc}).") from exc


def is_training_checkpoint(found: list[tuple[str, str]]) -> bool:
    """True when a pickle names training classes, so the plain reader would refuse it."""
    return any(
        item in TRAINING_GLOBALS and item not in pickle_scan.ALLOWED_GLOBALS for item in found
    )


def refuse_unknown(path: Path, found: list[tuple[str, str]]) -> None:
    """UnsafeModelError naming what is neither tensor building blocks nor a known class."""
    unknown = [
        f"{m}.{n}"
        for m, n in dict.fromkeys(found)
        if (m, n) not in TRAINING_GLOBALS and (m, n) not in pickle_scan.ALLOWED_GLOBALS
    ]
    if unknown:
        shown = ", ".join(unknown[:4]) + (", ..." if len(unknown) > 4 else "")
        raise UnsafeModelError(
            f"{path.name} was refused: it is shaped like a training checkpoint but loading "
            f"it would run code it names ({shown}). Nothing from it was run."
        )


def read_training_checkpoint(path: Path) -> tuple[dict[str, Any], str]:
    """(name -> tensor of the model to keep, description of what was kept).

    Raises `UnsafeModelError` if the pickle names anything beyond tensors and the known
    training classes (checked before anything is rebuilt), `ModelError` for a damaged
    file or one without a `state_dict`.
    """
    import torch

    with path.open("rb") as handle:
        head = handle.read(4)
    if head != b"PK\x03\x04":
        raise ModelError(
            f"{path.name} is a training checkpoint in PyTorch's pre-1.6 format, which "
            "Restorer does not read; re-save it with a current PyTorch."
        )
    refuse_unknown(path, named_globals(path))
    archive, prefix, member = _zip_pickle(path)
    with archive:
        try:
            root = _CheckpointReader(
                archive, prefix, pickle_scan.read_pickle_member(archive, member)
            ).load()
        except UnsafeModelError as exc:
            raise UnsafeModelError(
                f"{path.name} was refused: {exc}. Nothing from it was run."
            ) from exc
        except ModelError as exc:
            raise ModelError(f"{path.name} cannot be read: {exc}.") from exc
        except Exception as exc:  # noqa: BLE001 - any parse failure is a damaged file
            raise ModelError(f"{path.name} is a damaged checkpoint ({exc}).") from exc
    if not isinstance(root, dict):
        raise ModelError(f"{path.name} is a checkpoint without a dictionary of weights.")
    state = root.get("state_dict")
    if not isinstance(state, dict):  # a wrapper like params_ema, or the weights themselves
        from spandrel import canonicalize_state_dict

        state = canonicalize_state_dict({k: v for k, v in root.items() if isinstance(k, str)})
    tensors = {k: v for k, v in state.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
    if not tensors:
        raise ModelError(f"{path.name} is a training checkpoint without weights.")
    generator = {k: v for k, v in tensors.items() if k.startswith("generator.")}
    if generator:
        dropped = len(tensors) - len(generator)
        kept = {"model." + k[len("generator.") :]: v for k, v in generator.items()}
        return kept, (
            f"training checkpoint: kept the generator's {len(kept)} tensors "
            f"(generator.* renamed model.*), dropped {dropped} others"
        )
    return tensors, f"training checkpoint: kept its {len(tensors)} tensors"
