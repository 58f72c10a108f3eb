"""Every failure a person can cause has a type here and a message a person can read.

The CLI prints `str(error)` on one line; the window shows it in a dialog. Messages name
the file or the value at fault and, where there is one, what to do about it.
"""


class RestorerError(Exception):
    """Base of every error Restorer raises on purpose."""


class ImageReadError(RestorerError):
    """A file could not be read as an image (missing, corrupt, truncated, not an image)."""


class ImageTooLargeError(ImageReadError):
    """An image is larger than Restorer agrees to decode (decompression-bomb guard)."""


class ImageWriteError(RestorerError):
    """An image could not be written; the previous file, if any, is left untouched."""


class MaskError(RestorerError):
    """A mask is unusable: wrong size, wrong shape, unreadable."""


class EngineNotFoundError(RestorerError):
    """No engine has the requested id."""


class DeviceError(RestorerError):
    """The requested compute device does not exist on this machine."""


class ModelError(RestorerError):
    """A model file could not be added, detected or loaded."""


class UnsafeModelError(ModelError):
    """A model file would run code when loaded; it was refused and its code never ran."""


class OutOfMemoryError(RestorerError):
    """The device ran out of memory even after the fallbacks were tried."""
