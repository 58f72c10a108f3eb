"""Finding damage on scanned photos: dust, hairs and scratches, cracks, spots and stains.

`detect_damage(image)` returns an HxW uint8 coverage mask (255 = damaged) for the person to
review and edit before a repair. No model files: see `restorer.damage.detect` for how.
"""

from restorer.damage.detect import (
    ALL_KINDS,
    DEFAULT_SENSITIVITY,
    DamageSettings,
    detect_damage,
    parse_kinds,
)

__all__ = ["ALL_KINDS", "DEFAULT_SENSITIVITY", "DamageSettings", "detect_damage", "parse_kinds"]
