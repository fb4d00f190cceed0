"""The terminal UI: the Textual App, its screens and widgets, and what only they share.

Everything here may import Textual. :mod:`.app` is the App; :mod:`.services` is what it is given
(config, cache, sync engine: the one wiring the command, the demo and the tests use);
:mod:`.messages` are the messages screens post up; :mod:`.commands` is the palette;
:mod:`.batch_view` and :mod:`.batch_marks` are the batch list's filters, sort keys and marks;
:mod:`.notify` rings and runs the user's command when a batch ends; :mod:`.warmup` loads the
inspector behind the first paint. The simulator is out of reach from here (``lint-imports``).
"""
