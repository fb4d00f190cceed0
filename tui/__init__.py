"""batchtui: a terminal app for LLM batch jobs.

Importing this package must stay cheap and must not import Textual or the provider SDKs:
the command line imports it for every invocation, including headless ones.
"""

__version__ = "0.1.0"
