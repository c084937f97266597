"""The directory report in French, as school staff and académie operators read it."""

from __future__ import annotations

from entcore.model.reports import DIRECTORY_CATEGORIES, OUTCOMES, DirectoryReport

CATEGORY_LABELS = {
    "structures": "Établissements",
    "subjects": "Matières",
    "mefs": "MEF",
    "students": "Élèves",
    "relatives": "Responsables",
    "teachers": "Enseignants",
    "personnels": "Personnels non enseignants",
    "guests": "Invités",
    "classes": "Classes",
    "groups": "Groupes",
}
OUTCOME_LABELS = {
    "created": "créés",
    "updated": "mis à jour",
    "unchanged": "inchangés",
    "disappeared": "disparus",
    "restored": "restaurés",
    "deleted": "supprimés",
    "rejected": "rejetés",
}


def render_text(report: DirectoryReport, *, per_structure: bool = True) -> str:
    """The report as a plain-text table followed by the rejected entries."""
    title = "Bilan de l'import annuaire"
    mode = "complet" if report.mode == "full" else "différentiel (delta)"
    lines = [
        f"{title} — {report.source.upper()}, import {mode}"
        + (" — SIMULATION : rien n'a été enregistré" if report.dry_run else ""),
        f"Fichiers lus : {len(report.files)}",
        "",
    ]
    width = max(len(label) for label in CATEGORY_LABELS.values())
    header = " " * width + "".join(f"{OUTCOME_LABELS[o]:>12}" for o in OUTCOMES)
    lines.append(header)
    for category in DIRECTORY_CATEGORIES:
        counts = report.counts[category]
        lines.append(
            f"{CATEGORY_LABELS[category]:<{width}}"
            + "".join(f"{getattr(counts, o):>12}" for o in OUTCOMES)
        )
    if per_structure and len(report.by_structure) > 1:
        lines += ["", "Par établissement :"]
        for structure, per in sorted(report.by_structure.items()):
            parts = []
            for category in DIRECTORY_CATEGORIES:
                found = per.get(category)
                if found is None:
                    continue
                changes = [
                    f"{getattr(found, o)} {OUTCOME_LABELS[o]}"
                    for o in OUTCOMES
                    if getattr(found, o)
                ]
                if changes:
                    parts.append(f"{CATEGORY_LABELS[category].lower()} : {', '.join(changes)}")
            lines.append(f"  {structure} — " + " ; ".join(parts))
    if report.held_back:
        lines += ["", f"Disparitions retenues ({len(report.held_back)} établissement(s)) :"]
        lines += [f"  {held.message()}" for held in report.held_back]
    if report.errors:
        lines += ["", f"Entrées rejetées ({len(report.errors)}) :"]
        for error in report.errors:
            where = f"{error.file}:{error.line}" if error.line else error.file
            lines.append(f"  {where} — {error.id} — {error.reason}")
    if report.warnings:
        lines += ["", f"Avertissements ({len(report.warnings)}) :"]
        for warning in report.warnings:
            where = f"{warning.file}:{warning.line}" if warning.line else warning.file
            lines.append(f"  {where} — {warning.id} — {warning.reason}")
    return "\n".join(lines)
