"""The timetable report in French — text, HTML, CSV — with the wording of the users' ENT.

Every rendering is built from :func:`report_sections`, so the three say the
same thing: the *bilan préliminaire d'import* (subjects, closures,
alternations, teaching services, sessions, classes, option groups, teachers,
management of classes and groups), the weekly figures since the start of the
school year, and the warnings.  Numbers agree in French: 0 and 1 take the
singular (« 0 matière ajoutée », « 1 classe », « 2 alternances ajoutées »).
"""

from __future__ import annotations

import csv
import html
import io
import json

from attrs import frozen

from entcore.timetable.expand import PARIS
from entcore.timetable.report import CANCELLED, PENDING, VALIDATED, Tally, TimetableReport

FORMATS = ("text", "html", "json", "csv")

PRELIMINARY_TITLE = (
    "Bilan préliminaire d'import des données de vie scolaire sauvegardées après validation"
)
WEEKLY_TITLE = (
    'Bilan des données "emploi du temps à la semaine" depuis le début de l\'année scolaire'
)


@frozen
class Line:
    """One line of the report: a JSON path, its French text and its value."""

    key: str
    text: str
    value: int


@frozen
class Section:
    """A titled list of lines."""

    title: str
    lines: tuple[Line, ...]


def count(number: int, singular: str, plural: str) -> str:
    """``number`` followed by the agreeing noun phrase (singular for 0 and 1, as in French)."""
    return f"{number} {singular if abs(number) <= 1 else plural}"


def _gap(tally: Tally, singular: str, plural: str) -> str:
    direction = "en moins" if tally.delta < 0 else "en plus"
    return (
        f"Ecart depuis l'import précédent : {count(abs(tally.delta), singular, plural)} {direction}"
    )


