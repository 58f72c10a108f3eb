"""The restoration studio: train a clean-up filter or an inpainting model on a folder of
the person's own photos, evaluate it, and add it to the models folder (no Qt here)."""
