"""Timetable imports through ``app.timetable``: preview, validate, cancel, re-import, refusals, hooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import select

import entcore
from entcore import Entcore, ImportRefused, InvalidFileError, NotFound, UnknownFormatError
from entcore.model import Course, ItemKind, SchoolYear, TimetableTeacher
from entcore.store.timetable_schema import ContentRow, SessionRow, TimetableImport
from tests.timetable.builders import (
    ANNUAL,
    FORTNIGHTLY,
    STRUCTURE,
    UAI,
    dump_tables,
    item,
    make_app,
    minimal_directory,
    minimal_snapshot,
    populate,
    replace_course,
    snapshot_file,
    sts_emp_snapshot,
    teacher,
)
from tests.timetable.snapshot_format import write_broken

Factory = Callable[..., Entcore]
AUGUST = date(2024, 8, 30)


class Recorder:
    """A plugin recording the lifecycle hooks, and what the store held when they fired."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    @entcore.hookimpl
    def entcore_timetable_validated(self, app: Entcore, report: Any) -> None:
        with app.store.connect() as connection:
            status = connection.execute(
                select(TimetableImport.status).where(TimetableImport.id == report.id)
            ).scalar_one()
        self.calls.append(("validated", (report.id, report.status, status)))

    @entcore.hookimpl
    def entcore_timetable_initialised(self, app: Entcore, structure: Any) -> None:
        self.calls.append(("initialised", structure))


def first_import(app: Entcore, tmp_path: Path, **options: Any) -> entcore.TimetableReport:
    return app.timetable.import_file(
        snapshot_file(tmp_path, minimal_snapshot()), UAI, as_of=AUGUST, **options
    )


def session_rows(app: Entcore) -> dict[str, Any]:
    """Every stored session by key, with the teachers and rooms of its content."""
    with app.store.connect() as connection:
        rows = connection.execute(
            select(SessionRow, ContentRow.teachers, ContentRow.rooms, ContentRow.subject_code).join(
                ContentRow, ContentRow.id == SessionRow.content_id
            )
        )
        return {row.key: row for row in rows}


