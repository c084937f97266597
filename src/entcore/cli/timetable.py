"""``entcore timetable``: import, validate or cancel, reports, reconciliation, mode, sessions.

The group reaches the command line the way any plugin's does: this module is
the built-in plugin ``timetable-cli`` (:data:`entcore.manager.BUILTIN_PLUGINS`),
whose ``entcore_register_commands`` adds it.
"""

from __future__ import annotations

from pathlib import Path

import click

from entcore import demo as demo_data
from entcore import hookimpl, schoolyear
from entcore.cli.context import CliContext, pass_context
from entcore.cli.output import emit_json, errors_as_failures
from entcore.cli.params import ImportId, day_option, moment_option
from entcore.registry import CommandRegistry
from entcore.timetable.expand import PARIS
from entcore.timetable.render import FORMATS, render_text
from entcore.timetable.report import TimetableReport


def _print_report(report: TimetableReport, as_json: bool) -> None:
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(render_text(report))


@click.group()
def timetable() -> None:
    """Timetable imports (EDT, UDT, STS-Web) and the cahier de textes."""


@timetable.command("import")
@click.argument("files", metavar="FILE...", type=click.Path(path_type=Path), nargs=-1)
@click.option("--uai", help="UAI of the structure the file is for.")
@click.option(
    "--school-year",
    "school_year",
    metavar="AAAA-AAAA",
    help="School year the file covers (e.g. 2024-2025), for files that do not say.",
)
@click.option(
    "--format", "format_name", metavar="NAME", help="Timetable format (default: recognised)."
)
@click.option("--as-of", "as_of", metavar="DATE", help="Replay an archived export as of DATE.")
@click.option("--new-year", is_flag=True, help="Accept a file of a new school year.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--demo",
    is_flag=True,
    help="Import the demo collège's EDT export (UAI 0749901K), as of 29 August 2025 "
    "unless --as-of says otherwise.",
)
@pass_context
def import_command(
    context: CliContext,
    files: tuple[Path, ...],
    uai: str | None,
    school_year: str | None,
    format_name: str | None,
    as_of: str | None,
    new_year: bool,
    as_json: bool,
    demo: bool,
) -> None:
    """Preview the import of FILE: print its id and its preliminary report; nothing is applied.

    An export made of several files is given whole: STS-Web's sts_emp and the
    emp_sts sent back for it, for instance.
    """
    if demo:
        files = files or (demo_data.edt_export(),)
        uai = uai or demo_data.UAI
        as_of = as_of or demo_data.EDT_AS_OF.isoformat()
    if not files or uai is None:
        raise click.UsageError("give FILE and --uai (or --demo)")
    if school_year is not None:
        try:
            school_year = schoolyear.label(schoolyear.parse(school_year))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--school-year") from None
    moment = moment_option(as_of)
    app = context.app()
    with errors_as_failures():
        report = app.timetable.import_files(
            files,
            uai,
            format=format_name,
            as_of=moment,
            new_year=new_year,
            school_year=school_year,
        )
    if not as_json:
        click.echo(f"Import n° {report.id} en attente de validation")
    _print_report(report, as_json)


def _settle(context: CliContext, import_id: int, as_json: bool, *, validate: bool) -> None:
    """Validate or cancel pending import ``import_id`` and say so."""

    app = context.app()
    with errors_as_failures():
        settle = app.timetable.validate if validate else app.timetable.cancel
        report = settle(import_id)
    if as_json:
        _print_report(report, True)
    else:
        click.echo(f"Import n° {report.id} {'validé' if validate else 'annulé'}")


@timetable.command("validate")
@click.argument("import_id", metavar="ID", type=ImportId())
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def validate_command(context: CliContext, import_id: int, as_json: bool) -> None:
    """Apply pending import ID."""
    _settle(context, import_id, as_json, validate=True)


@timetable.command("cancel")
@click.argument("import_id", metavar="ID", type=ImportId())
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def cancel_command(context: CliContext, import_id: int, as_json: bool) -> None:
    """Discard pending import ID; nothing else changes."""
    _settle(context, import_id, as_json, validate=False)


