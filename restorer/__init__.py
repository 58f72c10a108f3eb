"""Restorer's engine: repair and generate photos with no Qt and no network.

Importing this package is cheap: heavy libraries (torch, OpenCV) load only when an
engine that needs them runs.
"""

__version__ = "0.1.0"
