"""The model library: well-known models Restorer can download when the person asks.

The catalog is a data file shipped in the package (`library.json`): for each model what
it does, its licence (non-commercial ones flagged), size, source URLs and the checksum
its publisher pins (IOPaint's MD5s). Nothing here touches the network; downloading is
`restorer.models.download`.

An organisation can mirror the files: `RESTORER_MODEL_MIRROR=https://host/models/` (or
`mirror=` under `[models]` in the settings file `restorer.ini`) makes every download
come from `<mirror>/<file name>` instead of the catalog's URLs.

SHA-256s are recorded on the first verified download (in `library-state.json` beside
the models folder, never in the shipped catalog): a model its publisher gives no
checksum for is trusted on first download and must match that SHA-256 ever after.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

from restorer.errors import ModelError
from restorer.paths import config_dir, data_dir

MIRROR_ENV = "RESTORER_MODEL_MIRROR"
CATALOG_ENV = "RESTORER_MODEL_CATALOG"  # another catalog file (an organisation's list)
STATE_FILE = "library-state.json"


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model, as the catalog describes it."""

    id: str
    name: str
    purpose: str  # "inpaint", "super-resolution", "restoration", "face"
    architecture: str
    description: str
    file_name: str
    file_format: str
    size_mb: float
    licence: str
    non_commercial: bool
    homepage: str
    urls: tuple[str, ...]
    md5: str = ""
    checksum_source: str = ""
    runs: bool = True
    requires: str = ""
    note: str = ""

    @property
    def kind(self) -> str:
        """'inpaint' (a repair engine) or 'filter' (a Restore filter)."""
        return "inpaint" if self.purpose == "inpaint" else "filter"

    @property
    def size_label(self) -> str:
        return f"about {self.size_mb:.0f} MB"

    @property
    def licence_short(self) -> str:
        """The licence's name alone ('Apache-2.0'), or NON-COMMERCIAL."""
        if self.non_commercial:
            return "NON-COMMERCIAL"
        return self.licence.split(" (")[0].split(";")[0].split(":")[0].strip()

    @property
    def licence_label(self) -> str:
        return ("NON-COMMERCIAL: " if self.non_commercial else "") + self.licence

    def download_urls(self) -> list[str]:
        """Where to fetch the file from, mirror first (a mirror replaces the catalog URLs)."""
        mirror = mirror_url()
        if mirror:
            return [mirror.rstrip("/") + "/" + self.file_name]
        return list(self.urls)


def _catalog_path() -> Path | None:
    override = os.environ.get(CATALOG_ENV)
    return Path(override) if override else None


def load_catalog() -> list[CatalogEntry]:
    """Every entry of the catalog (the shipped one, or `RESTORER_MODEL_CATALOG`'s file)."""
    override = _catalog_path()
    try:
        if override is not None:
            text = override.read_text(encoding="utf-8")
        else:
            text = resources.files("restorer.models").joinpath("library.json").read_text("utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ModelError(f"The model catalog cannot be read ({exc}).") from exc
    known = {f.name for f in fields(CatalogEntry)}
    entries = []
    for raw in data.get("models", []):
        values = {k: v for k, v in raw.items() if k in known}
        values["urls"] = tuple(values.get("urls", ()))
        try:
            entries.append(CatalogEntry(**values))
        except TypeError as exc:
            raise ModelError(f"The model catalog has a damaged entry ({exc}).") from exc
    return entries


def entry(model_id: str) -> CatalogEntry:
    """The catalog entry with this id, or a `ModelError` listing the ids there are."""
    catalog = load_catalog()
    for item in catalog:
        if item.id == model_id:
            return item
    known = ", ".join(item.id for item in catalog)
    raise ModelError(f"The model library has no '{model_id}'. Available: {known}.")


def mirror_url() -> str:
    """The organisation mirror, from the environment or the settings file; '' for none."""
    value = os.environ.get(MIRROR_ENV, "").strip()
    if value:
        return value
    settings = config_dir() / "restorer.ini"
    if settings.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        with contextlib.suppress(configparser.Error, OSError, UnicodeDecodeError):
            parser.read(settings, encoding="utf-8")
            return parser.get("models", "mirror", fallback="").strip()
    return ""


# -- what was downloaded before: recorded SHA-256s ----------------------------


@dataclass
class LibraryState:
    """SHA-256s recorded on first verified download, per catalog id."""

    sha256: dict[str, str] = field(default_factory=dict)


def _state_path() -> Path:
    return data_dir() / STATE_FILE


def load_state() -> LibraryState:
    try:
        data = json.loads(_state_path().read_text(encoding="utf-8"))
        return LibraryState(sha256={str(k): str(v) for k, v in data.get("sha256", {}).items()})
    except (OSError, ValueError, AttributeError):
        return LibraryState()


def record_sha256(model_id: str, sha: str) -> None:
    """Remember the SHA-256 of a verified download (atomically)."""
    state = load_state()
    state.sha256[model_id] = sha
    path = _state_path()
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"sha256": state.sha256}, out, indent=2, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def installed_ids() -> dict[str, str]:
    """catalog id -> model id of the library models in the models folder."""
    from restorer.models.store import list_models

    return {info.library_id: info.id for info in list_models() if info.library_id}
