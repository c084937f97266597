"""Directory records: what a directory source reads out of a feed.

A :class:`~entcore.protocols.DirectorySource` turns files into a stream of
:data:`DirectoryItem` values.  The records are plain, frozen attrs classes; they
carry the facts of the feed, already typed (dates, booleans, ``$``-separated
sub-fields split into their parts) but not yet matched against the store: every
reference to another entity is the *external id* the feed uses for it (the AAF
jointure of a structure or a person, a class code local to its structure, a
national subject or MEF code).  Keys are strings: leading zeros and inner spaces
are significant.

The engine, not the source, decides what an item does to the store.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date
from typing import TypeAlias

from attrs import field, frozen


class Profile(enum.StrEnum):
    """The profile of an account."""

    STUDENT = "Student"
    RELATIVE = "Relative"
    TEACHER = "Teacher"
    PERSONNEL = "Personnel"
    GUEST = "Guest"


class RecordKind(enum.StrEnum):
    """The category of a feed entry; also the order in which a feed must yield them."""

    STRUCTURE = "structure"
    SUBJECT = "subject"
    MEF = "mef"
    RELATIVE = "relative"
    STUDENT = "student"
    STAFF = "staff"
    GUEST = "guest"


class ImportMode(enum.StrEnum):
    """Whether a feed is a full snapshot or an increment."""

    FULL = "full"
    DELTA = "delta"


class Relationship(enum.StrEnum):
    """The relationship of a relative to a student, whatever generation of codes the feed uses."""

    MOTHER = "mother"
    FATHER = "father"
    TUTOR = "tutor"
    FAMILY = "family"
    SOCIAL_SERVICES = "social_services"
    SIBLING = "sibling"
    ASCENDANT = "ascendant"
    EDUCATOR = "educator"
    FOSTER_CARER = "foster_carer"
    CHILDMINDER = "childminder"
    SELF = "self"
    OTHER = "other"


class TeachingTarget(enum.StrEnum):
    """What a teaching assignment is given to."""

    CLASS = "class"
    GROUP = "group"


@frozen
class Address:
    """A postal address; ``lines`` keeps the feed's line split."""

    lines: tuple[str, ...] = ()
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None


@frozen
class StructureRecord:
    """A school or other structure (AAF ``EtabEducNat``)."""

    external_id: str
    """The structure's key in the feed (AAF ``ENTStructureJointure``)."""
    name: str
    uai: str | None = None
    """National school code: 7 digits and a letter."""
    type: str | None = None
    """Type label, e.g. ``COLLEGE``."""
    academy: str | None = None
    """Name of the académie, e.g. ``GRENOBLE``."""
    contract: str | None = None
    ministry: str | None = None
    siret: str | None = None
    address: Address | None = None
    phone: str | None = None
    email: str | None = None
    parents: tuple[str, ...] = ()
    """External ids of the structures this one is functionally attached to."""
    extra: tuple[tuple[str, str], ...] = ()
    """Other facts of the feed kept as (name, value) pairs, e.g. the education basin."""


@frozen
class SubjectRecord:
    """A subject of the national nomenclature (AAF ``MatiereEducNat``)."""

    code: str
    """Six-character BCN code, e.g. ``061300``."""
    label: str


@frozen
class MefRecord:
    """A *module élémentaire de formation* (AAF ``MefEducNat``)."""

    code: str
    """Eleven-character MEF code."""
    label: str
    attachment: str | None = None
    """Parent MEF code."""
    statistical: str | None = None
    """Statistical MEF code (``ENTMEFSTAT11``)."""


@frozen
class ClassRef:
    """A class (or group) in a structure; ``code`` is local to the structure."""

    structure: str
    code: str
    label: str | None = None


@frozen
class ClassPeriod:
    """When a student entered or left a class."""

    structure: str
    code: str
    start: date | None = None
    end: date | None = None


@frozen
class RelativeLink:
    """A student's link to a responsible adult (AAF ``ENTElevePersRelEleve``)."""

    relative: str
    """External id of the relative."""
    relationship: Relationship
    code: str
    """The relationship code as the feed wrote it (both generations are accepted)."""
    financial: bool = False
    legal: bool = False
    """Legal representative."""
    in_charge: bool = False
    """*Personne en charge* (newer feeds' legal code 2)."""
    contact: bool = False
    payer: bool = False