def report_sections(report: TimetableReport) -> tuple[list[Section], list[Section]]:
    """The report's main sections and its weekly sections."""
    r = report
    services = r.teaching_services
    sessions = r.sessions.delta
    main = [
        Section(
            "Matières",
            (
                Line(
                    "subjects.added",
                    count(r.subjects.added, "matière ajoutée", "matières ajoutées"),
                    r.subjects.added,
                ),
                Line(
                    "subjects.modified",
                    count(r.subjects.modified, "matière modifiée", "matières modifiées"),
                    r.subjects.modified,
                ),
            ),
        ),
        Section(
            "Périodes de fermeture",
            (
                Line(
                    "closure_periods.added",
                    count(
                        r.closure_periods.added,
                        "période de fermeture ajoutée",
                        "périodes de fermeture ajoutées",
                    ),
                    r.closure_periods.added,
                ),
                Line(
                    "closure_periods.deleted",
                    count(
                        r.closure_periods.deleted,
                        "période de fermeture supprimée",
                        "périodes de fermeture supprimées",
                    ),
                    r.closure_periods.deleted,
                ),
            ),
        ),
        Section(
            "Alternances",
            (
                Line(
                    "alternations.added",
                    count(r.alternations.added, "alternance ajoutée", "alternances ajoutées"),
                    r.alternations.added,
                ),
                Line(
                    "alternations.modified",
                    count(r.alternations.modified, "alternance modifiée", "alternances modifiées"),
                    r.alternations.modified,
                ),
                Line(
                    "alternations.deleted",
                    count(r.alternations.deleted, "alternance supprimée", "alternances supprimées"),
                    r.alternations.deleted,
                ),
            ),
        ),
        Section(
            "Services d'enseignement",
            (
                Line(
                    "teaching_services.added",
                    count(
                        services.added,
                        "service d'enseignement ajouté",
                        "services d'enseignement ajoutés",
                    )
                    + f" dont {count(services.added_incomplete, 'incomplet', 'incomplets')}",
                    services.added,
                ),
                Line(
                    "teaching_services.modified",
                    count(
                        services.modified,
                        "service d'enseignement modifié",
                        "services d'enseignement modifiés",
                    )
                    + f" dont {count(services.modified_incomplete, 'incomplet', 'incomplets')}",
                    services.modified,
                ),
                Line(
                    "teaching_services.deleted",
                    count(
                        services.deleted,
                        "service d'enseignement supprimé",
                        "services d'enseignement supprimés",
                    )
                    + f" dont {count(services.deleted_incomplete, 'incomplet', 'incomplets')}",
                    services.deleted,
                ),
            ),
        ),
        Section(
            "Séances",
            (
                Line(
                    "sessions.delta",
                    count(abs(sessions), "séance", "séances")
                    + (" en moins" if sessions < 0 else " en plus")
                    + " depuis l'import précédent",
                    sessions,
                ),
            ),
        ),
        Section(
            "Classes / Services d'enseignement",
            (
                Line(
                    "classes.imported",
                    count(
                        r.classes.imported,
                        "classe dont les services ont été importés",
                        "classes dont les services ont été importés",
                    ),
                    r.classes.imported,
                ),
                Line(
                    "classes.not_imported",
                    count(
                        r.classes.not_imported,
                        "classe dont les services n'ont pas été importés",
                        "classes dont les services n'ont pas été importés",
                    ),
                    r.classes.not_imported,
                ),
            ),
        ),
        Section(
            "Groupes d'option / Services d'enseignement",
            (
                Line(
                    "option_groups.imported",
                    count(
                        r.option_groups.imported,
                        "groupe d'option dont les services ont été importés",
                        "groupes d'option dont les services ont été importés",
                    ),
                    r.option_groups.imported,
                ),
                Line(
                    "option_groups.not_imported",
                    count(
                        r.option_groups.not_imported,
                        "groupe d'option dont les services n'ont pas été importés",
                        "groupes d'option dont les services n'ont pas été importés",
                    ),
                    r.option_groups.not_imported,
                ),
            ),
        ),
        Section(
            "Enseignants / Cours",
            (
                Line(
                    "teachers.imported",
                    count(
                        r.teachers.imported,
                        "enseignant dont les cours ont été importés",
                        "enseignants dont les cours ont été importés",
                    ),
                    r.teachers.imported,
                ),
                Line(
                    "teachers.not_imported",
                    count(
                        r.teachers.not_imported,
                        "enseignant dont les cours n'ont pas été importés",
                        "enseignants dont les cours n'ont pas été importés",
                    ),
                    r.teachers.not_imported,
                ),
            ),
        ),
        Section(
            "Gestion des classes et groupes d'option",
            (
                Line(
                    "groups_to_create",
                    count(
                        r.groups_to_create, "groupe d'option à créer", "groupes d'option à créer"
                    ),
                    r.groups_to_create,
                ),
                Line(
                    "groups_to_rename",
                    count(
                        r.groups_to_rename,
                        "groupe d'option à renommer",
                        "groupes d'option à renommer",
                    ),
                    r.groups_to_rename,
                ),
                Line(
                    "classes_and_groups_with_teachers_to_add",
                    count(
                        r.classes_and_groups_with_teachers_to_add,
                        "classe et groupe d'option avec des enseignants à ajouter",
                        "classes et groupes d'option avec des enseignants à ajouter",
                    ),
                    r.classes_and_groups_with_teachers_to_add,
                ),
                Line(
                    "classes_and_groups_with_students_to_add",
                    count(
                        r.classes_and_groups_with_students_to_add,
                        "classe et groupe d'option avec des élèves à ajouter",
                        "classes et groupes d'option avec des élèves à ajouter",
                    ),
                    r.classes_and_groups_with_students_to_add,
                ),
            ),
        ),
    ]
    weekly = r.weekly
    week_sections = [
        Section(
            "Remplacements",
            (
                Line(
                    "weekly.replacements.delta",
                    _gap(weekly.replacements, "remplacement", "remplacements"),
                    weekly.replacements.delta,
                ),
                Line(
                    "weekly.replacements.total",
                    "Total cumulé de remplacements depuis le début de l'année scolaire : "
                    f"{weekly.replacements.total}",
                    weekly.replacements.total,
                ),
            ),
        ),
        Section(
            "Annulations de cours",
            (
                Line(
                    "weekly.cancellations.delta",
                    _gap(weekly.cancellations, "annulation de cours", "annulations de cours"),
                    weekly.cancellations.delta,
                ),
                Line(
                    "weekly.cancellations.total",
                    "Total cumulé d'annulations de cours depuis le début de l'année scolaire : "
                    f"{weekly.cancellations.total}",
                    weekly.cancellations.total,
                ),
            ),
        ),
        Section(
            "Cours exceptionnels",
            (
                Line(
                    "weekly.exceptional_courses.delta",
                    _gap(weekly.exceptional_courses, "cours exceptionnel", "cours exceptionnels"),
                    weekly.exceptional_courses.delta,
                ),
                Line(
                    "weekly.exceptional_courses.total",
                    "Total cumulé de cours exceptionnels depuis le début de l'année scolaire : "
                    f"{weekly.exceptional_courses.total}",
                    weekly.exceptional_courses.total,
                ),
            ),
        ),
    ]
    return main, week_sections


