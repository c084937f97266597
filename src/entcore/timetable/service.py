"""Timetable imports as the application offers them (``app.timetable``).

The life of an import: :meth:`TimetableService.import_file` (or
:meth:`~TimetableService.import_files` for an export made of several files)
picks the format, parses the file, plans the import against the store and keeps it *pending*
with its preliminary report; :meth:`~TimetableService.validate` re-plans it
from the same inputs and applies it in one transaction (hooks fire after the
commit), or refuses when the store changed under it;
:meth:`~TimetableService.cancel` marks it cancelled and changes nothing else.
Reconciliation (:meth:`~TimetableService.map`), the piloting mode and the
sessions of the cahier de textes are here too.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from entcore import protocol_calls, schoolyear
from entcore.errors import ImportRefused, NotFound, UnknownFormatError
from entcore.model._converter import structure as structure_data
from entcore.model._converter import unstructure
from entcore.model.reports import StructureInfo
from entcore.model.timetable import Timetable
from entcore.protocols import FormatContext, MultiFileTimetableFormat, TimetableFormat
from entcore.store.schema import Account, Group, SchoolClass, Structure, utcnow
from entcore.store.timetable_schema import TimetableImport, TimetableMapping
from entcore.timetable.derive import normalise
from entcore.timetable.expand import PARIS
from entcore.timetable.plan import (
    PlanContext,
    StructureState,
    apply_plan,
    build_plan,
    last_validated,
    reference_instant,
    state_marker,
)
from entcore.timetable.reconcile import MODES, STAFF_PROFILES, DirectoryView
from entcore.timetable.render import render
from entcore.timetable.report import CANCELLED, PENDING, VALIDATED, TimetableReport
from entcore.timetable.sessions import day_start, list_sessions

if TYPE_CHECKING:
    from entcore.app import Entcore
    from entcore.registry import TimetableFormatRegistry

log = logging.getLogger(__name__)

#: Bytes handed to ``sniff``.
HEAD_SIZE = 65536

MAPPING_KINDS = ("class", "group", "teacher")

_MARKER_CHANGES = {
    "last_validated": "un autre import d'emploi du temps de l'établissement a été validé",
    "directory_import": "un import annuaire a eu lieu",
    "mappings": "les rapprochements ont changé",
    "mode": "le mode de pilotage a changé",
    "school_year": "l'année scolaire de l'établissement a changé",
    "clearance_minutes": "le réglage [timetable] clearance_minutes a changé",
}
_STATUS_NAMES = {VALIDATED: "déjà validé", CANCELLED: "annulé"}


def _digest(paths: Sequence[Path]) -> str:
    """SHA-256 of the file, or of the files' digests in order when there are several."""
    digests = []
    for path in paths:
        hasher = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
        digests.append(hasher.hexdigest())
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256(" ".join(digests).encode()).hexdigest()


def _paris(moment: datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y à %H:%M}"


