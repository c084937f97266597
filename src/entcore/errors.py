"""The exceptions entcore raises; each renders as one line fit for a terminal."""

from __future__ import annotations


class EntcoreError(Exception):
    """Base class of every error entcore raises on purpose."""


class ConfigError(EntcoreError):
    """The configuration file or an ``ENTCORE_*`` variable is malformed or unknown."""


class PluginLoadError(EntcoreError):
    """A plugin distribution failed to import.

    Names the distribution, its version and the entry point; the original
    exception is chained as ``__cause__``.
    """

    def __init__(self, distribution: str, version: str, entry_point: str, cause: BaseException):
        self.distribution = distribution
        self.version = version
        self.entry_point = entry_point
        self.cause = cause
        detail = f"{type(cause).__name__}: {cause}".strip()
        super().__init__(
            f"plugin {distribution} {version} failed to load (entry point {entry_point}): {detail}"
        )


class PluginRegistrationError(EntcoreError):
    """A plugin registered something invalid, or a name another plugin already took."""


class StoreError(EntcoreError):
    """The store cannot be opened, is at the wrong schema revision, or failed.

    Its message is one line that never carries SQL parameters nor any value
    read from or written to the store.
    """


class StoreBusy(StoreError):
    """Another import holds the store's import lock for longer than the configured wait."""


class InvalidFileError(EntcoreError):
    """An input file cannot be read: not well-formed, wrong root, truncated, undecryptable.

    ``str()`` gives ``file:line: reason`` (the line when known).
    """

    def __init__(self, file: str, reason: str, line: int | None = None):
        self.file = file
        self.reason = reason
        self.line = line
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {reason}")


class UnknownFormatError(EntcoreError):
    """No installed plugin recognises an input."""


class ImportRefused(EntcoreError):
    """An import that cannot proceed for a reason other than the file's content (wrong school, wrong year...)."""


class NotFound(EntcoreError):
    """A structure, import or other object named by the caller does not exist."""
