"""From a photo to an emotion: face detection (``detect``), classification
(``predict``), annotated copies (``annotate``) and the ``fer`` package as a peer."""
