"""Document-level jobs with no Qt: what the window (and batch runs) hand to a worker.

`jobs` opens and saves photos and masks, repairs a document's mask and probes devices;
`filters` runs restore filters and Extend canvas on a document; `photo_state` prepares a
whole new photo; `new_image` turns an in-memory image into a photo; `recovery` reads a
crashed session back; `damage` finds dust, scratches, cracks and stains on a snapshot;
`folder` keeps a folder's photos as they were left and repairs the folder on `restorer.batch`.
"""
