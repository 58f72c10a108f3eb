"""Memory housekeeping that keeps the window responsive.

Python's full garbage collection walks every object; with torch and Qt loaded that is
a few hundred milliseconds, in whichever thread triggers it, holding the interpreter
lock: the window stalls. `freeze_long_lived_objects`, called once the libraries are
loaded, moves everything alive then out of the collector's sight (`gc.freeze`), so
later collections look only at what the work creates.

Also, giving freed memory back to the system after large temporary arrays.

A repair on a 24-megapixel photo allocates and frees arrays of tens of megabytes;
glibc's allocator keeps much of that in its heaps, so the process looks as if it
still used it. `release_free_memory` asks the allocator to return free pages
(glibc's `malloc_trim`); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
import threading
from functools import cache


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> bool:
    """Return freed heap memory to the operating system; True when it was asked."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def release_free_memory_soon() -> None:
    """`release_free_memory` on a short-lived thread: `malloc_trim` walks every free
    chunk of every heap (tens of milliseconds after a large repair), so the GUI thread
    must not run it itself. The call releases Python's lock while it works."""
    threading.Thread(target=release_free_memory, name="restorer-trim", daemon=True).start()


_frozen = False


def freeze_long_lived_objects() -> None:
    """Exclude every object alive now (modules, libraries, widgets) from later collections.

    Done once per process: what the work creates later stays collectable.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()
