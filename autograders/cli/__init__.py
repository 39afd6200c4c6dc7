"""The ``dlcourse`` command line: ``main.py`` builds the parser from each command's module (``grade.py``,
``k8s.py``, ... and the ``cli.py`` of ``instant_feedback`` and ``quiz_game``); ``options.py`` holds what they share.

Kept empty, so that a command's module can import ``options`` without importing every command."""