def title(report: TimetableReport) -> str:
    """The report's heading, by status."""
    if report.status == VALIDATED:
        when = (
            f" le {report.validated_at.astimezone(PARIS):%d/%m/%Y à %H:%M}"
            if report.validated_at
            else ""
        )
        return f"Bilan d'import des données de vie scolaire — import validé{when}"
    if report.status == CANCELLED:
        return f"{PRELIMINARY_TITLE} — import annulé"
    return PRELIMINARY_TITLE


def facts(report: TimetableReport) -> str:
    """One line: import number, format, school, year, file, date."""
    parts = [
        f"Import n° {report.id}" if report.id is not None else "Import",
        f"format {report.format.upper()}",
        f"établissement {report.uai}",
        f"année scolaire {report.school_year}",
        f"fichier {report.file_name}",
    ]
    if report.created_at:
        parts.append(f"importé le {report.created_at.astimezone(PARIS):%d/%m/%Y à %H:%M}")
    if report.as_of:
        parts.append(f"rejoué à la date du {report.as_of[:10]}")
    return " — ".join(parts)


def actions(report: TimetableReport) -> list[tuple[str, str]]:
    """The buttons of the report screen, with the commands that do the same."""
    if report.id is None:
        return []
    found = [("Télécharger le bilan", f"entcore timetable report {report.id} --format html")]
    if report.status == PENDING:
        found += [
            ("Annuler l'import", f"entcore timetable cancel {report.id}"),
            ("Valider cet import", f"entcore timetable validate {report.id}"),
        ]
    return found


def render_text(report: TimetableReport) -> str:
    """The report as plain text."""
    main, weekly = report_sections(report)
    out = [f"{title(report)} :", facts(report), ""]
    for section in main:
        out.append(section.title)
        out.extend(f"  - {line.text}" for line in section.lines)
    out += ["", WEEKLY_TITLE]
    for section in weekly:
        out.append(section.title)
        out.extend(f"  - {line.text}" for line in section.lines)
    if report.warnings:
        out += ["", f"Avertissements ({len(report.warnings)})"]
        out.extend(f"  - {warning.message}" for warning in report.warnings)
    found = actions(report)
    if found:
        out.append("")
        out.extend(f"{label} : {command}" for label, command in found)
    return "\n".join(out)


def render_html(report: TimetableReport) -> str:
    """The report as a standalone HTML page (what « Télécharger le bilan » gives)."""
    e = html.escape
    main, weekly = report_sections(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(title(report))}</title>",
        "</head>",
        "<body>",
        f"<h1>{e(title(report))}</h1>",
        f"<p>{e(facts(report))}</p>",
    ]

    def sections(items: list[Section]) -> None:
        for section in items:
            out.append(f"<h3>{e(section.title)}</h3>")
            out.append("<ul>")
            out.extend(
                f'<li data-key="{e(line.key)}">{e(line.text)}</li>' for line in section.lines
            )
            out.append("</ul>")

    sections(main)
    out.append(f"<h2>{e(WEEKLY_TITLE)}</h2>")
    sections(weekly)
    if report.warnings:
        out.append(f"<h2>Avertissements ({len(report.warnings)})</h2>")
        out.append("<ul>")
        out.extend(
            f'<li data-kind="{e(warning.kind)}">{e(warning.message)}</li>'
            for warning in report.warnings
        )
        out.append("</ul>")
    found = actions(report)
    if found:
        out.append("<ul>")
        out.extend(f"<li>{e(label)} : <code>{e(command)}</code></li>" for label, command in found)
        out.append("</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def render_csv(report: TimetableReport) -> str:
    """The report as CSV (semicolon-separated): rubrique, clé, libellé, valeur."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["rubrique", "clé", "libellé", "valeur"])
    main, weekly = report_sections(report)
    for section in [*main, *weekly]:
        for line in section.lines:
            writer.writerow([section.title, line.key, line.text, line.value])
    for warning in report.warnings:
        writer.writerow(["Avertissements", warning.kind, warning.message, ""])
    return buffer.getvalue()


def render(report: TimetableReport, fmt: str = "text") -> str:
    """``report`` as ``text``, ``html``, ``json`` or ``csv``."""
    if fmt == "text":
        return render_text(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    if fmt == "csv":
        return render_csv(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