@timetable.command("reports")
@click.option("--uai", required=True, help="UAI of the structure.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@pass_context
def reports_command(context: CliContext, uai: str, as_json: bool) -> None:
    """List the structure's import reports (Bilans d'import), newest first."""

    app = context.app()
    with errors_as_failures():
        reports = app.timetable.reports(uai)
    if as_json:
        emit_json([report.to_json() for report in reports])
        return
    if not reports:
        click.echo(f"Aucun bilan d'import pour {uai}")
    statuses = {"pending": "en attente", "validated": "validé", "cancelled": "annulé"}
    for report in reports:
        when = f"{report.created_at.astimezone(PARIS):%d/%m/%Y %H:%M}" if report.created_at else "?"
        click.echo(
            f"n° {report.id} — {when} — {report.format.upper()} — {report.school_year} — "
            f"{statuses.get(report.status, report.status)} — {report.file_name}"
        )


@timetable.command("report")
@click.argument("import_id", metavar="ID", type=ImportId())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@pass_context
def report_command(context: CliContext, import_id: int, fmt: str) -> None:
    """Render the report of import ID (Télécharger le bilan)."""

    app = context.app()
    with errors_as_failures():
        text = app.timetable.render(import_id, fmt)
    click.echo(text, nl=not text.endswith("\n"))


@timetable.command("map")
@click.option("--uai", required=True, help="UAI of the structure.")
@click.argument("kind", type=click.Choice(["class", "group", "teacher"]))
@click.argument("source")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the mapping as JSON.")
@pass_context
def map_command(
    context: CliContext, uai: str, kind: str, source: str, target: str, as_json: bool
) -> None:
    """Map timetable class, group or teacher SOURCE to directory class, group or login TARGET."""

    app = context.app()
    with errors_as_failures():
        mapping = app.timetable.map(uai, kind, source, target)
    if as_json:
        emit_json(mapping)
    else:
        click.echo(f"Rapprochement enregistré : {kind} {mapping['source']} -> {mapping['target']}")


@timetable.command("unmap")
@click.option("--uai", required=True, help="UAI of the structure.")
@click.argument("kind", type=click.Choice(["class", "group", "teacher"]))
@click.argument("source")
@pass_context
def unmap_command(context: CliContext, uai: str, kind: str, source: str) -> None:
    """Remove the mapping of timetable class, group or teacher SOURCE."""

    app = context.app()
    with errors_as_failures():
        app.timetable.unmap(uai, kind, source)
    click.echo(f"Rapprochement supprimé : {kind} {source}")


@timetable.command("mappings")
@click.option("--uai", required=True, help="UAI of the structure.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def mappings_command(context: CliContext, uai: str, as_json: bool) -> None:
    """List the structure's mappings (Rapprochements)."""

    app = context.app()
    with errors_as_failures():
        mappings = app.timetable.mappings(uai)
    if as_json:
        emit_json(mappings)
        return
    if not mappings:
        click.echo(f"Aucun rapprochement pour {uai}")
    for mapping in mappings:
        click.echo(f"{mapping['kind']}\t{mapping['source']} -> {mapping['target']}")


@timetable.command("mode")
@click.option("--uai", required=True, help="UAI of the structure.")
@click.argument("mode", required=False, type=click.Choice(["timetable", "directory"]))
@pass_context
def mode_command(context: CliContext, uai: str, mode: str | None) -> None:
    """Show or set the piloting mode: timetable (imports populate classes and groups) or directory."""

    app = context.app()
    with errors_as_failures():
        if mode is not None:
            app.timetable.set_mode(uai, mode)
        current = app.timetable.mode(uai)
    click.echo(f"{uai} : mode de pilotage {current}")


@timetable.command("sessions")
@click.option("--uai", required=True, help="UAI of the structure.")
@click.option("--class", "class_code", metavar="CODE", help="Only the sessions of this class.")
@click.option("--group", "group_code", metavar="CODE", help="Only the sessions of this group.")
@click.option("--teacher", metavar="LOGIN", help="Only the sessions of this teacher.")
@click.option("--from", "start", metavar="DATE", help="First day (AAAA-MM-JJ).")
@click.option("--to", "end", metavar="DATE", help="Last day (AAAA-MM-JJ).")
@click.option("--deleted", is_flag=True, help="Include soft-deleted sessions.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def sessions_command(
    context: CliContext,
    uai: str,
    class_code: str | None,
    group_code: str | None,
    teacher: str | None,
    start: str | None,
    end: str | None,
    deleted: bool,
    as_json: bool,
) -> None:
    """List the sessions of the cahier de textes."""

    if sum(x is not None for x in (class_code, group_code, teacher)) > 1:
        raise click.UsageError("give at most one of --class, --group and --teacher")
    first, last = day_option(start, "--from"), day_option(end, "--to")
    app = context.app()
    with errors_as_failures():
        sessions = app.timetable.sessions(
            uai,
            class_code=class_code,
            group_code=group_code,
            teacher=teacher,
            start=first,
            end=last,
            include_deleted=deleted,
        )
    if as_json:
        emit_json(sessions)
        return
    for session in sessions:
        audience = ", ".join(session["groups"] or session["classes"])
        click.echo(
            f"{session['start'][:16].replace('T', ' ')}–{session['end'][11:16]}  "
            f"{session['subject'] or '?':<8} {audience:<20} {', '.join(session['teachers']):<30} "
            f"{', '.join(session['rooms'])}  {session['status']}"
        )


@hookimpl
def entcore_register_commands(registry: CommandRegistry) -> None:
    """Add ``entcore timetable`` (the core's built-in ``timetable-cli`` plugin)."""
    registry.add(timetable)
