"""Error types raised on bad input, so callers can tell them from bugs."""


class InputError(ValueError):
    """A file, key or value that does not match what the workflow expects.

    Messages name the file (or config key), what was found and what was expected.
    """


class DownloadError(RuntimeError):
    """An official dataset file could not be fetched or failed its checksum."""
