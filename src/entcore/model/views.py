"""Read views: what the read API (``app.read``) hands integrators and connectors.

These frozen attrs records are the *public fields* of the store's entities: an
:class:`AccountView` is what a connector's attribute-release policy receives
about a person, a :class:`ClassView` a class with its students and teachers.
They name every related entity by its stable keys (login, external id, UAI,
class code, national subject or MEF code), never by internal row ids, and they
carry no secret (no password hash).

Every view has ``to_json()``, the JSON-ready mapping the command line prints
(``entcore accounts list --json``); keys are the field names, dates are ISO
strings and enumerations their values.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from attrs import frozen

from entcore.model._converter import JsonView
from entcore.model.directory import Address, Profile, Relationship, TeachingTarget


class AccountState(enum.StrEnum):
    """Whether an account is listed by the last full import of its structures."""

    ACTIVE = "active"
    DISAPPEARED = "disappeared"
    """No longer in the feed; kept for a grace period before deletion."""


class MemberRole(enum.StrEnum):
    """The role of an account in a class or a group."""

    STUDENT = "student"
    TEACHER = "teacher"
    HEAD_TEACHER = "head_teacher"
    """*Professeur principal* (classes only)."""


class GroupKind(enum.StrEnum):
    """The kind of a group."""

    OPTION = "option"
    """An option group (*groupe d'enseignement*)."""
    FUNCTIONAL = "functional"


@frozen
class StructureRef(JsonView):
    """A structure an account belongs to."""

    external_id: str
    """The structure's key in the store (the feed's jointure, académie prefix included)."""
    uai: str | None
    name: str
    attachment: bool
    """Administrative attachment (*rattachement*); false when the account only holds a function there."""


@frozen
class StructureView(JsonView):
    """A school or other structure."""

    external_id: str
    """The structure's key in the store (the feed's jointure, académie prefix included)."""
    uai: str | None
    """National school code (7 digits and a letter); ``None`` for a structure without one."""
    name: str
    type: str | None
    """Type label, e.g. ``COLLEGE``."""
    academy: str | None
    contract: str | None
    """Contract code, e.g. ``PU`` (public)."""
    phone: str | None
    email: str | None
    address: Address | None
    parents: tuple[str, ...]
    """External ids of the structures this one is functionally attached to."""
    school_year: str | None
    """The school year of the last validated timetable import (``2025-2026``)."""


@frozen
class SubjectView(JsonView):
    """A subject of the national nomenclature (BCN code)."""

    code: str
    label: str


@frozen
class MefView(JsonView):
    """A MEF (*module élémentaire de formation*)."""

    code: str
    label: str
    attachment: str | None
    """Parent MEF code."""
    statistical: str | None
    """Statistical MEF code (MEFSTAT11)."""


@frozen
class FunctionView(JsonView):
    """A staff member's function in a structure (AAF ``ENTPersonFonctions``)."""

    uai: str | None
    structure: str
    """External id of the structure."""
    code: str
    """Function code, e.g. ``ENS``, ``DIR``, ``DOC``, ``EDU``."""
    label: str
    discipline_code: str
    discipline_label: str


@frozen
class ClassMembership(JsonView):
    """An account's place in a class."""

    uai: str | None
    structure: str
    """External id of the class's structure."""
    code: str
    """Class code, local to the structure (e.g. ``6A``)."""
    label: str | None
    role: MemberRole


@frozen
class GroupMembership(JsonView):
    """An account's place in a group."""

    uai: str | None
    structure: str
    code: str
    """Group code, local to the structure."""
    label: str | None
    kind: GroupKind
    role: MemberRole


@frozen
class TeachingView(JsonView):
    """A subject a teacher teaches to a class or a group."""

    uai: str | None
    structure: str
    target: TeachingTarget
    code: str
    """Class or group code, local to the structure."""
    subject: str | None
    """National subject code, when the feed gives it."""


@frozen
class MefAssignment(JsonView):
    """A MEF a teacher teaches in a structure."""

    uai: str | None
    structure: str
    code: str
    label: str


@frozen
class LinkedAccount(JsonView):
    """The other end of a student–relative link: a relative of a student, or a child of a relative.

    The link's flags are those of the feed (``ENTElevePersRelEleve``).  A relative the
    store does not hold (yet) keeps its external id; its other fields are ``None``.
    """

    external_id: str
    login: str | None
    last_name: str | None
    first_name: str | None
    display_name: str | None
    state: AccountState | None
    """``None`` when the store holds no account with that external id."""
    uais: tuple[str, ...]
    """UAIs of the linked account's administrative attachments (a child's schools)."""
    relationship: Relationship
    code: str
    """The relationship code as the feed wrote it."""
    legal: bool
    """Legal representative."""
    financial: bool
    in_charge: bool
    contact: bool
    payer: bool


@frozen
class AccountView(JsonView):
    """An account's public fields: what integrators and connector policies read.

    Relatives are listed on the student (``relatives``) and students on the
    relative (``children``); structures, classes and groups name their UAI and
    external id.  Nothing here is secret: no password hash, no internal id.
    """

    login: str
    """Stable: given once and never changed by imports (CAS principal of most services)."""
    external_id: str
    """The feed's jointure (AAF ``ENTPersonJointure``), académie prefix included."""
    profile: Profile
    """One per account: a teacher who is also a parent has two accounts in the académie's feeds."""
    state: AccountState
    disappeared_at: datetime | None
    last_name: str
    first_name: str
    display_name: str
    birth_name: str | None
    """*Nom de naissance* (GAR ``GARPersonNomPatro``)."""
    other_first_names: tuple[str, ...]
    title: str | None
    """Civility as the feed gives it (``M.``, ``Mme``)."""
    birth_date: date | None
    email: str | None
    ine: str | None
    """National pupil id (students)."""
    address: Address | None
    federated: bool
    """Signs in through an identity federation (EduConnect, agents) rather than a password."""
    source: str
    """The directory source the account comes from (``aaf``, ``guestlist``...)."""
    structures: tuple[StructureRef, ...]
    """Every structure the account belongs to: attachments first, then function-only ones."""
    functions: tuple[FunctionView, ...]
    classes: tuple[ClassMembership, ...]
    groups: tuple[GroupMembership, ...]
    teachings: tuple[TeachingView, ...]
    """Teachers: the subject taught to each class and group (GAR class×subject)."""
    mef: str | None
    """A student's MEF code."""
    mefs: tuple[MefAssignment, ...]
    """Teachers: the MEFs they teach, per structure."""
    subjects_studied: tuple[str, ...]
    """Students: the national codes of the subjects they follow (AAF ``ENTEleveCodeEnseignements``)."""
    relatives: tuple[LinkedAccount, ...]
    """Students: their responsible adults."""
    children: tuple[LinkedAccount, ...]
    """Relatives: the students they are responsible for."""
    extra: tuple[tuple[str, str], ...]
    """Other facts of the feed as (name, value) pairs, as the directory source named them."""

    @property
    def uais(self) -> tuple[str, ...]:
        """The UAIs of the account's structures, in :attr:`structures` order."""
        return tuple(ref.uai for ref in self.structures if ref.uai is not None)

    @property
    def subjects_taught(self) -> tuple[str, ...]:
        """Distinct national subject codes of :attr:`teachings`, sorted."""
        return tuple(sorted({t.subject for t in self.teachings if t.subject is not None}))

    def in_structure(self, uai: str) -> bool:
        """True when the account belongs to the structure ``uai``."""
        return any(ref.uai == uai for ref in self.structures)


@frozen
class MemberView(JsonView):
    """A member of a class or a group."""

    login: str
    external_id: str
    profile: Profile
    last_name: str
    first_name: str
    display_name: str
    role: MemberRole
    subjects: tuple[str, ...]
    """Teachers: the national codes of the subjects they teach there (sorted)."""


@frozen
class ClassView(JsonView):
    """A class (*division*) with its students and teachers."""

    uai: str | None
    structure: str
    """External id of the structure."""
    code: str
    label: str | None
    students: tuple[MemberView, ...]
    teachers: tuple[MemberView, ...]
    """Teachers, each once: role ``head_teacher`` for the *professeur principal*."""


@frozen
class GroupView(JsonView):
    """A group with its students and teachers."""

    uai: str | None
    structure: str
    code: str
    label: str | None
    kind: GroupKind
    classes: tuple[str, ...]
    """Codes of the classes its students belong to (GAR ``GARGroupeDivAppartenance``)."""
    students: tuple[MemberView, ...]
    teachers: tuple[MemberView, ...]
