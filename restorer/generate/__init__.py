"""Making new pixels rather than repairing: canvas extension, texture, generators."""
