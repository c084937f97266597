"""Reconciliation (*rapprochements*): the timetable's people, classes and groups in the directory.

The directory of a structure is read once per import (:class:`DirectoryView`),
then each entity of the snapshot is matched in a fixed order, the first rule
that finds exactly one candidate winning:

* **teachers**: manual mapping; Pronote id (a link learnt by an earlier
  validated import); STS id (learnt link, or the account's external id, the AAF
  jointure); the export's directory id (UDT ``epj`` = external id); normalised
  name and birth date; name alone when the export gives no birth date and the
  name is unique among the structure's staff (a warning says so);
* **students**: Pronote link; INE; normalised name and birth date;
* **classes**: manual mapping; code; label; normalised code or label;
* **groups**: the same, then the group the timetable created for the same
  group key (renamed when its name changed); in *timetable* piloting mode a
  group still unmatched is to be created.

Names are compared normalised (accents, case, spaces, hyphens, apostrophes).
Whatever stays unmatched becomes a warning naming what was tried.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from attrs import Factory, define, frozen
from sqlalchemy import Connection, or_, select

from entcore.model.timetable import Timetable, TimetableStudent, TimetableTeacher
from entcore.store.schema import (
    Account,
    AccountStructure,
    ClassMember,
    Group,
    GroupMember,
    SchoolClass,
)
from entcore.store.timetable_schema import TimetableIdentity, TimetableMapping
from entcore.timetable.derive import normalise
from entcore.timetable.report import ReportWarning

STAFF_PROFILES = ("Teacher", "Personnel")
STUDENT_PROFILE = "Student"
MODES = ("directory", "timetable")

#: Prefix of the placeholder standing for a group the validation will create.
NEW_GROUP = "new:"


@frozen
class AccountInfo:
    """An account of the structure, as matching needs it."""

    id: int
    external_id: str
    login: str
    profile: str
    last_name: str
    first_name: str
    birth_date: date | None
    ine: str | None

    @property
    def name(self) -> str:
        """``NOM Prénom``."""
        return f"{self.last_name} {self.first_name}".strip()


@frozen
class Entity:
    """A class or group of the structure."""

    id: int
    code: str
    label: str | None


@frozen
class MappingInfo:
    """A stored manual mapping."""

    kind: str
    source: str
    target_id: int
    target: str


@define
class DirectoryView:
    """What matching reads from the store about one structure."""

    structure_id: int
    prefix: str
    classes: dict[int, Entity]
    groups: dict[int, Entity]
    staff: dict[int, AccountInfo]
    students: dict[int, AccountInfo]
    mappings: dict[tuple[str, str], MappingInfo]
    """``(kind, normalised source)`` → mapping."""
    identities: dict[tuple[str, str, str], tuple[int, str]]
    """``(kind, scheme, value)`` → ``(target id, origin)``."""

    @classmethod
    def load(cls, connection: Connection, structure_id: int, prefix: str) -> DirectoryView:
        """Read the structure's classes, groups, staff, students, mappings and learnt links."""
        classes = {
            row.id: Entity(row.id, row.code, row.label)
            for row in connection.execute(
                select(SchoolClass.id, SchoolClass.code, SchoolClass.label).where(
                    SchoolClass.structure_id == structure_id
                )
            )
        }
        groups = {
            row.id: Entity(row.id, row.code, row.label)
            for row in connection.execute(
                select(Group.id, Group.code, Group.label).where(Group.structure_id == structure_id)
            )
        }
        attached = select(AccountStructure.account_id).where(
            AccountStructure.structure_id == structure_id
        )
        in_class = (
            select(ClassMember.account_id)
            .join(SchoolClass, SchoolClass.id == ClassMember.class_id)
            .where(SchoolClass.structure_id == structure_id)
        )
        in_group = (
            select(GroupMember.account_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.structure_id == structure_id)
        )
        staff: dict[int, AccountInfo] = {}
        students: dict[int, AccountInfo] = {}
        rows = connection.execute(
            select(
                Account.id,
                Account.external_id,
                Account.login,
                Account.profile,
                Account.last_name,
                Account.first_name,
                Account.birth_date,
                Account.ine,
            ).where(
                Account.disappeared_at.is_(None),
                Account.profile.in_((*STAFF_PROFILES, STUDENT_PROFILE)),
                or_(Account.id.in_(attached), Account.id.in_(in_class), Account.id.in_(in_group)),
            )
        )
        for row in rows:
            info = AccountInfo(
                row.id,
                row.external_id,
                row.login,
                row.profile,
                row.last_name,
                row.first_name,
                row.birth_date,
                row.ine,
            )
            (students if row.profile == STUDENT_PROFILE else staff)[row.id] = info
        mappings = {
            (row.kind, row.source_key): MappingInfo(row.kind, row.source, row.target_id, row.target)
            for row in connection.execute(
                select(TimetableMapping).where(TimetableMapping.structure_id == structure_id)
            )
        }
        identities = {
            (row.kind, row.scheme, row.value): (row.target_id, row.origin)
            for row in connection.execute(
                select(TimetableIdentity).where(TimetableIdentity.structure_id == structure_id)
            )
        }
        return cls(structure_id, prefix, classes, groups, staff, students, mappings, identities)


