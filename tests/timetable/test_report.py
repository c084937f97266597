"""The report: its JSON shape and its French renderings (text, HTML, CSV)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from entcore.timetable.render import count, render, render_csv, render_html, render_text
from entcore.timetable.report import (
    AlternationCounts,
    ClosureCounts,
    ImportedCounts,
    ReportWarning,
    ServiceCounts,
    SessionCounts,
    SubjectCounts,
    Tally,
    TimetableReport,
    WeeklyCounts,
)

#: The keys of the issue, and the context keys of the report.
JSON_KEYS = {
    "id",
    "uai",
    "format",
    "status",
    "subjects",
    "closure_periods",
    "alternations",
    "teaching_services",
    "sessions",
    "classes",
    "option_groups",
    "teachers",
    "groups_to_create",
    "groups_to_rename",
    "classes_and_groups_with_teachers_to_add",
    "classes_and_groups_with_students_to_add",
    "weekly",
    "warnings",
    "created_at",
    "validated_at",
    "file_name",
    "school_year",
    "as_of",
}


def seed_report() -> TimetableReport:
    """The figures of the users' slides (rentrée 2021, Haute-Savoie)."""
    return TimetableReport(
        uai="0740001A",
        format="edt",
        file_name="Edt_To_Kosmos_0740001A.xml",
        school_year="2021-2022",
        id=7,
        subjects=SubjectCounts(0, 0),
        closure_periods=ClosureCounts(0, 0),
        alternations=AlternationCounts(added=2, modified=0, deleted=2),
        teaching_services=ServiceCounts(0, 0, 194, 0, 0, 0),
        sessions=SessionCounts(-6749),
        classes=ImportedCounts(16, 1),
        option_groups=ImportedCounts(89, 0),
        teachers=ImportedCounts(34, 3),
        weekly=WeeklyCounts(Tally(0, 0), Tally(4, 4), Tally(1, 7)),
        created_at=datetime(2021, 8, 30, 8, 15, tzinfo=UTC),
    )


def test_text_uses_the_wording_of_the_slides() -> None:
    """Every line of the slides' preliminary report, with its agreement."""
    text = render_text(seed_report())
    lines = [line.strip().lstrip("- ") for line in text.splitlines()]
    assert lines[0] == (
        "Bilan préliminaire d'import des données de vie scolaire sauvegardées après validation :"
    )
    for expected in [
        "Matières",
        "0 matière ajoutée",
        "0 matière modifiée",
        "Périodes de fermeture",
        "0 période de fermeture ajoutée",
        "0 période de fermeture supprimée",
        "2 alternances ajoutées",
        "0 alternance modifiée",
        "2 alternances supprimées",
        "Services d'enseignement",
        "0 service d'enseignement ajouté dont 0 incomplet",
        "194 services d'enseignement modifiés dont 0 incomplet",
        "0 service d'enseignement supprimé dont 0 incomplet",
        "6749 séances en moins depuis l'import précédent",
        "Classes / Services d'enseignement",
        "16 classes dont les services ont été importés",
        "1 classe dont les services n'ont pas été importés",
        "Groupes d'option / Services d'enseignement",
        "89 groupes d'option dont les services ont été importés",
        "0 groupe d'option dont les services n'ont pas été importés",
        "Enseignants / Cours",
        "34 enseignants dont les cours ont été importés",
        "3 enseignants dont les cours n'ont pas été importés",
        "Gestion des classes et groupes d'option",
        "0 groupe d'option à créer",
        "0 groupe d'option à renommer",
        "0 classe et groupe d'option avec des enseignants à ajouter",
        "0 classe et groupe d'option avec des élèves à ajouter",
        'Bilan des données "emploi du temps à la semaine" depuis le début de l\'année scolaire',
        "Ecart depuis l'import précédent : 0 remplacement en plus",
        "Total cumulé de remplacements depuis le début de l'année scolaire : 0",
        "Annulations de cours",
        "Ecart depuis l'import précédent : 4 annulations de cours en plus",
        "Total cumulé d'annulations de cours depuis le début de l'année scolaire : 4",
        "Cours exceptionnels",
        "Ecart depuis l'import précédent : 1 cours exceptionnel en plus",
        "Total cumulé de cours exceptionnels depuis le début de l'année scolaire : 7",
        "Télécharger le bilan : entcore timetable report 7 --format html",
        "Annuler l'import : entcore timetable cancel 7",
        "Valider cet import : entcore timetable validate 7",
    ]:
        assert expected in lines, expected


