"""What the objects plugins register must offer.

The registries check these :class:`typing.Protocol` classes when a plugin adds an
object (attribute presence; types are for mypy and for readers).  The
conformance suites of :mod:`entcore.testing` check behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from attrs import Factory, field, frozen

from entcore.model.directory import DirectoryItem, FeedFile, ImportMode, Profile
from entcore.model.timetable import Timetable
from entcore.model.views import AccountView


@frozen
class SourceContext:
    """What the core hands a directory source when it opens a feed."""

    settings: Mapping[str, object] = field(factory=dict)
    """The validated settings section of the plugin that registered the source."""
    on_progress: Callable[[int], None] | None = None
    """Call with a number of bytes read, so the core can show progress."""
    in_worker: bool = False
    """True when the feed is read in a worker process (a source whose class sets
    ``parallel_safe = True``, see :class:`DirectorySource`): every item it yields must then be picklable,
    an :class:`~entcore.model.Entry`'s ``build`` included (e.g. a :func:`functools.partial`
    of a module-level function)."""


@frozen
class FormatContext:
    """What the core hands a timetable format when it parses a file (or the files of one import)."""

    filename: str
    """The name the file was uploaded under (for messages); the first one's for several files."""
    settings: Mapping[str, object] = field(factory=dict)
    """The validated settings section of the plugin that registered the format."""
    uai: str | None = None
    """The UAI the user imports for (``entcore timetable import --uai``), upper case; ``None``
    when the caller gave none.  The core refuses a snapshot of another structure; a format may
    use it when the file does not say which school it is for."""
    school_year: str | None = None
    """The school year the user gave, as ``2024-2025`` (``--school-year``), or ``None``.
    The core refuses a snapshot of another year; a format may use it when the file does not
    say which year it covers (see :attr:`rentree_year`)."""
    filenames: tuple[str, ...] = field(
        default=Factory(lambda self: (self.filename,), takes_self=True)
    )
    """The upload names of all the files of the import, in the order of their paths
    (:meth:`MultiFileTimetableFormat.parse_files`); just :attr:`filename` for one file."""

    @property
    def rentree_year(self) -> int | None:
        """The year of the rentrée of :attr:`school_year` (``2024`` for ``2024-2025``), or ``None``."""
        if self.school_year is None:
            return None
        first, _, _ = self.school_year.partition("-")
        return int(first) if first.isdigit() else None


@runtime_checkable
class DirectoryFeed(Protocol):
    """An opened feed: its files and the stream of its items.

    Items come in :class:`~entcore.model.RecordKind` order (structures, subjects,
    MEFs, relatives, students, staff), so that references point backwards.
    """

    mode: ImportMode
    files: tuple[FeedFile, ...]

    def __iter__(self) -> Iterator[DirectoryItem]: ...

    def close(self) -> None: ...


@runtime_checkable
class DirectorySource(Protocol):
    """Reads a directory feed (AAF, CSV...) into records."""

    name: str
    """Short identifier, e.g. ``aaf``."""
    label: str
    """Human name, e.g. ``AAF (annuaire académique fédérateur)``."""

    # Optional: ``parallel_safe = True`` lets the core run ``open`` and the feed's
    # iteration in a worker process, on another CPU, while the import plans and
    # writes in the main one.  The source must then be picklable (a plain class),
    # and a feed opened with ``context.in_worker`` must yield picklable items.
    # Without it (the default) the feed is read in the importing process.

    def accepts(self, path: Path, settings: Mapping[str, object]) -> bool:
        """True when ``path`` (a folder, an archive or a file) is a feed this source reads.

        ``settings`` is the validated settings section of the plugin that registered
        the source (empty when it declares none).  As with pluggy hook
        implementations, a method that does not need ``settings`` may leave it
        out of its signature: the core passes only what the method declares
        (:func:`entcore.protocol_calls.accepts`).
        """
        ...

    def open(self, paths: Sequence[Path], context: SourceContext) -> DirectoryFeed:
        """Open ``paths`` as one feed; raise :class:`~entcore.InvalidFileError` if they are not one."""
        ...


@runtime_checkable
class TimetableFormat(Protocol):
    """Reads a timetable export (EDT, UDT, STS-Web...) into a :class:`~entcore.model.Timetable`."""

    name: str
    """Short identifier, e.g. ``edt``; what ``--format`` takes."""
    label: str

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        """True when the file at ``path``, whose first bytes are ``head``, is in this format.

        ``settings`` is the validated settings section of the plugin that
        registered the format.  Must be cheap and must not raise on foreign
        content.  As with pluggy hook implementations, a method that does not
        need ``settings`` may leave it out: the core passes only what the method
        declares (:func:`entcore.protocol_calls.sniff`).
        """
        ...

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        """The snapshot of the export; raise :class:`~entcore.InvalidFileError` when unreadable."""
        ...


