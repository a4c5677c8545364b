"""The paper's networks (``networks``), their input (``preprocess``), augmentation
layers (``augment``) and model files on disk (``files``)."""