@frozen
class FunctionAssignment:
    """A staff member's function in a structure (AAF ``ENTPersonFonctions``)."""

    structure: str
    code: str
    label: str = ""
    discipline_code: str = ""
    discipline_label: str = ""


@frozen
class Teaching:
    """A subject taught to a class or a group."""

    structure: str
    target: TeachingTarget
    code: str
    """Class or group code, local to the structure."""
    subject: str | None = None
    """National subject code, when the feed gives it."""


@frozen
class MefRef:
    """A MEF taught in a structure."""

    structure: str
    code: str
    label: str = ""


@frozen
class PersonRecord:
    """A person of the feed: student, relative, teacher or non-teaching staff."""

    external_id: str
    """The person's key in the feed (AAF ``ENTPersonJointure``)."""
    profile: Profile
    last_name: str
    first_name: str
    birth_name: str | None = None
    other_first_names: tuple[str, ...] = ()
    title: str | None = None
    birth_date: date | None = None
    email: str | None = None
    ine: str | None = None
    """National pupil id (students)."""
    structures: tuple[str, ...] = ()
    """Administrative attachment(s): external ids of structures."""
    classes: tuple[ClassRef, ...] = ()
    groups: tuple[ClassRef, ...] = ()
    class_periods: tuple[ClassPeriod, ...] = ()
    relatives: tuple[RelativeLink, ...] = ()
    functions: tuple[FunctionAssignment, ...] = ()
    teachings: tuple[Teaching, ...] = ()
    head_teacher_of: tuple[ClassRef, ...] = ()
    mefs: tuple[MefRef, ...] = ()
    mef: str | None = None
    """A student's MEF code."""
    address: Address | None = None
    home_phone: str | None = None
    work_phone: str | None = None
    mobile_phones: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = field(default=())
    """Other facts of the feed kept as (name, value) pairs, e.g. scholarship or regime."""


DirectoryRecord: TypeAlias = StructureRecord | SubjectRecord | MefRecord | PersonRecord


@frozen
class Origin:
    """Where an item comes from, for reports and error messages."""

    file: str
    line: int | None
    entry_id: str


class RecordError(ValueError):
    """A feed entry that cannot become a record; the message is the reason shown in reports."""


@frozen
class Entry:
    """An entry to create or replace (AAF ``addRequest``).

    ``fingerprint`` is a digest of everything in the source entry that the record is
    built from: two entries with equal fingerprints build equal records.  The engine
    compares it with the stored one and calls ``build`` only for new or changed
    entries, so that an unchanged entry costs neither a record nor a write.
    ``build`` raises :class:`RecordError` when the entry is invalid.
    """

    kind: RecordKind
    external_id: str
    fingerprint: bytes
    origin: Origin
    build: Callable[[], DirectoryRecord] = field(eq=False, repr=False)


@frozen
class Modification:
    """Some fields of an existing record replaced (AAF ``modifyRequest``).

    ``changes`` pairs record field names with their new, already typed values; a
    dotted name (``address.city``) replaces one field of a nested record.  The
    engine merges them into the stored record and validates the result.
    """

    kind: RecordKind
    external_id: str
    changes: tuple[tuple[str, object], ...]
    origin: Origin


@frozen
class Deletion:
    """A record removed from the feed (AAF ``deleteRequest``)."""

    kind: RecordKind
    external_id: str
    origin: Origin


@frozen
class Rejection:
    """An entry the source could not read; reported, never applied."""

    kind: RecordKind
    reason: str
    origin: Origin


@frozen
class Notice:
    """Something worth telling the user that does not reject the entry (e.g. an unknown attribute)."""

    message: str
    origin: Origin


DirectoryItem: TypeAlias = Entry | Modification | Deletion | Rejection | Notice


@frozen
class FeedFile:
    """One file of a feed, as the source recognised it."""

    name: str
    kind: RecordKind
    mode: ImportMode
    chunk: int = 0
