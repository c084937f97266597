"""STS-Web as schools send it, through ``app.timetable``: an ``emp_sts`` alone, and with its ``sts_emp``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import entcore_sts
import pytest
from sts_support import EMP_STS, STS_EMP

from entcore import Entcore, ImportRefused, InvalidFileError, TimetableReport
from entcore.model import ClassRef, PersonRecord, Profile, StructureRecord
from entcore.testing import RecordFeed

Factory = Callable[..., Entcore]
UAI = "0999999X"
AUGUST = date(2024, 8, 30)


@pytest.fixture
def app(entcore_app_factory: Factory) -> Entcore:
    """The sts format on a directory holding MARTIN Claire (not under her STS id) and class 6A."""
    app = entcore_app_factory([entcore_sts], builtins=False)
    records = [
        StructureRecord("ST1", "COLLEGE JEAN MOULIN", uai=UAI),
        PersonRecord(
            "T-MARTIN",
            Profile.TEACHER,
            "MARTIN",
            "Claire",
            birth_date=date(1980, 3, 12),
            structures=("ST1",),
        ),
        PersonRecord(
            "E-DUPONT",
            Profile.STUDENT,
            "DUPONT",
            "Lucas",
            birth_date=date(2013, 5, 14),
            structures=("ST1",),
            classes=(ClassRef("ST1", "6A"),),
        ),
    ]
    app.directory.run_feed(RecordFeed(records), source="records")
    return app


def warnings(report: TimetableReport, kind: str) -> list[str]:
    return [w.message for w in report.warnings if w.kind == kind]


def test_emp_sts_alone_names_the_teacher_by_sts_id(app: Entcore) -> None:
    """Imported alone, a real emp_sts's teacher is « enseignant STS 8949 », never an empty name."""
    report = app.timetable.import_file(EMP_STS, UAI, as_of=AUGUST)
    unknown = warnings(report, "unknown_teacher")
    assert len(unknown) == 1
    assert unknown[0].startswith(
        "enseignant STS 8949 introuvable dans l'annuaire (essayé : rapprochement manuel, "
        "identifiant STS 8949) : ses cours sont importés sans lui"
    )
    assert 'teacher "STS 8949" IDENTIFIANT' in unknown[0]
    assert all("enseignant  " not in w.message for w in report.warnings)
    assert report.teachers.imported == 0 and report.teachers.not_imported == 1
    app.timetable.validate(report.id)
    names = {name for s in app.timetable.sessions(UAI) for name in s["teachers"]}
    assert names == {"STS 8949"}


def test_the_mapping_the_warning_suggests_works(app: Entcore) -> None:
    """`timetable map teacher "STS 8949" LOGIN`, as the warning says, matches the teacher."""
    login = app.timetable.map(UAI, "teacher", "STS 8949", "T-MARTIN")["target"]
    report = app.timetable.import_file(EMP_STS, UAI, as_of=AUGUST)
    assert warnings(report, "unknown_teacher") == []
    assert report.teachers.imported == 1
    assert login


@pytest.mark.parametrize("order", ["sts_emp first", "emp_sts first"])
def test_pair_in_one_import(app: Entcore, order: str) -> None:
    """sts_emp + emp_sts in one import: the teacher is matched by the name and birth date of sts_emp."""
    files = [STS_EMP, EMP_STS] if order == "sts_emp first" else [EMP_STS, STS_EMP]
    report = app.timetable.import_files(files, UAI, as_of=AUGUST)
    assert report.format == "sts"
    assert report.file_name == " + ".join(path.name for path in files)
    assert not any("8949" in message for message in warnings(report, "unknown_teacher"))
    # REMPLACANTE Anne of sts_emp teaches nothing in emp_sts and is not in the directory.
    assert report.teachers.imported == 1
    assert report.sessions.delta > 0
    app.timetable.validate(report.id)
    names = {name for s in app.timetable.sessions(UAI) for name in s["teachers"]}
    assert names == {"MARTIN CLAIRE"}
    # The identity is learnt: emp_sts alone is matched by the STS id from now on.
    again = app.timetable.import_file(EMP_STS, UAI, as_of=AUGUST)
    assert warnings(again, "unknown_teacher") == []
    assert again.teachers.imported == 1


def test_pair_refused_in_one_line(app: Entcore, tmp_path: Path) -> None:
    """Two sts_emp are no pair, nor is the same file twice; nothing is stored."""
    copy = tmp_path / "sts_emp_copie.xml"
    copy.write_bytes(STS_EMP.read_bytes())
    with pytest.raises(InvalidFileError) as refused:
        app.timetable.import_files([STS_EMP, copy], UAI)
    assert str(refused.value).startswith("sts_emp_copie.xml: deux fichiers sts_emp : ")
    assert "\n" not in str(refused.value)
    with pytest.raises(ImportRefused, match="le même fichier est donné deux fois"):
        app.timetable.import_files([STS_EMP, STS_EMP], UAI)
    assert app.stats()["timetable_imports"] == 0
