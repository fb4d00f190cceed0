"""Errors the user can act on.

Every error a person should read derives from :class:`BatchtuiError`; the command line prints its
message on one line and exits with :attr:`BatchtuiError.exit_code`, never with a traceback.
The message says what went wrong in words that fit every front end; what to type about it
(``--force``, ``--profile``) goes in :attr:`BatchtuiError.cli_hint`, which only the command line
prints (the TUI offers a button or a field for the same thing).

Exit codes of the command line (README, "Exit codes"): 0 success; 1 an error not covered
below; 2 bad usage or configuration (:class:`ConfigError`); 3 the local database cannot be used
(:class:`StoreError`); 4 a provider call failed or a batch was not found (:class:`ProviderError`,
:class:`NotFoundError`); 5 partial failure: some profiles failed, the others' work was done
(:class:`PartialFailure`); 130 interrupted (Ctrl+C); 141 the reader of stdout went away.
``watch ID --exit-on-end`` also exits with a batch's outcome, 10 to 13 (not errors; see
:mod:`tui.core.batch_end`).
"""


class BatchtuiError(Exception):
    """An error with a message meant for the user."""

    exit_code = 1

    def __init__(self, message: str, *, cli_hint: str | None = None):
        super().__init__(message)
        self.cli_hint = cli_hint


class ConfigError(BatchtuiError):
    """The configuration file or the environment is wrong; the user must fix it."""

    exit_code = 2


class StoreError(BatchtuiError):
    """The local database cannot be used (locked, corrupt, unwritable)."""

    exit_code = 3


class StoreNotWritable(StoreError):
    """The database or its directory cannot be written (or created); reading may still work."""


class ProviderError(BatchtuiError):
    """A provider call failed in a way the user should hear about.

    ``kind`` says which state a profile is in so the UI can show it: ``offline``,
    ``unauthorized``, ``rate_limited``, ``server_error``, ``not_found`` or ``bad_request``.
    """

    exit_code = 4

    def __init__(self, message: str, *, kind: str = "error", retry_after: float | None = None):
        super().__init__(message, cli_hint=None)
        self.kind = kind
        self.retry_after = retry_after


class NotFoundError(BatchtuiError):
    """No batch or request with that id, locally or at the provider."""

    exit_code = 4


class PartialFailure(BatchtuiError):
    """Some profiles failed while the others' work was done (``sync``, ``watch``)."""

    exit_code = 5
