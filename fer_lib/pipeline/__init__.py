"""Runs: profiles, one training with its record (``experiment``), typed records,
the notebook runner, the book build, shipping models and provenance."""
