"""File → Open Folder…: a filmstrip of a folder's photos to work through one by one.

The strip lists every photo at once; thumbnails are made on a background thread (cached
on disk by `restorer.batch.thumbnails`) and filled in as they arrive, so a large folder
opens immediately and the canvas never waits. `Page Down` / `Page Up` open the next or
previous photo; the photo left keeps its mask and unsaved edits (the last few in memory,
older ones in a temporary folder: `restorer.workflows.folder.FolderSession`) and comes
back as it was, or, if the person prefers, they are asked to save or discard first.
**Save and Next** (`Ctrl+Enter`) writes the photo into the output folder (Folder Output
Options: folder, name suffix, format; never over an original unless allowed; 16-bit
photos stay 16-bit in PNG and TIFF) and opens the next one. **Repair All** repairs every
photo with a mask, **Find Damage and Repair All Photos** every photo's found damage, as
one cancellable job (`FolderRepairJob`, on `restorer.batch`). The strip marks photos
✓ saved, ✎ edited (mask or unsaved edits kept), ✗ could not be opened or repaired.
"""

from __future__ import annotations

from ui.features.folder.strip import DONE_MARK, EDITED_MARK, FAILED_MARK, FolderStrip
from ui.shell import Shell

__all__ = ["DONE_MARK", "EDITED_MARK", "FAILED_MARK", "FolderStrip", "install"]


def install(shell: Shell) -> FolderStrip:
    return FolderStrip(shell)
