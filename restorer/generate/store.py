"""Where trained generators live: `<models folder>/gan/<name>/`.

Each holds `checkpoint.safetensors` (generator, its EMA, discriminator, optimiser and
random state) and `config.json` (settings, format version, step, loss history). The
model store's own listing reads only `*.model.json` files at the top of the models
folder, so these folders never show up among the restore models.
"""

from __future__ import annotations

from pathlib import Path

from restorer import checkpoints
from restorer.checkpoints import CONFIG_NAME
from restorer.generate.config import GanError
from restorer.paths import models_dir


def gan_root() -> Path:
    """The folder holding one subfolder per trained generator."""
    path = models_dir() / "gan"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_name(name: str) -> str:
    """A generator name usable as a folder name, or `GanError`."""
    return checkpoints.check_name(name, "a generator", GanError)


def gan_dir(name: str) -> Path:
    """The folder of the generator called `name` (it may not exist yet)."""
    return gan_root() / check_name(name)


def exists(name: str) -> bool:
    return (gan_dir(name) / CONFIG_NAME).is_file()


def list_generators() -> list[str]:
    """Names of the trained generators, sorted."""
    return sorted(p.name for p in gan_root().iterdir() if (p / CONFIG_NAME).is_file())


def find(name: str) -> Path:
    """The folder of an existing generator, or `GanError` naming the ones there are."""
    if not exists(name):
        known = ", ".join(list_generators()) or "none yet"
        raise GanError(f"No trained generator called '{name}'. Generators: {known}.")
    return gan_dir(name)