@define
class Resolution:
    """The snapshot matched with the directory."""

    teachers: dict[str, int] = Factory(dict)
    """Teacher key → account id."""
    students: dict[str, int] = Factory(dict)
    classes: dict[str, int] = Factory(dict)
    """Class key → class id."""
    groups: dict[str, int | str] = Factory(dict)
    """Group key → group id, or ``new:<key>`` for a group to create."""
    creates: list[tuple[str, str]] = Factory(list)
    """Groups to create: ``(group key, name)``."""
    renames: list[tuple[str, int, str]] = Factory(list)
    """Groups to rename: ``(group key, group id, new name)``."""
    links: list[tuple[str, str, str, int]] = Factory(list)
    """Links to learn: ``(kind, scheme, value, target id)`` (created groups are added at apply)."""
    warnings: list[ReportWarning] = Factory(list)


def _by_name(accounts: Iterable[AccountInfo]) -> dict[tuple[str, str], list[AccountInfo]]:
    found: dict[tuple[str, str], list[AccountInfo]] = {}
    for account in accounts:
        found.setdefault((normalise(account.last_name), normalise(account.first_name)), []).append(
            account
        )
    return found


def _french_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


class Matcher:
    """Matches one snapshot against one :class:`DirectoryView`."""

    def __init__(self, view: DirectoryView, snapshot: Timetable, mode: str, uai: str):
        self.view = view
        self.snapshot = snapshot
        self.mode = mode
        self.uai = uai
        self.result = Resolution()
        self._staff_names = _by_name(view.staff.values())
        self._student_names = _by_name(view.students.values())
        self._staff_external = {a.external_id: a for a in view.staff.values()}
        self._creating: dict[str, str] = {}
        self._ine: dict[str, list[AccountInfo]] = {}
        for account in view.students.values():
            if account.ine:
                self._ine.setdefault(account.ine, []).append(account)

    # -- helpers ----------------------------------------------------------------------------

    def _warn(self, kind: str, message: str, **details: Any) -> None:
        self.result.warnings.append(ReportWarning(kind, message, details))

    def _external(self, value: str) -> AccountInfo | None:
        return self._staff_external.get(self.view.prefix + value) or self._staff_external.get(value)

    def _learn(self, kind: str, scheme: str, value: str | None, target: int) -> None:
        if not value:
            return
        known = self.view.identities.get((kind, scheme, value))
        if known is None or known[0] != target:
            self.result.links.append((kind, scheme, value, target))

    # -- people -----------------------------------------------------------------------------

    def _by_name(
        self,
        person: TimetableTeacher | TimetableStudent,
        names: dict[tuple[str, str], list[AccountInfo]],
        tried: list[str],
    ) -> tuple[AccountInfo | None, str | None, int]:
        """Match by name (and birth date); returns (account, how, number of candidates)."""
        candidates = names.get((normalise(person.last_name), normalise(person.first_name)), [])
        if person.birth_date is not None:
            tried.append(f"nom, prénom et date de naissance ({_french_date(person.birth_date)})")
            matches = [a for a in candidates if a.birth_date == person.birth_date]
            return (
                (matches[0], "name_birth", 1) if len(matches) == 1 else (None, None, len(matches))
            )
        tried.append("nom et prénom (le fichier ne donne pas de date de naissance)")
        return (candidates[0], "name", 1) if len(candidates) == 1 else (None, None, len(candidates))

    def _teacher_mapping(self, teacher: TimetableTeacher) -> AccountInfo | None:
        sources = [
            teacher.pronote_id,
            teacher.sts_id,
            teacher.directory_id,
            f"{teacher.last_name} {teacher.first_name}",
            f"{teacher.first_name} {teacher.last_name}",
            # What the warnings call a teacher without a name (``STS 12345``), so that
            # the command they suggest works as written.
            teacher.display_name,
        ]
        for source in sources:
            if not source:
                continue
            mapping = self.view.mappings.get(("teacher", normalise(source)))
            if mapping is not None and mapping.target_id in self.view.staff:
                return self.view.staff[mapping.target_id]
        return None

    def teacher(self, teacher: TimetableTeacher) -> AccountInfo | None:
        """The account of ``teacher``, or ``None`` (with a warning)."""
        tried = ["rapprochement manuel"]
        account = self._teacher_mapping(teacher)
        how = "mapping"
        if account is None and teacher.pronote_id:
            tried.append(f"identifiant Pronote {teacher.pronote_id}")
            link = self.view.identities.get(("teacher", "pronote", teacher.pronote_id))
            account = self.view.staff.get(link[0]) if link else None
        if account is None and teacher.sts_id:
            tried.append(f"identifiant STS {teacher.sts_id}")
            link = self.view.identities.get(("teacher", "sts", teacher.sts_id))
            account = (self.view.staff.get(link[0]) if link else None) or self._external(
                teacher.sts_id
            )
        if account is None and teacher.directory_id:
            tried.append(f"identifiant annuaire {teacher.directory_id}")
            account = self._external(teacher.directory_id)
        candidates = 0
        if account is None and (teacher.last_name or teacher.first_name):
            account, how_by_name, candidates = self._by_name(teacher, self._staff_names, tried)
            how = how_by_name or how
        name = teacher.display_name
        if account is None:
            ambiguity = f" ; {candidates} comptes correspondent" if candidates > 1 else ""
            self._warn(
                "unknown_teacher",
                f"enseignant {name} introuvable dans l'annuaire (essayé : {', '.join(tried)})"
                f"{ambiguity} : ses cours sont importés sans lui ; rapprochez-le "
                f'(entcore timetable map --uai {self.uai} teacher "{name}" IDENTIFIANT)',
                teacher=name,
                key=teacher.key,
                tried=tried,
            )
            return None
        if how == "name":
            self._warn(
                "teacher_matched_by_name",
                f"enseignant {name} rapproché du compte {account.login} par le nom seul "
                "(le fichier ne donne pas de date de naissance) : vérifiez ce rapprochement",
                teacher=name,
                key=teacher.key,
                login=account.login,
            )
        self._learn("teacher", "pronote", teacher.pronote_id, account.id)
        self._learn("teacher", "sts", teacher.sts_id, account.id)
        return account

    def student(self, student: TimetableStudent) -> AccountInfo | None:
        """The account of ``student``, or ``None`` (with a warning)."""
        tried: list[str] = []
        account: AccountInfo | None = None
        if student.pronote_id:
            tried.append(f"identifiant Pronote {student.pronote_id}")
            link = self.view.identities.get(("student", "pronote", student.pronote_id))
            account = self.view.students.get(link[0]) if link else None
        if account is None and student.ine:
            tried.append(f"INE {student.ine}")
            found = self._ine.get(student.ine, [])
            account = found[0] if len(found) == 1 else None
        candidates = 0
        if account is None:
            account, _, candidates = self._by_name(student, self._student_names, tried)
        name = f"{student.last_name} {student.first_name}".strip()
        if account is None:
            born = f", né(e) le {_french_date(student.birth_date)}" if student.birth_date else ""
            ambiguity = f" ; {candidates} comptes correspondent" if candidates > 1 else ""
            self._warn(
                "unknown_student",
                f"élève {name}{born} introuvable dans l'annuaire (essayé : {', '.join(tried)})"
                f"{ambiguity}",
                student=name,
                key=student.key,
                tried=tried,
            )
            return None
        self._learn("student", "pronote", student.pronote_id, account.id)
        return account

    # -- classes and groups -----------------------------------------------------------------

    @staticmethod
    def _find(entities: dict[int, Entity], name: str) -> Entity | None:
        """The entity whose code, label, normalised code or normalised label is ``name``."""
        wanted = normalise(name)
        rules: tuple[Callable[[Entity], bool], ...] = (
            lambda e: e.code == name,
            lambda e: e.label == name,
            lambda e: normalise(e.code) == wanted,
            lambda e: e.label is not None and normalise(e.label) == wanted,
        )
        for rule in rules:
            found = [e for e in entities.values() if rule(e)]
            if len(found) == 1:
                return found[0]
        return None

    def _mapped(self, kind: str, name: str, entities: dict[int, Entity]) -> Entity | None:
        mapping = self.view.mappings.get((kind, normalise(name)))
        return entities.get(mapping.target_id) if mapping is not None else None

    def school_class(self, key: str, name: str) -> Entity | None:
        """The directory class of timetable class ``name``, or ``None`` (with a warning)."""
        found = self._mapped("class", name, self.view.classes) or self._find(
            self.view.classes, name
        )
        if found is None:
            self._warn(
                "unknown_class",
                f"classe {name} introuvable dans l'annuaire (essayé : rapprochement manuel, code, "
                "libellé) : ses cours ne sont pas importés ; rapprochez-la "
                f'(entcore timetable map --uai {self.uai} class "{name}" CODE)',
                class_name=name,
                key=key,
                tried=["rapprochement manuel", "code", "libellé"],
            )
        return found

    def group(self, key: str, name: str) -> int | str | None:
        """The directory group of timetable group ``name``: its id, ``new:<key>``, or ``None``."""
        found = self._mapped("group", name, self.view.groups) or self._find(self.view.groups, name)
        if found is not None:
            return found.id
        link = self.view.identities.get(("group", "key", key))
        created = self.view.groups.get(link[0]) if link and link[1] == "created" else None
        if created is not None:
            if self.mode == "timetable":
                self.result.renames.append((key, created.id, name))
            return created.id
        if self.mode == "timetable":
            # Two timetable groups of the same name become one directory group.
            first = self._creating.setdefault(normalise(name), key)
            if first == key:
                self.result.creates.append((key, name))
            return NEW_GROUP + first
        self._warn(
            "unknown_group",
            f"groupe {name} introuvable dans l'annuaire (essayé : rapprochement manuel, code, "
            "libellé) : ses cours ne sont pas importés ; rapprochez-le "
            f'(entcore timetable map --uai {self.uai} group "{name}" CODE) ou passez en mode de '
            "pilotage « emploi du temps » pour le créer",
            group=name,
            key=key,
            tried=["rapprochement manuel", "code", "libellé"],
        )
        return None

    # -- all --------------------------------------------------------------------------------

    def run(self) -> Resolution:
        """Match every teacher, student, class and group of the snapshot."""
        result = self.result
        for teacher in self.snapshot.teachers:
            account = self.teacher(teacher)
            if account is not None:
                result.teachers[teacher.key] = account.id
        for school_class in self.snapshot.classes:
            found = self.school_class(school_class.key, school_class.name)
            if found is not None:
                result.classes[school_class.key] = found.id
        for group in self.snapshot.groups:
            target = self.group(group.key, group.name)
            if target is not None:
                result.groups[group.key] = target
        for student in self.snapshot.students:
            account = self.student(student)
            if account is not None:
                result.students[student.key] = account.id
        return result


def reconcile(view: DirectoryView, snapshot: Timetable, mode: str, uai: str) -> Resolution:
    """Match ``snapshot`` with the directory of ``view`` in piloting ``mode``."""
    return Matcher(view, snapshot, mode, uai).run()