def test_plurals_and_signs() -> None:
    """0 and 1 are singular; negative gaps say « en moins »; plural nouns and adjectives agree."""
    assert count(0, "matière ajoutée", "matières ajoutées") == "0 matière ajoutée"
    assert count(1, "classe", "classes") == "1 classe"
    assert count(2, "alternance ajoutée", "alternances ajoutées") == "2 alternances ajoutées"
    report = seed_report()
    report.teaching_services = ServiceCounts(
        added=2, added_incomplete=2, modified=1, modified_incomplete=1
    )
    report.sessions = SessionCounts(1)
    report.weekly = WeeklyCounts(Tally(-2, 3), Tally(0, 0), Tally(2, 2))
    report.groups_to_create = 2
    report.classes_and_groups_with_students_to_add = 5
    text = render_text(report)
    assert "2 services d'enseignement ajoutés dont 2 incomplets" in text
    assert "1 service d'enseignement modifié dont 1 incomplet" in text
    assert "1 séance en plus depuis l'import précédent" in text
    assert "Ecart depuis l'import précédent : 2 remplacements en moins" in text
    assert "Ecart depuis l'import précédent : 2 cours exceptionnels en plus" in text
    assert "2 groupes d'option à créer" in text
    assert "5 classes et groupes d'option avec des élèves à ajouter" in text


def test_status_changes_the_heading_and_the_actions() -> None:
    """A validated or cancelled report offers only the download."""
    report = seed_report()
    report.status = "validated"
    report.validated_at = datetime(2021, 8, 30, 9, 0, tzinfo=UTC)
    text = render_text(report)
    assert text.splitlines()[0].startswith(
        "Bilan d'import des données de vie scolaire — import validé le 30/08/2021 à 11:00"
    )
    assert "Valider cet import" not in text and "Télécharger le bilan" in text
    report.status = "cancelled"
    assert "import annulé" in render_text(report).splitlines()[0]


def test_html_is_escaped_and_complete() -> None:
    """Names and warnings are escaped; every line of the text is in the page."""
    report = seed_report()
    report.file_name = "<export>&.xml"
    report.warnings = [
        ReportWarning("unknown_class", "classe <b>6A</b> & co introuvable", {"class_name": "6A"})
    ]
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "&lt;export&gt;&amp;.xml" in page and "<export>" not in page
    assert "classe &lt;b&gt;6A&lt;/b&gt; &amp; co introuvable" in page and "<b>" not in page
    assert '<li data-key="alternations.added">2 alternances ajoutées</li>' in page
    assert "Valider cet import" in page


def test_csv_lists_every_figure() -> None:
    """One row per figure (section, key, French label, value) and one per warning."""
    report = seed_report()
    report.warnings = [ReportWarning("unknown_teacher", "enseignant DUPONT; Jean introuvable")]
    rows = list(csv.reader(io.StringIO(render_csv(report)), delimiter=";"))
    assert rows[0] == ["rubrique", "clé", "libellé", "valeur"]
    by_key = {row[1]: row for row in rows[1:]}
    assert by_key["sessions.delta"] == [
        "Séances",
        "sessions.delta",
        "6749 séances en moins depuis l'import précédent",
        "-6749",
    ]
    assert by_key["weekly.exceptional_courses.total"][3] == "7"
    assert by_key["unknown_teacher"] == [
        "Avertissements",
        "unknown_teacher",
        "enseignant DUPONT; Jean introuvable",
        "",
    ]
    assert len(rows) == 1 + 2 + 2 + 3 + 3 + 1 + 2 + 2 + 2 + 4 + 6 + 1


def test_json_has_exactly_the_documented_keys() -> None:
    """to_json has the issue's keys (integers) and context; from_json reads it back."""
    report = seed_report()
    report.warnings = [ReportWarning("class_part_course", "cours non importé", {"classes": ["6A"]})]
    data = report.to_json()
    assert set(data) == JSON_KEYS
    assert data["teaching_services"] == {
        "added": 0,
        "added_incomplete": 0,
        "modified": 194,
        "modified_incomplete": 0,
        "deleted": 0,
        "deleted_incomplete": 0,
    }
    assert data["weekly"]["exceptional_courses"] == {"delta": 1, "total": 7}
    assert data["warnings"] == [
        {"kind": "class_part_course", "message": "cours non importé", "classes": ["6A"]}
    ]
    assert TimetableReport.from_json(json.loads(json.dumps(data))).to_json() == data
    assert json.loads(render(report, "json")) == data


def test_unknown_rendering() -> None:
    """Only text, html, json and csv exist."""
    with pytest.raises(ValueError, match="format must be one of"):
        render(seed_report(), "pdf")
