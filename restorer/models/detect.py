"""Which architecture a set of weights belongs to, via spandrel's registry.

spandrel's `MAIN_REGISTRY` knows the common open architectures (LaMa, ESRGAN,
RealESRGAN Compact, SwinIR, SCUNet, GFPGAN, ...). When `spandrel-extra-arches` is
installed its architectures (MAT, CodeFormer, Restormer, ...) are added once.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from restorer.errors import ModelError
from restorer.models.info import PURPOSES

_install_lock = threading.Lock()
_installed = False


def arch_registry() -> Any:
    """spandrel's main registry, with the extra architectures when they are installed."""
    global _installed
    import spandrel

    with _install_lock:
        if not _installed:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # deprecation noise from torch.jit
                    import spandrel_extra_arches

                    spandrel_extra_arches.install(ignore_duplicates=True)
            except ImportError:
                pass
            _installed = True
    return spandrel.MAIN_REGISTRY


def extra_arches_installed() -> bool:
    """True when spandrel-extra-arches (MAT, CodeFormer, ...) is available."""
    return "MAT" in arch_registry()


def build_model(weights: dict[str, Any], name: str) -> Any:
    """A spandrel model descriptor (on the CPU, float32, eval mode) for `weights`.

    Raises `ModelError` when no known architecture matches or the weights do not fit it.
    """
    from spandrel import UnsupportedModelError

    registry = arch_registry()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            descriptor = registry.load(weights)
    except UnsupportedModelError as exc:
        raise ModelError(
            f"{name} holds weights of an architecture Restorer does not recognise "
            "(spandrel knows LaMa, ESRGAN, RealESRGAN, SwinIR, SCUNet, GFPGAN, and more"
            + ("" if extra_arches_installed() else "; install spandrel-extra-arches for MAT")
            + ")."
        ) from exc
    except Exception as exc:  # noqa: BLE001 - shape mismatches, missing keys, asserts
        raise ModelError(
            f"{name} looks like a known architecture but its weights do not fit it "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})."
        ) from exc
    if descriptor.purpose not in PURPOSES:
        raise ModelError(f"{name} is a {descriptor.purpose} model, which Restorer cannot use.")
    if (descriptor.input_channels, descriptor.output_channels) not in ((3, 3), (1, 1)):
        raise ModelError(
            f"{name} takes {descriptor.input_channels} channels and gives "
            f"{descriptor.output_channels}; Restorer uses RGB (3 to 3) or gray (1 to 1) models."
        )
    descriptor.model.eval()
    return descriptor


def describe(descriptor: Any) -> dict[str, Any]:
    """The sidecar fields a descriptor determines (see `ModelInfo`)."""
    requirements = descriptor.size_requirements
    return {
        "architecture": str(descriptor.architecture.id),
        "architecture_name": str(descriptor.architecture.name),
        "purpose": PURPOSES[descriptor.purpose],
        "scale": int(descriptor.scale),
        "input_channels": int(descriptor.input_channels),
        "output_channels": int(descriptor.output_channels),
        "supports_half": bool(descriptor.supports_half),
        "supports_bfloat16": bool(descriptor.supports_bfloat16),
        "min_side": int(requirements.minimum),
        "multiple_of": int(requirements.multiple_of),
        "square": bool(requirements.square),
        "tiling": descriptor.tiling.name.lower(),
        "tags": [str(tag) for tag in descriptor.tags],
        "parameters": int(sum(p.numel() for p in descriptor.model.parameters())),
    }
