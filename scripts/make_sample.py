"""Build resources/sample.jpg: scikit-image's CC0 'coffee' photo with scratches and dust.

Run once by a developer (needs scikit-image); the result is committed.
"""

from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data


def main() -> None:
    rng = np.random.default_rng(7)
    photo = data.coffee().copy()
    height, width = photo.shape[:2]
    damage = np.zeros((height, width), np.uint8)
    # Long hairline scratches, the kind an old print collects.
    for _ in range(4):
        points = []
        x, y = rng.uniform(0, width), rng.uniform(0, height * 0.2)
        for _ in range(6):
            points.append((int(x), int(y)))
            x += rng.uniform(-40, 40)
            y += rng.uniform(50, 90)
        cv2.polylines(damage, [np.array(points, np.int32)], False, 255, int(rng.integers(1, 3)))
    # Dust specks.
    for _ in range(60):
        cx, cy = int(rng.uniform(0, width)), int(rng.uniform(0, height))
        cv2.circle(damage, (cx, cy), int(rng.integers(1, 4)), 255, -1)
    light = damage > 0
    photo[light] = np.clip(photo[light].astype(int) + 150, 0, 255).astype(np.uint8)
    # A brown stain in one corner.
    yy, xx = np.mgrid[0:height, 0:width]
    stain = np.exp(-(((xx - 520) / 40.0) ** 2 + ((yy - 330) / 28.0) ** 2))
    tint = np.array([120, 80, 30], np.float64)
    photo = (photo * (1 - 0.6 * stain[..., None]) + tint * 0.6 * stain[..., None]).astype(np.uint8)
    out = Path(__file__).resolve().parent.parent / "resources" / "sample.jpg"
    Image.fromarray(photo).save(out, quality=92)
    print(out)


if __name__ == "__main__":
    main()
