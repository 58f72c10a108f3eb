"""File formats beyond Pillow's own: HEIC/HEIF, camera RAW, and 16 bits per channel.

`restorer.imageio` calls in here at a few points; everything format-specific lives here:

- `heif`: HEIC/HEIF read and write through pillow-heif (registered as a Pillow plugin).
- `raw`: camera RAW files (DNG, CR2, CR3, NEF, ARW, RAF, ORF, ...) developed neutrally
  into 16-bit RGB with rawpy/LibRaw. RAW files are only read, never written.
- `deep`: 16-bit TIFF/PNG kept at 16 bits: read at full depth, repairs lifted back to
  16 bits, saved at 16 bits with the metadata the format can hold.
"""

from __future__ import annotations

from restorer.formats.heif import HEIF_EXTENSIONS, HEIF_SAVE_FORMATS, register_heif
from restorer.formats.photo import deep_bytes, read_extras, repaired, save_options
from restorer.formats.raw import RAW_EXTENSIONS, is_raw, load_raw

EXTRA_READ_EXTENSIONS = HEIF_EXTENSIONS + RAW_EXTENSIONS
EXTRA_SAVE_FORMATS = dict(HEIF_SAVE_FORMATS)

__all__ = [
    "EXTRA_READ_EXTENSIONS",
    "EXTRA_SAVE_FORMATS",
    "deep_bytes",
    "RAW_EXTENSIONS",
    "is_raw",
    "load_raw",
    "read_extras",
    "register_heif",
    "repaired",
    "save_options",
]
