"""Errors the user can act on.

Every error a person should read derives from :class:`BatchtuiError`; the command line prints its
message on one line and exits with :attr:`BatchtuiError.exit_code`, never with a traceback.
"""


class BatchtuiError(Exception):
    """An error with a message meant for the user."""

    exit_code = 1


class ConfigError(BatchtuiError):
    """The configuration file or the environment is wrong; the user must fix it."""

    exit_code = 2


class StoreError(BatchtuiError):
    """The local database cannot be used (locked, corrupt, unwritable)."""

    exit_code = 3


class ProviderError(BatchtuiError):
    """A provider call failed in a way the user should hear about.

    ``kind`` says which state a profile is in so the UI can show it: ``offline``,
    ``unauthorized``, ``rate_limited``, ``server_error``, ``not_found`` or ``bad_request``.
    """

    exit_code = 4

    def __init__(self, message: str, *, kind: str = "error", retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


class NotFoundError(BatchtuiError):
    """No batch or request with that id, locally or at the provider."""

    exit_code = 4
