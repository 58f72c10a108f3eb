"""Image → Rotate 90° Left/Right, Flip, Crop…, Resize…, Straighten…: one undo step each.

The change runs as a worker job (`restorer.workflows.transform`) on the photo and its
mask together; the new photo replaces the old one as one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from restorer.errors import RestorerError
from restorer.imageio import MAX_PIXELS
from restorer.transform import Crop, Straighten, Transform
from restorer.workflows.filters import NewPhoto
from restorer.workflows.transform import DocumentTransformJob
from ui.core import dialogs

if TYPE_CHECKING:
    from ui.shell import Shell


def run_transform(shell: Shell, change: Transform) -> int | None:
    """Hand `change` to a job; the new photo comes back as one undo step."""
    document = shell.document
    if document is None or shell.jobs.busy:
        return None
    document.end_stroke()
    text = change.text()
    try:
        if isinstance(change, Crop):
            change.check(document.height, document.width)
        if isinstance(change, Straighten):
            change.check()
        height, width = change.size(document.height, document.width)
        if height * width > MAX_PIXELS:
            raise RestorerError(
                f"The result would be {height * width / 1e6:.0f} megapixels, more than the "
                f"{MAX_PIXELS / 1e6:.0f} Restorer works with."
            )
    except RestorerError as error:
        dialogs.show_error(shell.widget(), f"Cannot {text.lower()}", str(error))
        return None
    snapshot = document.share_pixels()
    job = DocumentTransformJob(
        snapshot, document.mask_snapshot(), change, document.mask_pyramid.gain, title=text
    )

    def done(outcome: NewPhoto) -> None:
        if document is not shell.document:
            return
        document.replace_photo(outcome.state, text=text)
        shell.status(f"{text}: the photo is now {outcome.detail}", 6000)

    def failed(message: str) -> None:
        dialogs.show_error(
            shell.widget(), f"{text} failed", f"{message}\n\nThe photo is unchanged."
        )

    return shell.jobs.submit(
        job, done, on_failed=failed, on_end=lambda: document.release_pixels(snapshot)
    )