def test_first_import_report(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """The preliminary report of §10.2 against a directory holding its people; nothing is applied."""
    app = make_app(entcore_app_factory)
    report = first_import(app, tmp_path)
    data = report.to_json()
    assert data["status"] == "pending" and isinstance(data["id"], int)
    assert data["format"] == "ttjson" and data["uai"] == UAI and data["school_year"] == "2024-2025"
    assert data["subjects"] == {"added": 3, "modified": 0}
    assert data["closure_periods"] == {"added": 4, "deleted": 0}
    assert data["alternations"] == {"added": 2, "modified": 0, "deleted": 0}
    assert data["teaching_services"] == {
        "added": 3,
        "added_incomplete": 1,
        "modified": 0,
        "modified_incomplete": 0,
        "deleted": 0,
        "deleted_incomplete": 0,
    }
    assert data["sessions"] == {"delta": 36 + 17 + 1}
    assert data["classes"] == {"imported": 2, "not_imported": 0}
    assert data["option_groups"] == {"imported": 1, "not_imported": 0}
    assert data["teachers"] == {"imported": 3, "not_imported": 0}
    assert data["weekly"] == {
        "replacements": {"delta": 1, "total": 1},
        "cancellations": {"delta": 1, "total": 1},
        "exceptional_courses": {"delta": 1, "total": 1},
    }
    kinds = {w["kind"]: w for w in data["warnings"]}
    assert set(kinds) == {"class_part_course", "teacher_matched_by_name"}
    part = kinds["class_part_course"]
    assert part["classes"] == ["6A"] and part["parts"] == ["12"] and part["course"] == "eps-part"
    assert (
        "EPS" in part["message"]
        and "6A" in part["message"]
        and "générez des groupes" in part["message"]
    )
    assert kinds["teacher_matched_by_name"]["login"] == "lea.petit"
    assert app.stats()["sessions"] == 0 and app.stats()["timetable_imports"] == 0
    assert app.timetable.report(report.id).to_json() == data


def test_validate_then_reimport_changes_nothing(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """Validating applies the preview; the same file again reports no change and writes nothing."""
    app = make_app(entcore_app_factory)
    report = first_import(app, tmp_path)
    validated = app.timetable.validate(report.id)
    assert validated.status == "validated" and validated.validated_at is not None
    assert validated.counts_json() == report.counts_json()
    stats = app.stats()
    assert stats["timetable_imports"] == 1 and stats["sessions"] == 54
    before = session_rows(app)
    assert len(before) == 55  # 54 active and the cancelled English lesson
    again = first_import(app, tmp_path)
    data = again.to_json()
    assert data["subjects"] == {"added": 0, "modified": 0}
    assert data["closure_periods"] == {"added": 0, "deleted": 0}
    assert data["alternations"] == {"added": 0, "modified": 0, "deleted": 0}
    assert set(data["teaching_services"].values()) == {0}
    assert data["sessions"] == {"delta": 0}
    assert {k: v["delta"] for k, v in data["weekly"].items()} == dict.fromkeys(data["weekly"], 0)
    assert {k: v["total"] for k, v in data["weekly"].items()} == dict.fromkeys(data["weekly"], 1)
    app.timetable.validate(again.id)
    after = session_rows(app)
    assert {k: (r.id, r.fingerprint, r.updated_at) for k, r in after.items()} == {
        k: (r.id, r.fingerprint, r.updated_at) for k, r in before.items()
    }
    with app.store.connect() as connection:
        year = connection.execute(
            select(entcore.store.schema.Structure.school_year)  # type: ignore[attr-defined]
        ).scalar_one()
    assert year == "2024-2025"


def test_cancel_leaves_the_store_unchanged(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Cancelling marks the import cancelled; every other row of every table is as before."""
    app = make_app(entcore_app_factory)
    app.timetable.validate(first_import(app, tmp_path).id)
    changed = replace_course(minimal_snapshot(), "english-group", None)
    before = dump_tables(app)
    pending = app.timetable.import_file(
        snapshot_file(tmp_path, changed, "v2.json"), UAI, as_of=date(2024, 10, 1)
    )
    cancelled = app.timetable.cancel(pending.id)
    assert cancelled.status == "cancelled"
    after = dump_tables(app)
    imports_before, imports_after = before.pop("timetable_imports"), after.pop("timetable_imports")
    assert after == before
    assert len(imports_after) == len(imports_before) + 1
    assert app.timetable.report(pending.id).status == "cancelled"
    with pytest.raises(ImportRefused, match="annulé"):
        app.timetable.validate(pending.id)
    with pytest.raises(ImportRefused, match="annulé"):
        app.timetable.cancel(pending.id)


@pytest.mark.parametrize(
    ("case", "error", "match"),
    [
        ("unrecognised", UnknownFormatError, r"aucun format d'emploi du temps installé.*ttjson"),
        ("not_installed", UnknownFormatError, r"non installé : edt \(formats installés : ttjson\)"),
        ("other_school", ImportRefused, "0999999X, pas 0888888Y"),
        ("damaged", InvalidFileError, "conteneur illisible"),
        ("unknown_uai", NotFound, "établissement inconnu : UAI 0111111A"),
        ("missing_file", FileNotFoundError, "fichier introuvable"),
    ],
)
def test_bad_input_leaves_nothing_pending(
    entcore_app_factory: Factory, tmp_path: Path, case: str, error: type[Exception], match: str
) -> None:
    """A refused file: a one-line error, no pending import, nothing changed."""
    other = teacher("T-X", "AUTRE", "Prof", structure="ST2")
    records = [
        *minimal_directory(),
        entcore.model.StructureRecord("ST2", "LYCEE", uai="0888888Y"),
        other,
    ]
    app = make_app(entcore_app_factory, records=records)
    before = dump_tables(app)
    good = snapshot_file(tmp_path, minimal_snapshot())
    calls = {
        "unrecognised": lambda: app.timetable.import_file(
            _write(tmp_path / "notes.txt", "nom;prénom\n"), UAI
        ),
        "not_installed": lambda: app.timetable.import_file(good, UAI, format="edt"),
        "other_school": lambda: app.timetable.import_file(good, "0888888Y"),
        "damaged": lambda: app.timetable.import_file(
            write_broken(tmp_path / "broken.json", "conteneur illisible : clé AES invalide"), UAI
        ),
        "unknown_uai": lambda: app.timetable.import_file(good, "0111111A"),
        "missing_file": lambda: app.timetable.import_file(tmp_path / "absent.xml", UAI),
    }
    with pytest.raises(error, match=match) as raised:
        calls[case]()
    assert "\n" not in str(raised.value)
    assert dump_tables(app) == before


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_school_year_changes_need_new_year(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """A file of another year is refused without --new-year; --new-year restarts the totals."""
    recorder = Recorder()
    app = make_app(entcore_app_factory, recorder)
    app.timetable.validate(first_import(app, tmp_path).id)
    next_year = minimal_snapshot(
        school_year=SchoolYear(date(2025, 9, 1), date(2026, 7, 3), date(2025, 9, 1))
    )
    path = snapshot_file(tmp_path, next_year, "2025.json")
    before = dump_tables(app)
    with pytest.raises(ImportRefused, match=r"2025-2026.*2024-2025.*--new-year"):
        app.timetable.import_file(path, UAI, as_of=date(2025, 8, 29))
    with pytest.raises(ImportRefused, match="--new-year refusé"):
        app.timetable.import_file(snapshot_file(tmp_path, minimal_snapshot()), UAI, new_year=True)
    assert dump_tables(app) == before
    report = app.timetable.import_file(path, UAI, as_of=date(2025, 8, 29), new_year=True)
    data = report.to_json()
    assert data["school_year"] == "2025-2026"
    assert data["subjects"] == {"added": 0, "modified": 0}
    assert data["sessions"] == {"delta": 0}
    assert data["closure_periods"]["added"] == 4 and data["closure_periods"]["deleted"] == 4
    assert {k: v["total"] for k, v in data["weekly"].items()} == dict.fromkeys(data["weekly"], 1)
    app.timetable.validate(report.id)
    assert [name for name, _ in recorder.calls] == [
        "validated",
        "initialised",
        "validated",
        "initialised",
    ]
    assert app.stats()["sessions"] == 108


def test_hook_entcore_timetable_validated(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Fires once per validation, after the commit, with the validated report; never on cancel."""
    recorder = Recorder()
    app = make_app(entcore_app_factory, recorder)
    first = first_import(app, tmp_path)
    assert recorder.calls == []
    app.timetable.validate(first.id)
    assert recorder.calls[0] == ("validated", (first.id, "validated", "validated"))
    second = first_import(app, tmp_path)
    app.timetable.cancel(first_import(app, tmp_path).id)
    app.timetable.validate(second.id)
    validated = [details for name, details in recorder.calls if name == "validated"]
    assert validated == [
        (first.id, "validated", "validated"),
        (second.id, "validated", "validated"),
    ]


def test_hook_entcore_timetable_initialised(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Fires right after the first validation of a structure only, with the structure."""
    recorder = Recorder()
    app = make_app(entcore_app_factory, recorder)
    app.timetable.validate(first_import(app, tmp_path).id)
    assert [name for name, _ in recorder.calls] == ["validated", "initialised"]
    structure = recorder.calls[1][1]
    assert (structure.uai, structure.external_id, structure.name) == (
        UAI,
        STRUCTURE,
        "COLLEGE DE TEST",
    )
    app.timetable.validate(first_import(app, tmp_path).id)
    assert [name for name, _ in recorder.calls] == ["validated", "initialised", "validated"]


def test_failing_validated_hook_still_initialises_and_keeps_the_validation(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """A raising entcore_timetable_validated: LifecycleHookError naming the plugin, the import
    stays validated, and entcore_timetable_initialised still fires (it fires only once)."""

    class Faulty:
        @entcore.hookimpl
        def entcore_timetable_validated(self) -> None:
            raise ValueError("the school-life service refused the timetable")

    recorder = Recorder()
    app = make_app(entcore_app_factory, Faulty(), recorder)
    pending = first_import(app, tmp_path)
    with pytest.raises(entcore.LifecycleHookError) as raised:
        app.timetable.validate(pending.id)
    assert raised.value.plugin is not None and "Faulty" in raised.value.plugin.plugin
    assert raised.value.hook == "entcore_timetable_validated"
    assert str(raised.value).startswith(
        f"import d'emploi du temps n° {pending.id} validé et enregistré, mais le plugin"
    )
    assert app.timetable.report(pending.id).status == "validated"
    assert app.stats()["sessions"] > 0
    assert "initialised" in [name for name, _ in recorder.calls]


def test_validation_refused_when_the_store_changed(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """A directory import or another validation since the preview: refused, nothing applied."""
    app = make_app(entcore_app_factory)
    pending = first_import(app, tmp_path)
    populate(app, minimal_directory(extra=[teacher("T-NEW", "NOUVEAU", "Prof", date(1970, 1, 1))]))
    with pytest.raises(ImportRefused, match=r"import annuaire a eu lieu.*réimportez le fichier"):
        app.timetable.validate(pending.id)
    assert app.stats()["sessions"] == 0
    assert app.timetable.report(pending.id).status == "pending"
    one, two = first_import(app, tmp_path), first_import(app, tmp_path)
    app.timetable.validate(one.id)
    with pytest.raises(ImportRefused, match=r"autre import d'emploi du temps.*a été validé"):
        app.timetable.validate(two.id)
    app.timetable.map(UAI, "class", "6A", "6A")
    three = first_import(app, tmp_path)
    app.timetable.set_mode(UAI, "timetable")
    with pytest.raises(ImportRefused, match="mode de pilotage a changé"):
        app.timetable.validate(three.id)
    with pytest.raises(NotFound, match="n° 999"):
        app.timetable.validate(999)


def test_validation_refused_once_planned_sessions_started(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """Without --as-of, a validation after a changed session began must be re-imported."""
    app = make_app(entcore_app_factory)
    path = snapshot_file(tmp_path, minimal_snapshot())
    previewed = datetime(2024, 9, 1, 20, 0, tzinfo=UTC)
    late = app.timetable.import_file(path, UAI, now=previewed)
    with pytest.raises(
        ImportRefused, match=r"ont commencé depuis l'aperçu \(la première le 02/09/2024 à 08:00\)"
    ):
        app.timetable.validate(late.id, now=datetime(2024, 9, 2, 9, 0, tzinfo=UTC))
    assert app.stats()["sessions"] == 0
    report = app.timetable.validate(late.id, now=datetime(2024, 9, 1, 21, 0, tzinfo=UTC))
    assert report.as_of is None
    assert app.stats()["sessions"] == 54


def test_past_sessions_are_never_touched(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """A later import changes and soft-deletes future sessions only; keys and rows survive."""
    app = make_app(entcore_app_factory)
    app.timetable.validate(first_import(app, tmp_path).id)
    before = session_rows(app)
    snapshot = minimal_snapshot()
    maths = next(c for c in snapshot.courses if c.key == "maths-6a")
    moved = attrs.evolve(maths, items=(*maths.items[:3], item(ItemKind.ROOM, "2", ANNUAL)))
    changed = replace_course(replace_course(snapshot, "maths-6a", moved), "english-group", None)
    cutoff = date(2024, 10, 2)  # the English lesson of Tuesday 1 October was cancelled
    report = app.timetable.import_file(
        snapshot_file(tmp_path, changed, "v2.json"), UAI, as_of=cutoff
    )
    assert report.sessions.delta == -17
    assert report.weekly.cancellations.delta == 0 and report.weekly.cancellations.total == 1
    app.timetable.validate(report.id)
    after = session_rows(app)
    assert set(after) == set(before), "rows are updated or soft-deleted, never removed"
    for key, row in after.items():
        old = before[key]
        assert row.id == old.id
        if row.day < cutoff:
            assert (row.rooms, row.status, row.fingerprint) == (
                old.rooms,
                old.status,
                old.fingerprint,
            )
        elif row.subject_code == "MATHS" and row.day.isoweekday() == 1:
            assert row.rooms == ["GYMNASE"] and row.status == "active"
        elif row.subject_code == "AGL1":
            assert row.status == "deleted" and row.deleted_at is not None
    english = [r for r in after.values() if r.subject_code == "AGL1"]
    assert {r.status for r in english if r.day < cutoff} == {"active", "cancelled"}
    listed = app.timetable.sessions(UAI, group_code="6AB ANGL G1")
    assert {s["date"] for s in listed} == {r.day.isoformat() for r in english if r.day < cutoff}
    with_deleted = app.timetable.sessions(UAI, group_code="6AB ANGL G1", include_deleted=True)
    assert len(with_deleted) == len(english)
    # The course comes back: its soft-deleted future sessions are restored in place.
    back = app.timetable.import_file(
        snapshot_file(tmp_path, minimal_snapshot(), "v3.json"), UAI, as_of=date(2024, 10, 3)
    )
    app.timetable.validate(back.id)
    restored = session_rows(app)
    assert {
        r.id for r in restored.values() if r.subject_code == "AGL1" and r.status != "deleted"
    } == {r.id for r in english}


def test_replacement_week_updates_the_session_in_place(
    entcore_app_factory: Factory, tmp_path: Path
) -> None:
    """A new replacement keeps the session's key and row: what is attached to it survives."""
    app = make_app(entcore_app_factory)
    app.timetable.validate(first_import(app, tmp_path).id)
    before = session_rows(app)
    snapshot = minimal_snapshot()
    english = next(c for c in snapshot.courses if c.key == "english-group")
    week_11 = 1 << 11
    replaced = attrs.evolve(
        english,
        items=(
            item(ItemKind.TEACHER, "2", FORTNIGHTLY & ~week_11),
            item(ItemKind.TEACHER, "3", week_11),
            *english.items[1:],
        ),
    )
    report = app.timetable.import_file(
        snapshot_file(tmp_path, replace_course(snapshot, "english-group", replaced), "v2.json"),
        UAI,
        as_of=AUGUST,
    )
    assert report.weekly.replacements.delta == 1 and report.weekly.replacements.total == 2
    assert report.teaching_services.modified == 0
    app.timetable.validate(report.id)
    after = session_rows(app)
    (changed,) = [k for k in after if after[k].fingerprint != before[k].fingerprint]
    assert after[changed].id == before[changed].id
    assert after[changed].day == date(2024, 11, 12)
    assert [t["login"] for t in after[changed].teachers] == ["lea.petit"]
    assert after[changed].kind == "replacement"


def test_learnt_links_and_matching_rules(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Name match learns the Pronote id; STS id matches the jointure; the unmatched are listed."""
    app = make_app(entcore_app_factory)
    stranger = TimetableTeacher("9", "INCONNU", "Jean", date(1970, 2, 2), "ZZZZ")
    snapshot = minimal_snapshot()
    snapshot = attrs.evolve(
        snapshot,
        teachers=(*snapshot.teachers, stranger),
        courses=(
            *snapshot.courses,
            Course(
                "stranger",
                "2",
                3,
                time(14),
                time(15),
                items=(item(ItemKind.TEACHER, "9", ANNUAL), item(ItemKind.CLASS, "1", ANNUAL)),
            ),
        ),
    )
    report = app.timetable.import_file(snapshot_file(tmp_path, snapshot), UAI, as_of=AUGUST)
    assert report.teachers.imported == 3 and report.teachers.not_imported == 1
    (unknown,) = [w for w in report.warnings if w.kind == "unknown_teacher"]
    assert unknown.details["teacher"] == "INCONNU Jean"
    assert unknown.details["tried"] == [
        "rapprochement manuel",
        "identifiant Pronote ZZZZ",
        "nom, prénom et date de naissance (02/02/1970)",
    ]
    assert (report.teaching_services.added, report.teaching_services.added_incomplete) == (4, 2)
    app.timetable.validate(report.id)
    stranger_sessions = [
        s for s in app.timetable.sessions(UAI, class_code="6A") if s["start"][11:13] == "14"
    ]
    assert stranger_sessions and stranger_sessions[0]["teachers"] == ["INCONNU Jean"]
    assert stranger_sessions[0]["teacher_logins"] == []
    # The directory renames PETIT: the Pronote id learnt at validation still finds her.
    records = minimal_directory()
    records[3] = teacher("T-PETIT", "PETIT-DURAND", "Léa", date(1990, 6, 1))
    populate(app, records)
    again = app.timetable.import_file(snapshot_file(tmp_path, snapshot), UAI, as_of=AUGUST)
    assert again.teachers.imported == 3
    assert not [w for w in again.warnings if w.kind == "teacher_matched_by_name"]
    assert app.timetable.sessions(UAI, teacher="lea.petit")[0]["date"] == "2024-09-16"


def test_mappings_are_used_by_later_imports(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Unmatched class, group and teacher; mapped once; every later import uses the mappings."""
    records = minimal_directory(with_group=False)
    records[1] = teacher("T-MARTIN", "MARTIN-LEROY", "Claire", date(1980, 3, 12))
    records[5] = attrs.evolve(records[5], classes=(entcore.model.ClassRef(STRUCTURE, "6EME B"),))
    records.append(
        attrs.evolve(
            records[4],
            external_id="E-OTHER",
            last_name="AUTRE",
            groups=(entcore.model.ClassRef(STRUCTURE, "ANG-G1"),),
        )
    )
    app = make_app(entcore_app_factory, records=records)
    path = snapshot_file(tmp_path, minimal_snapshot())
    report = app.timetable.import_file(path, UAI, as_of=AUGUST)
    assert report.classes.not_imported == 1 and report.option_groups.not_imported == 1
    assert report.teachers.not_imported == 1
    assert {"unknown_class", "unknown_group", "unknown_teacher"} <= {
        w.kind for w in report.warnings
    }
    assert report.sessions.delta == 36, "only the 6A maths course has a known audience"
    app.timetable.map(UAI, "class", "6B", "6EME B")
    app.timetable.map(UAI, "group", "6AB ANGL G1", "ANG-G1")
    assert app.timetable.map(UAI, "teacher", "MARTIN Claire", "claire.martinleroy")["target"] == (
        "claire.martinleroy"
    )
    with pytest.raises(NotFound, match="groupe introuvable"):
        app.timetable.map(UAI, "group", "X", "NOPE")
    with pytest.raises(NotFound, match="compte enseignant introuvable"):
        app.timetable.map(UAI, "teacher", "X", "nobody")
    assert [(m["kind"], m["source"], m["target"]) for m in app.timetable.mappings(UAI)] == [
        ("class", "6B", "6EME B"),
        ("group", "6AB ANGL G1", "ANG-G1"),
        ("teacher", "MARTIN Claire", "claire.martinleroy"),
    ]
    mapped = app.timetable.import_file(path, UAI, as_of=AUGUST)
    assert (
        mapped.classes.not_imported,
        mapped.option_groups.not_imported,
        mapped.teachers.not_imported,
    ) == (0, 0, 0)
    assert mapped.sessions.delta == 54
    app.timetable.validate(mapped.id)
    assert len(app.timetable.sessions(UAI, group_code="ANG-G1")) == 18
    assert len(app.timetable.sessions(UAI, class_code="6EME B")) == 1
    assert len(app.timetable.sessions(UAI, teacher="claire.martinleroy")) == 36
    app.timetable.unmap(UAI, "class", "6b")
    with pytest.raises(NotFound, match="aucun rapprochement"):
        app.timetable.unmap(UAI, "class", "6B")


def test_sessions_listing(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Sessions by class, group or teacher and by dates, in time order, with their content."""
    app = make_app(entcore_app_factory)
    app.timetable.validate(first_import(app, tmp_path).id)
    week = app.timetable.sessions(UAI, start=date(2024, 9, 2), end=date(2024, 9, 8))
    assert [(s["date"], s["subject"]) for s in week] == [
        ("2024-09-02", "MATHS"),
        ("2024-09-03", "AGL1"),
    ]
    first = week[0]
    assert first == {
        "key": first["key"],
        "series": first["series"],
        "date": "2024-09-02",
        "start": "2024-09-02T08:00:00+02:00",
        "end": "2024-09-02T09:50:00+02:00",
        "subject": "MATHS",
        "subject_label": "MATHEMATIQUES",
        "teachers": ["MARTIN Claire"],
        "teacher_logins": ["claire.martin"],
        "classes": ["6A"],
        "groups": [],
        "rooms": ["S101"],
        "status": "active",
        "kind": "regular",
        "school_year": "2024-2025",
    }
    assert len(app.timetable.sessions(UAI, class_code="6B")) == 1
    assert len(app.timetable.sessions(UAI, teacher="paul.durand")) == 18
    cancelled = [
        s for s in app.timetable.sessions(UAI, group_code="6AB ANGL G1") if s["status"] != "active"
    ]
    assert [(s["date"], s["status"]) for s in cancelled] == [("2024-10-01", "cancelled")]
    with pytest.raises(NotFound, match="classe inconnue"):
        app.timetable.sessions(UAI, class_code="5Z")
    with pytest.raises(NotFound, match="enseignant inconnu"):
        app.timetable.sessions(UAI, teacher="lucas.dupont")


def test_reports_listing_newest_first(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """Bilans d'import: every import of the structure with its status."""
    app = make_app(entcore_app_factory)
    one = first_import(app, tmp_path)
    app.timetable.validate(one.id)
    two = first_import(app, tmp_path)
    app.timetable.cancel(two.id)
    three = first_import(app, tmp_path)
    assert [(r.id, r.status) for r in app.timetable.reports(UAI)] == [
        (three.id, "pending"),
        (two.id, "cancelled"),
        (one.id, "validated"),
    ]
    assert app.timetable.reports(UAI.lower())[0].id == three.id


def test_old_reports_are_purged(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """With keep_reports_days, old reports go, but never the structure's last validated one."""
    app = make_app(entcore_app_factory, config="[timetable]\nkeep_reports_days = 10\n")
    long_ago = datetime(2024, 8, 1, tzinfo=UTC)
    path = snapshot_file(tmp_path, minimal_snapshot())
    kept = app.timetable.import_file(path, UAI, as_of=AUGUST, now=long_ago)
    app.timetable.validate(kept.id, now=long_ago)
    dropped = app.timetable.import_file(path, UAI, as_of=AUGUST, now=long_ago)
    fresh = app.timetable.import_file(
        path, UAI, as_of=AUGUST, now=datetime(2024, 8, 29, tzinfo=UTC)
    )
    assert [r.id for r in app.timetable.reports(UAI)] == [fresh.id, kept.id]
    assert dropped.id not in {r.id for r in app.timetable.reports(UAI)}


def test_mode(entcore_app_factory: Factory) -> None:
    """The piloting mode is per structure; directory by default."""
    app = make_app(entcore_app_factory)
    assert app.timetable.mode(UAI) == "directory"
    app.timetable.set_mode(UAI, "timetable")
    assert app.timetable.mode(UAI) == "timetable"
    with pytest.raises(ValueError, match="mode must be"):
        app.timetable.set_mode(UAI, "both")
    with pytest.raises(NotFound):
        app.timetable.mode("0111111A")


def test_sts_services_and_format_notices(entcore_app_factory: Factory, tmp_path: Path) -> None:
    """§10.4 through the engine: explicit services, STS id = jointure, notices become warnings."""
    records = [
        entcore.model.StructureRecord(STRUCTURE, "COLLEGE JEAN MOULIN", uai=UAI),
        teacher("8949", "MARTIN", "Claire", date(1980, 3, 12)),
        teacher("T-ANNE", "REMPLACANTE", "Anne"),
        *[
            attrs.evolve(
                record,
                classes=(entcore.model.ClassRef(STRUCTURE, code),),
                groups=(entcore.model.ClassRef(STRUCTURE, "6AB_ANGL"),),
            )
            for record, code in zip(minimal_directory()[4:6], ["6A", "6B"], strict=True)
        ],
    ]
    app = make_app(entcore_app_factory, records=records)
    notice = entcore.model.TimetableNotice("entity_added", "enseignant « 3506 » absent : ajouté")
    snapshot = attrs.evolve(sts_emp_snapshot(), notices=(notice,))
    report = app.timetable.import_file(snapshot_file(tmp_path, snapshot), UAI)
    assert report.teachers.imported == 2 and report.classes.imported == 2
    assert report.teaching_services.added == 3 and report.teaching_services.added_incomplete == 1
    assert report.sessions.delta == 0 and report.closure_periods.added == 0
    kinds = [w.kind for w in report.warnings]
    assert kinds[0] == "entity_added" and report.warnings[0].details == {"source": "ttjson"}
    assert "teacher_matched_by_name" in kinds, "REMPLACANTE has no birth date in STS-Web"
    modalities = attrs.evolve(
        snapshot,
        services=(
            *(snapshot.services or ()),
            attrs.evolve((snapshot.services or ())[0], modality="TD"),
        ),
    )
    app.timetable.validate(report.id)
    second = app.timetable.import_file(snapshot_file(tmp_path, modalities, "td.json"), UAI)
    assert (second.teaching_services.added, second.teaching_services.modified) == (1, 0)
