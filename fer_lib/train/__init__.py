"""Training and evaluation: the recipe (``config``), class weights, the batch stream,
the resumable loop and its callbacks, metrics (``evaluate``) and Grad-CAM."""
