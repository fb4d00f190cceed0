"""How things read on screen and in the terminal, for both front ends: no Textual here.

:mod:`.presentation` formats numbers (money, counts, rates) the same in the TUI and the CLI;
:mod:`.formatting` turns batches, times and untrusted text into Rich ``Text`` that never
interprets markup; :mod:`.glyphs` holds every symbol in Unicode and its ASCII stand-in. The
core returns numbers and models; this layer decides how they read.
"""
