"""The exceptions entcore raises; each renders as one line fit for a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entcore.registry import Owner


class EntcoreError(Exception):
    """Base class of every error entcore raises on purpose."""


class ConfigError(EntcoreError):
    """The configuration file or an ``ENTCORE_*`` variable is malformed or unknown."""


class EntcoreDeprecationWarning(DeprecationWarning):
    """A plugin uses something entcore will remove: a hook, or a hook argument.

    Hook specifications emit it through pluggy's own mechanism
    (``warn_on_impl`` / ``warn_on_impl_args``), pointing at the plugin's source line.
    """


class PluginLoadError(EntcoreError):
    """A plugin distribution could not be loaded: its import raised, or it rejects this entcore.

    Names the distribution, its version and the entry point; the original
    exception, if any, is chained as ``__cause__`` and kept as :attr:`cause`.
    """

    def __init__(
        self,
        distribution: str,
        version: str,
        entry_point: str,
        cause: BaseException | None = None,
        *,
        reason: str | None = None,
    ):
        self.distribution = distribution
        self.version = version
        self.entry_point = entry_point
        self.cause = cause
        detail = reason or (f"{type(cause).__name__}: {cause}".strip() if cause else "")
        super().__init__(
            f"le plugin {distribution} {version} n'a pas pu être chargé "
            f"(point d'entrée {entry_point}) : {detail}"
        )


class PluginIncompatibleError(PluginLoadError):
    """A plugin distribution declares a range of entcore versions the running one is outside of.

    Raised (strict loading) or recorded (lenient loading) before the plugin is imported.
    """

    def __init__(
        self, distribution: str, version: str, entry_point: str, required: str, running: str
    ):
        self.required = required
        self.running = running
        super().__init__(
            distribution,
            version,
            entry_point,
            reason=f"il demande entcore {required}, entcore {running} est installé",
        )


class PluginRegistrationError(EntcoreError):
    """A plugin registered something invalid, or a name another plugin already took."""


class PluginUnavailableError(EntcoreError):
    """A command needs a plugin that was left out because it failed to load or register."""


class LifecycleHookError(EntcoreError):
    """A lifecycle hook raised *after* the change it reports on was committed.

    The change stays committed; :attr:`committed` is what was committed (the
    :class:`~entcore.DirectoryReport` or :class:`~entcore.TimetableReport`), :attr:`plugin`
    the :class:`~entcore.registry.Owner` of the failing implementation (``None`` when
    it cannot be told), :attr:`hook` the hook's name.  The original exception is
    chained as ``__cause__``.  The command line exits with status 3 on it.
    """

    def __init__(
        self, plugin: Owner | None, hook: str, what: str, committed: object, cause: BaseException
    ):
        # ``what`` says what was committed, e.g. "import d'annuaire n° 12 enregistré".
        self.plugin = plugin
        self.hook = hook
        self.committed = committed
        self.cause = cause
        who = f"le plugin {plugin.label}" if plugin is not None else "un plugin"
        detail = f"{type(cause).__name__}: {cause}".strip()
        first_line = detail.splitlines()[0] if detail else type(cause).__name__
        super().__init__(f"{what}, mais {who} a échoué ensuite dans {hook} : {first_line}")


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


class SignInRefused(EntcoreError):
    """A sign-in that cannot go on: no account matches, a response is refused...

    :attr:`message` is the French sentence to show the user; :attr:`reason` is
    the one-line English reason for the log (never people's data).
    ``str(error)`` is the reason.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message


class SamlRefused(SignInRefused):
    """A SAML message failed a check (signature, audience, validity, replay...).

    The user sees one generic French sentence, so as not to help an attacker;
    :attr:`reason` says which check failed.
    """

    MESSAGE = (
        "La réponse du service d'authentification n'a pas pu être vérifiée. "
        "Veuillez vous reconnecter."
    )

    def __init__(self, reason: str) -> None:
        super().__init__(reason, self.MESSAGE)