class TimetableService:
    """``app.timetable``: timetable imports, reconciliation, piloting mode and sessions."""

    def __init__(self, app: Entcore):
        self._app = app

    # -- settings and formats ---------------------------------------------------------------

    @property
    def clearance(self) -> timedelta:
        """Sessions starting sooner than this after the reference time count as started."""
        return timedelta(minutes=int(self._app.settings.core("timetable")["clearance_minutes"]))

    def _prefix(self) -> str:
        return str(self._app.settings.core("directory")["academy_prefix"])

    def formats(self) -> list[str]:
        """Names of the installed timetable formats, in sniffing order."""
        return self._app.plugins.timetable_formats().names()

    def format_for(self, path: Path, name: str | None = None) -> TimetableFormat:
        """The format named ``name``, or the first installed format that recognises ``path``."""
        return self.format_for_files([path], name)

    def format_for_files(self, paths: Sequence[Path], name: str | None = None) -> TimetableFormat:
        """The format named ``name``, or the one that recognises every file of ``paths``.

        Each file is sniffed on its own (formats asked in registration order, with
        their plugin's settings); files recognised by different formats are refused.
        """
        plugins = self._app.plugins
        registry = plugins.timetable_formats()
        installed = ", ".join(registry.names()) or "aucun"
        if name is not None:
            if name not in registry:
                plugins.check_available(name)
                raise UnknownFormatError(
                    f"format d'emploi du temps non installé : {name} (formats installés : {installed})"
                )
            return registry.get(name)
        found: dict[str, list[str]] = {}
        for path in paths:
            chosen = self._sniff(registry, path)
            if chosen is None:
                raise UnknownFormatError(
                    f"{path.name} : aucun format d'emploi du temps installé ne reconnaît ce "
                    f"fichier (formats installés : {installed}{plugins.failures_hint()})"
                )
            found.setdefault(chosen.name, []).append(path.name)
        if len(found) > 1:
            described = " ; ".join(f"{', '.join(names)} : {fmt}" for fmt, names in found.items())
            raise UnknownFormatError(
                f"les fichiers d'un import doivent être d'un même format ({described})"
            )
        return registry.get(next(iter(found)))

    def _sniff(self, registry: TimetableFormatRegistry, path: Path) -> TimetableFormat | None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_SIZE)
        for candidate in registry:
            settings = self._app.plugin_settings(registry.owner(candidate.name).plugin)
            try:
                if protocol_calls.sniff(candidate, path, head, settings):
                    return candidate
            except Exception:  # a format must not raise on foreign content; ask the next one
                log.warning(
                    "timetable format %r failed to sniff %s", candidate.name, path, exc_info=True
                )
        return None

    # -- lookups ----------------------------------------------------------------------------

    @staticmethod
    def _structure_id(connection: Connection, uai: str) -> int:
        found = connection.execute(
            select(Structure.id).where(func.upper(Structure.uai) == uai.strip().upper())
        ).scalar_one_or_none()
        if found is None:
            raise NotFound(f"établissement inconnu : UAI {uai} (importez d'abord l'annuaire)")
        return int(found)

    @staticmethod
    def _import_row(connection: Connection, import_id: int) -> Any:
        row = connection.execute(
            select(TimetableImport).where(TimetableImport.id == import_id)
        ).first()
        if row is None:
            raise NotFound(f"import d'emploi du temps inconnu : n° {import_id}")
        return row

    @staticmethod
    def _report_of(row: Any) -> TimetableReport:
        report = TimetableReport.from_json(row.report)
        report.id = row.id
        report.status = row.status
        report.created_at = row.created_at
        report.validated_at = row.validated_at
        return report

    # -- importing --------------------------------------------------------------------------

    def import_file(
        self,
        path: Path | str,
        uai: str,
        *,
        format: str | None = None,
        as_of: date | datetime | None = None,
        new_year: bool = False,
        school_year: str | None = None,
        now: datetime | None = None,
    ) -> TimetableReport:
        """Parse ``path``, plan its import for structure ``uai`` and keep it pending.

        ``as_of`` replays an archived export: sessions are judged against that
        date (midnight, Europe/Paris) or instant instead of now.  ``new_year``
        allows a file of another school year than the structure's current one.
        ``school_year`` (``2024-2025``) is handed to the format and the file must
        cover it.  Nothing is stored when the file is refused.
        """
        return self.import_files(
            [path],
            uai,
            format=format,
            as_of=as_of,
            new_year=new_year,
            school_year=school_year,
            now=now,
        )

    def import_files(
        self,
        paths: Sequence[Path | str],
        uai: str,
        *,
        format: str | None = None,
        as_of: date | datetime | None = None,
        new_year: bool = False,
        school_year: str | None = None,
        now: datetime | None = None,
    ) -> TimetableReport:
        """Like :meth:`import_file`, for an export made of several files (STS-Web's
        ``sts_emp`` + ``emp_sts``).

        Every file must be recognised by the same format (or be read by
        ``format``), and that format must read several files at once
        (:class:`~entcore.protocols.MultiFileTimetableFormat`); otherwise the
        import is refused with a one-line message.  The report names all files.
        """
        app = self._app
        files = [Path(path) for path in paths]
        if not files:
            raise ValueError("import_files needs at least one file")
        for path in files:
            if not path.is_file():
                raise FileNotFoundError(f"{path} : fichier introuvable")
        if len({path.resolve() for path in files}) < len(files):
            raise ImportRefused("le même fichier est donné deux fois")
        year = schoolyear.label(schoolyear.parse(school_year)) if school_year is not None else None
        now = now or utcnow()
        with app.store.connect() as connection:
            structure_id = self._structure_id(connection, uai)
            structure = StructureState.load(connection, structure_id)
        chosen = self.format_for_files(files, format)
        owner = app.plugins.timetable_formats().owner(chosen.name)
        names = tuple(path.name for path in files)
        context = FormatContext(
            names[0],
            app.plugin_settings(owner.plugin),
            uai=structure.uai.strip().upper(),
            school_year=year,
            filenames=names,
        )
        if len(files) == 1:
            snapshot = chosen.parse(files[0], context)
        elif isinstance(chosen, MultiFileTimetableFormat):
            snapshot = chosen.parse_files(files, context)
        else:
            raise ImportRefused(
                f"le format {chosen.name} lit un seul fichier par import ({len(files)} donnés : "
                f"{', '.join(names)})"
            )
        self._check(snapshot, structure, new_year, year)
        if as_of is None:
            reference = now
        elif isinstance(as_of, datetime):
            reference = reference_instant(as_of)
        else:
            reference = reference_instant(datetime.combine(as_of, time(0)))
        file_name = " + ".join(names)
        plan_context = PlanContext(
            snapshot=snapshot,
            format_name=chosen.name,
            file_name=file_name,
            reference=reference,
            clearance=self.clearance,
            as_of=as_of is not None,
            prefix=self._prefix(),
        )
        digest = _digest(files)
        with app.store.connect() as connection, connection.begin():
            app.store.import_lock(connection)
            self._purge(connection, now)
            marker = state_marker(connection, structure.id, self.clearance)
            plan = build_plan(connection, structure, plan_context)
            report = plan.report
            report.created_at = now
            import_id = connection.execute(
                insert(TimetableImport).returning(TimetableImport.id),
                {
                    "structure_id": structure.id,
                    "uai": structure.uai,
                    "format": chosen.name,
                    "status": PENDING,
                    "file_name": file_name,
                    "file_digest": digest,
                    "school_year": snapshot.school_year.label,
                    "reference_time": reference,
                    "as_of": as_of is not None,
                    "new_year": new_year,
                    "snapshot": unstructure(snapshot),
                    "report": report.to_json(),
                    "summary": plan.summary,
                    "marker": marker,
                    "created_at": now,
                    "validated_at": None,
                    "cancelled_at": None,
                },
            ).scalar_one()
        report.id = import_id
        return report

    @staticmethod
    def _check(
        snapshot: Timetable, structure: StructureState, new_year: bool, given_year: str | None
    ) -> None:
        if snapshot.uai.strip().upper() != structure.uai.strip().upper():
            raise ImportRefused(
                f"le fichier concerne l'établissement {snapshot.uai}, pas {structure.uai}"
            )
        year = snapshot.school_year.label
        if given_year is not None and year != given_year:
            raise ImportRefused(
                f"le fichier couvre l'année scolaire {year}, pas {given_year} (--school-year)"
            )
        current = structure.school_year
        if current is not None and current != year and not new_year:
            raise ImportRefused(
                f"le fichier couvre l'année scolaire {year} mais l'année courante de "
                f"l'établissement {structure.uai} est {current} : relancez avec --new-year pour "
                "passer à la nouvelle année"
            )
        if new_year and current == year:
            raise ImportRefused(
                f"--new-year refusé : l'année scolaire du fichier ({year}) est déjà l'année "
                f"courante de l'établissement {structure.uai}"
            )

    def _purge(self, connection: Connection, now: datetime) -> None:
        """Forget reports older than ``keep_reports_days``, except each structure's last validated."""
        days = int(self._app.settings.core("timetable")["keep_reports_days"])
        if days <= 0:
            return
        newest = (
            select(func.max(TimetableImport.id))
            .where(TimetableImport.status == VALIDATED)
            .group_by(TimetableImport.structure_id)
        )
        connection.execute(
            delete(TimetableImport).where(
                TimetableImport.created_at < now - timedelta(days=days),
                TimetableImport.id.not_in(newest),
            )
        )

    # -- validating and cancelling ----------------------------------------------------------

    def validate(self, import_id: int, *, now: datetime | None = None) -> TimetableReport:
        """Apply pending import ``import_id`` in one transaction; hooks fire after the commit.

        Refused (nothing applied) when the store changed since the preview, or
        when, for an import without ``as_of``, sessions it changes have started.
        """
        app = self._app
        now = now or utcnow()
        with app.store.connect() as connection, connection.begin():
            app.store.import_lock(connection)
            row = self._import_row(connection, import_id)
            if row.status != PENDING:
                raise ImportRefused(f"l'import n° {import_id} est {_STATUS_NAMES[row.status]}")
            # Take the write lock first, so that two validations of one structure are serialised.
            connection.execute(
                update(Structure)
                .where(Structure.id == row.structure_id)
                .values(timetable_mode=Structure.timetable_mode)
            )
            marker = state_marker(connection, row.structure_id, self.clearance)
            for key, reason in _MARKER_CHANGES.items():
                if marker.get(key) != row.marker.get(key):
                    raise ImportRefused(
                        f"import n° {import_id} refusé : {reason} depuis l'aperçu ; réimportez le fichier"
                    )
            structure = StructureState.load(connection, row.structure_id)
            context = PlanContext(
                snapshot=structure_data(row.snapshot, Timetable),
                format_name=row.format,
                file_name=row.file_name,
                reference=row.reference_time,
                clearance=self.clearance,
                as_of=row.as_of,
                prefix=self._prefix(),
            )
            plan = build_plan(connection, structure, context, report_id=import_id)
            previewed = self._report_of(row)
            if plan.report.counts_json() != previewed.counts_json():
                raise ImportRefused(
                    f"import n° {import_id} refusé : le bilan ne correspond plus à l'aperçu ; "
                    "réimportez le fichier"
                )
            earliest = plan.sessions.earliest
            if not row.as_of and earliest is not None and earliest < now + self.clearance:
                raise ImportRefused(
                    f"import n° {import_id} refusé : des séances qu'il modifie ont commencé depuis "
                    f"l'aperçu (la première le {_paris(earliest)}) ; réimportez le fichier"
                )
            first = last_validated(connection, row.structure_id) is None
            apply_plan(connection, structure, plan, import_id=import_id, now=now)
            report = previewed
            report.status = VALIDATED
            report.validated_at = now
            connection.execute(
                update(TimetableImport)
                .where(TimetableImport.id == import_id)
                .values(status=VALIDATED, validated_at=now, report=report.to_json())
            )
        try:
            app.plugins.timetable_validated(app, report)
        finally:
            # The structure is initialised whatever a validated hook did: the
            # import is committed, and this hook fires only once per structure.
            if first or row.new_year:
                app.plugins.timetable_initialised(
                    app, StructureInfo(structure.external_id, structure.uai, structure.name)
                )
        return report

    def cancel(self, import_id: int, *, now: datetime | None = None) -> TimetableReport:
        """Discard pending import ``import_id``: it is marked cancelled, nothing else changes."""
        now = now or utcnow()
        with self._app.store.connect() as connection, connection.begin():
            # Serialised with validations: a cancel racing one must not mark it cancelled.
            self._app.store.import_lock(connection)
            row = self._import_row(connection, import_id)
            if row.status != PENDING:
                raise ImportRefused(f"l'import n° {import_id} est {_STATUS_NAMES[row.status]}")
            report = self._report_of(row)
            report.status = CANCELLED
            connection.execute(
                update(TimetableImport)
                .where(TimetableImport.id == import_id)
                .values(status=CANCELLED, cancelled_at=now, report=report.to_json())
            )
        return report

    # -- reports ----------------------------------------------------------------------------

    def reports(self, uai: str) -> list[TimetableReport]:
        """The structure's import reports (*Bilans d'import*), newest first."""
        with self._app.store.connect() as connection:
            structure_id = self._structure_id(connection, uai)
            rows = connection.execute(
                select(
                    TimetableImport.id,
                    TimetableImport.status,
                    TimetableImport.report,
                    TimetableImport.created_at,
                    TimetableImport.validated_at,
                )
                .where(TimetableImport.structure_id == structure_id)
                .order_by(TimetableImport.id.desc())
            ).all()
        return [self._report_of(row) for row in rows]

    def report(self, import_id: int) -> TimetableReport:
        """The report of import ``import_id``."""
        with self._app.store.connect() as connection:
            return self._report_of(self._import_row(connection, import_id))

    def render(self, import_id: int, fmt: str = "text") -> str:
        """The report of import ``import_id`` as ``text``, ``html``, ``json`` or ``csv``."""
        return render(self.report(import_id), fmt)

    # -- reconciliation ---------------------------------------------------------------------

    def map(self, uai: str, kind: str, source: str, target: str) -> dict[str, Any]:
        """Map timetable class, group or teacher ``source`` to a directory class, group or account.

        ``target`` is a class or group code (or label), or an account login (or
        external id).  The mapping is used by every later import of the structure.
        """
        if kind not in MAPPING_KINDS:
            raise ValueError(f"kind must be one of {', '.join(MAPPING_KINDS)}")
        source_key = normalise(source)
        if not source_key:
            raise ImportRefused("rapprochement refusé : source vide")
        now = utcnow()
        with self._app.store.connect() as connection, connection.begin():
            structure_id = self._structure_id(connection, uai)
            target_id, resolved = self._target(connection, structure_id, uai, kind, target)
            connection.execute(
                delete(TimetableMapping).where(
                    TimetableMapping.structure_id == structure_id,
                    TimetableMapping.kind == kind,
                    TimetableMapping.source_key == source_key,
                )
            )
            connection.execute(
                insert(TimetableMapping),
                {
                    "structure_id": structure_id,
                    "kind": kind,
                    "source": source.strip(),
                    "source_key": source_key,
                    "target_id": target_id,
                    "target": resolved,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        return {"kind": kind, "source": source.strip(), "target": resolved, "target_id": target_id}

    def _target(
        self, connection: Connection, structure_id: int, uai: str, kind: str, target: str
    ) -> tuple[int, str]:
        if kind == "teacher":
            view = DirectoryView.load(connection, structure_id, self._prefix())
            for account in view.staff.values():
                if target == account.login or account.external_id in (
                    target,
                    self._prefix() + target,
                ):
                    return account.id, account.login
            raise NotFound(f"compte enseignant introuvable dans l'établissement {uai} : {target}")
        model = SchoolClass if kind == "class" else Group
        rows = connection.execute(
            select(model.id, model.code)
            .where(
                model.structure_id == structure_id, or_(model.code == target, model.label == target)
            )
            .order_by(model.code != target, model.id)
        ).all()
        if not rows:
            what = "classe" if kind == "class" else "groupe"
            raise NotFound(
                f"{what} introuvable dans l'annuaire de l'établissement {uai} : {target}"
            )
        return int(rows[0].id), str(rows[0].code)

    def unmap(self, uai: str, kind: str, source: str) -> None:
        """Remove the mapping of ``source``; :class:`~entcore.NotFound` if there is none."""
        with self._app.store.connect() as connection, connection.begin():
            structure_id = self._structure_id(connection, uai)
            removed = connection.execute(
                delete(TimetableMapping).where(
                    TimetableMapping.structure_id == structure_id,
                    TimetableMapping.kind == kind,
                    TimetableMapping.source_key == normalise(source),
                )
            ).rowcount
        if not removed:
            raise NotFound(f"aucun rapprochement pour {source}")

    def mappings(self, uai: str) -> list[dict[str, Any]]:
        """The structure's mappings (*Rapprochements*), by kind and source."""
        with self._app.store.connect() as connection:
            structure_id = self._structure_id(connection, uai)
            rows = connection.execute(
                select(TimetableMapping)
                .where(TimetableMapping.structure_id == structure_id)
                .order_by(TimetableMapping.kind, TimetableMapping.source_key)
            ).all()
        return [
            {
                "kind": row.kind,
                "source": row.source,
                "target": row.target,
                "target_id": row.target_id,
            }
            for row in rows
        ]

    # -- piloting mode ----------------------------------------------------------------------

    def mode(self, uai: str) -> str:
        """The structure's piloting mode: ``directory`` or ``timetable``."""
        with self._app.store.connect() as connection:
            structure_id = self._structure_id(connection, uai)
            return str(
                connection.execute(
                    select(Structure.timetable_mode).where(Structure.id == structure_id)
                ).scalar_one()
            )

    def set_mode(self, uai: str, mode: str) -> None:
        """Set the piloting mode: ``timetable`` (validated imports populate classes and groups)
        or ``directory`` (the timetable only feeds the cahier de textes)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        with self._app.store.connect() as connection, connection.begin():
            structure_id = self._structure_id(connection, uai)
            connection.execute(
                update(Structure).where(Structure.id == structure_id).values(timetable_mode=mode)
            )

    # -- sessions ---------------------------------------------------------------------------

    def sessions(
        self,
        uai: str,
        *,
        class_code: str | None = None,
        group_code: str | None = None,
        teacher: str | None = None,
        start: date | None = None,
        end: date | None = None,
        include_deleted: bool = False,
    ) -> list[dict[str, Any]]:
        """Sessions of the cahier de textes, optionally of one class, group or teacher (login).

        ``start`` and ``end`` are inclusive days.  Soft-deleted sessions are left
        out unless ``include_deleted``.
        """
        if sum(x is not None for x in (class_code, group_code, teacher)) > 1:
            raise ValueError("give at most one of class_code, group_code and teacher")
        with self._app.store.connect() as connection:
            structure_id = self._structure_id(connection, uai)
            link: tuple[str, int] | None = None
            if class_code is not None or group_code is not None:
                model = SchoolClass if class_code is not None else Group
                code = class_code if class_code is not None else group_code
                found = connection.execute(
                    select(model.id).where(model.structure_id == structure_id, model.code == code)
                ).scalar_one_or_none()
                if found is None:
                    what = "classe inconnue" if class_code is not None else "groupe inconnu"
                    raise NotFound(f"{what} de l'établissement {uai} : {code}")
                link = ("class" if class_code is not None else "group", int(found))
            elif teacher is not None:
                account = connection.execute(
                    select(Account.id).where(
                        Account.login == teacher, Account.profile.in_(STAFF_PROFILES)
                    )
                ).scalar_one_or_none()
                if account is None:
                    raise NotFound(f"enseignant inconnu : {teacher}")
                link = ("teacher", int(account))
            return list_sessions(
                connection,
                structure_id,
                link=link,
                start=day_start(start).astimezone(UTC) if start else None,
                end=day_start(end + timedelta(days=1)).astimezone(UTC) if end else None,
                include_deleted=include_deleted,
            )