@runtime_checkable
class MultiFileTimetableFormat(TimetableFormat, Protocol):
    """A timetable format whose one import may be made of several files.

    STS-Web, for instance, names teachers in ``sts_emp`` and places their courses
    in ``emp_sts``.  Given several files, the core asks the format each file is
    recognised by (or the ``--format`` one) and, when it is one of these, hands
    it all the paths at once; a format without :meth:`parse_files` is refused
    several files with a one-line message.
    """

    def parse_files(self, paths: Sequence[Path], context: FormatContext) -> Timetable:
        """The one snapshot of the files at ``paths`` (their upload names are
        ``context.filenames``); raise :class:`~entcore.InvalidFileError` when they do
        not make one export (too many, of two schools, of two years...)."""
        ...


@frozen
class Asserted:
    """What an identity provider asserted, once the protocol layer has checked it.

    For SAML: the assertion's issuer, its ``NameID`` and ``SessionIndex``, and its
    attributes, each reachable by its ``Name`` *and* by its ``FriendlyName``
    (EduConnect sends OID names with friendly names).
    """

    issuer: str
    """The identity provider's entity ID (or issuer URL)."""
    subject: str
    """The provider's identifier of the user (SAML ``NameID``)."""
    attributes: Mapping[str, Sequence[str]] = field(factory=dict)
    session_index: str | None = None
    """Needed to end the session at the identity provider (single logout)."""


@frozen
class FederatedIdentity:
    """Who an identity provider says the user is, reduced to what matching needs."""

    provider: str
    """The ``name`` of the :class:`SSOProvider` that identified the user."""
    issuer: str
    """The identity provider that vouched (EduConnect's entity ID, an académie's agents IdP)."""
    subject: str
    """The provider's identifier of the user (SAML ``NameID``)."""
    profiles: frozenset[Profile] = frozenset()
    """The profiles the provider says the user has (empty when it does not say)."""
    external_ids: tuple[str, ...] = ()
    """Directory jointures (académie prefix included, as the AAF import stores them) the
    provider vouches for: one per child's record for a relative of several schools."""
    email: str | None = None
    """The academic e-mail the provider vouches for (agents)."""
    uais: tuple[str, ...] = ()
    """The UAIs of the structures the provider says the user works in (agents' ``FrEduRne``)."""
    session_index: str | None = None
    attributes: Mapping[str, Sequence[str]] = field(factory=dict)
    """Every attribute asserted, by name and friendly name."""


@frozen
class SSOContext:
    """What the core hands an SSO provider when it identifies and matches a user."""

    settings: Mapping[str, object] = field(factory=dict)
    """The validated settings section of the plugin that registered the provider."""
    academy_prefix: str = ""
    """The directory's ``academy_prefix`` setting: what the AAF import prepends to its keys."""


@runtime_checkable
class AccountLookup(Protocol):
    """The reads matching needs; the core passes its read API (:class:`entcore.read.ReadService`)."""

    def account_by_external_id(
        self, external_id: str, *, include_disappeared: bool = False
    ) -> AccountView | None:
        """The active account with this jointure (académie prefix included), or ``None``."""
        ...

    def accounts_by_email(
        self, email: str, *, include_disappeared: bool = False
    ) -> tuple[AccountView, ...]:
        """The active accounts with this e-mail (compared without case)."""
        ...


@runtime_checkable
class SSOProvider(Protocol):
    """An identity provider users sign in with (EduConnect, an académie's agents IdP, an OIDC IdP...).

    The core (or the web layer) runs the protocol named by :attr:`kind` with the
    provider's settings section (for ``saml``: the keys ``idp_metadata``,
    ``entity_id``, ``key_file``, ``cert_file``, ``acs_url``,
    ``clock_skew_seconds``, ``allow_idp_initiated``, see
    :class:`entcore.saml.SamlSettings`), checks every message, then hands what
    was asserted to :meth:`identify` and the identity to :meth:`match`.
    """

    name: str
    """Short identifier, e.g. ``educonnect``; the web layer's path segment (``/auth/saml/<name>/``)."""
    label: str
    """Human name shown on the provider choice page, in French (e.g. ``ÉduConnect``)."""
    kind: str
    """The protocol the core runs for it: ``saml`` (the only one the core implements yet)."""
    profiles: frozenset[Profile]
    """The profiles that sign in through this provider (they may not use a password)."""

    def identify(self, asserted: Asserted, context: SSOContext) -> FederatedIdentity:
        """The identity ``asserted`` vouches for.

        Raise :class:`~entcore.errors.SignInRefused` when the attributes do not
        identify anyone (no ``{AAF}`` jointure, no e-mail...).
        """
        ...

    def match(
        self, identity: FederatedIdentity, accounts: AccountLookup, context: SSOContext
    ) -> tuple[AccountView, ...]:
        """The accounts ``identity`` may sign in as: one, or several for the account chooser.

        Raise :class:`~entcore.errors.SignInRefused` (with the French message
        to show) when no account matches.
        """
        ...


@runtime_checkable
class Connector(Protocol):
    """A third-party service the ENT connects users to (GAR, Pronote, e-sidoc...)."""

    name: str
    label: str

    def release(self, account: Mapping[str, object]) -> Mapping[str, Sequence[str]]:
        """The attributes released to the service for ``account`` (its public fields)."""
        ...
