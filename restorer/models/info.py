"""What Restorer knows about one model file, kept next to it as a small JSON sidecar.

The sidecar is written once, when the file is added (after detection), so listing
models, engines and filters never loads torch or the weights.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from restorer.errors import ModelError
from restorer.paths import models_dir

SIDECAR_SUFFIX = ".model.json"
FORMAT_VERSION = 1

# spandrel's purpose -> ours. Inpainting models become engines; the rest are filters.
PURPOSES = {
    "Inpainting": "inpaint",
    "SR": "super-resolution",
    "Restoration": "restoration",
    "FaceSR": "face",
}
FILTER_PURPOSES = ("super-resolution", "restoration", "face")

_ID_UNSAFE = re.compile(r"[^a-z0-9._-]+")


@dataclass
class ModelInfo:
    """One model in the models folder: identity, what it does, what it needs."""

    id: str
    file_name: str  # the file inside the models folder
    architecture: str  # spandrel architecture id, e.g. "LaMa", "ESRGAN"
    architecture_name: str  # human name, e.g. "RealESRGAN Compact"
    purpose: str  # one of PURPOSES' values
    scale: int
    size_bytes: int
    sha256: str
    source_name: str = ""  # the file name it was added from
    file_format: str = ""  # of the source: "safetensors", "pickle", "torchscript",
    # or "training-checkpoint"; the stored file is always .safetensors
    input_channels: int = 3
    output_channels: int = 3
    supports_half: bool = False
    supports_bfloat16: bool = False
    min_side: int = 0  # spandrel SizeRequirements.minimum
    multiple_of: int = 1
    square: bool = False
    tiling: str = "supported"  # "supported", "discouraged" or "internal"
    tags: list[str] = field(default_factory=list)
    parameters: int = 0
    added: str = ""  # ISO date-time
    conversion: str = ""  # how the source became the stored .safetensors ("" = copied)
    library_id: str = ""  # the model library's id when it was downloaded from there
    notes: str = ""  # what the person should know, e.g. a trained model's evaluation

    @property
    def label(self) -> str:
        """A short name for menus: the file name it came from, without extension."""
        return Path(self.source_name or self.file_name).stem

    @property
    def model_path(self) -> Path:
        """Where the weights are: `file_name` inside the models folder."""
        return models_dir() / self.file_name

    @property
    def is_inpainting(self) -> bool:
        return self.purpose == "inpaint"

    @property
    def is_filter(self) -> bool:
        return self.purpose in FILTER_PURPOSES

    def summary(self) -> str:
        """One line: architecture, purpose, scale and size."""
        scale = f", {self.scale}x" if self.scale != 1 else ""
        return (
            f"{self.architecture_name} {self.purpose}{scale}, "
            f"{format_size(self.size_bytes)} ({self.file_format})"
        )

    def to_json(self) -> str:
        data = {"format_version": FORMAT_VERSION, **asdict(self)}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, origin: str = "sidecar") -> ModelInfo:
        """Parse a sidecar; a damaged one is a `ModelError` naming `origin`."""
        try:
            data = json.loads(text)
            known = {f.name for f in fields(cls)}
            info = cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as exc:
            raise ModelError(f"The model description {origin} is damaged ({exc}).") from exc
        if not info.id or not info.file_name:
            raise ModelError(f"The model description {origin} is damaged (no id or file).")
        return info


def id_from_name(name: str) -> str:
    """A model id from a file name: lower case, no spaces or odd characters."""
    stem = Path(name).name
    for suffix in (".safetensors", ".pth", ".ckpt", ".pt", ".bin"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    cleaned = _ID_UNSAFE.sub("-", stem.lower()).strip("-._")
    return cleaned[:60] or "model"


def format_size(size: int) -> str:
    """Bytes as '1.2 MB' / '512 KB'."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover - loop always returns
