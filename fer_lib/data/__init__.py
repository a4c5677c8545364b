"""Data: files on disk (or generated faces) -> FaceSet records -> splits.

``registry.load_dataset`` is the one entry point by name; ``loaders/`` read the
published layouts, ``fergit`` merges FER-2013 and muxspace, ``synthetic``
generates the embedded default, ``splits`` and ``audit`` cut and check a set.
"""
