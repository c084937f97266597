"""The mass-disappearance guard: a full import that would empty a school holds its disappearances back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from entcore.cli import main
from entcore.directory.render import render_text
from entcore.model import ClassRef, ImportMode, PersonRecord, Profile, StructureRecord
from entcore.model.reports import HeldBack
from entcore.store.schema import Account, Structure
from entcore.testing import RecordFeed
from tests.test_directory_preview import comparable

NOW = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)
COLLEGE = StructureRecord("749901", "COLLEGE X", uai="0749901K", academy="GRENOBLE")
LYCEE = StructureRecord("749902", "LYCEE Y", uai="0749902L", academy="GRENOBLE")
MESSAGE = (
    "Établissement 0749901K (COLLEGE X) : 29 disparitions sur 30 comptes actifs retenues "
    "(plus de 10 %) ; relancez avec --allow-mass-disappearance pour les appliquer."
)


def letters(n: int) -> str:
    """``n`` spelt in letters, as real names are."""
    return "".join(chr(ord("A") + int(digit)) for digit in str(n))


def pupil(n: int, structure: str = "749901") -> PersonRecord:
    return PersonRecord(
        f"{structure}-E{n:03d}",
        Profile.STUDENT,
        f"ELEVE{letters(n)}",
        "Léa",
        birth_date=date(2012, 1, 1),
        structures=(structure,),
        classes=(ClassRef(structure, "6A"),),
    )


def agent(n: int, structure: str = "749901") -> PersonRecord:
    return PersonRecord(
        f"{structure}-P{n:03d}",
        Profile.PERSONNEL,
        f"AGENT{letters(n)}",
        "Marc",
        structures=(structure,),
    )


def run(app: Any, items: list[Any], *, days: int = 1, **options: Any) -> Any:
    return app.directory.run_feed(
        RecordFeed(items), source="records", now=NOW + timedelta(days=days), **options
    )


def preview_and_run(app: Any, items: list[Any], **options: Any) -> Any:
    preview = run(app, items, dry_run=True, **options)
    real = run(app, items, **options)
    assert comparable(preview) == comparable(real)
    assert render_text(preview).split("\n")[1:] == render_text(real).split("\n")[1:]
    return real


def active(app: Any, structure: str) -> int:
    with app.store.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(Account)
                .join(Structure, Structure.id == Account.structure_id)
                .where(Structure.external_id == structure, Account.disappeared_at.is_(None))
            ).scalar_one()
        )


def test_one_student_of_thirty_holds_the_school_back(entcore_app) -> None:
    """A truncated export (one student of thirty): 29 disappearances held back, said in French."""
    run(
        entcore_app,
        [COLLEGE, LYCEE, *map(pupil, range(30)), *(pupil(n, "749902") for n in range(40))],
        days=0,
    )
    truncated = [COLLEGE, LYCEE, pupil(0), *(pupil(n, "749902") for n in range(1, 40))]
    report = preview_and_run(entcore_app, truncated)
    assert report.held_back == [HeldBack("0749901K", "COLLEGE X", 29, 30, "share", 0.10)]
    assert active(entcore_app, "749901") == 30
    # The other school's ordinary departure (1 of 40) applies.
    assert report.counts["students"].disappeared == 1
    assert report.by_structure["0749902L"]["students"].disappeared == 1
    assert "students" not in report.by_structure.get("0749901K", {}) or (
        report.by_structure["0749901K"]["students"].disappeared == 0
    )
    assert active(entcore_app, "749902") == 39
    assert MESSAGE in render_text(report)
    assert report.to_json()["held_back"] == [
        {
            "uai": "0749901K",
            "name": "COLLEGE X",
            "disappearing": 29,
            "active": 30,
            "reason": "share",
            "threshold": 0.10,
        }
    ]
    # Held back, not forgotten: the next truncated import holds them back again.
    again = preview_and_run(entcore_app, truncated)
    assert again.held_back == report.held_back and again.counts["students"].disappeared == 0
    # Let through on request.
    allowed = preview_and_run(entcore_app, truncated, allow_mass_disappearance=True)
    assert allowed.held_back == []
    assert allowed.counts["students"].disappeared == 29
    assert active(entcore_app, "749901") == 1
    assert "Disparitions retenues" not in render_text(allowed)


def test_yearly_turnover_below_the_threshold_applies(entcore_app) -> None:
    """Two leavers of thirty (6.7 %) and three newcomers: an ordinary September."""
    run(entcore_app, [COLLEGE, *map(pupil, range(30)), *map(agent, range(5))], days=0)
    report = preview_and_run(
        entcore_app, [COLLEGE, *map(pupil, range(2, 33)), *map(agent, range(5))]
    )
    assert report.held_back == []
    assert report.counts["students"].disappeared == 2 and report.counts["students"].created == 3
    assert active(entcore_app, "749901") == 36


def test_threshold_is_a_setting(entcore_app_factory) -> None:
    """``[directory] mass_disappearance_threshold`` sets the share; the share counts every judged kind."""
    app = entcore_app_factory(environ={"ENTCORE_DIRECTORY_MASS_DISAPPEARANCE_THRESHOLD": "0.5"})
    run(app, [COLLEGE, *map(pupil, range(10)), *map(agent, range(10))], days=0)
    # 8 students and 2 staff of 20 accounts (50 %): not more than the threshold.
    report = preview_and_run(app, [COLLEGE, *map(pupil, range(2)), *map(agent, range(8))])
    assert report.held_back == [] and report.counts["students"].disappeared == 8
    assert report.counts["personnels"].disappeared == 2
    run(app, [COLLEGE, *map(pupil, range(10)), *map(agent, range(10))], days=2)
    # 11 of 20 (55 %): held back, named with the configured share.
    report = preview_and_run(app, [COLLEGE, pupil(0), *map(agent, range(8))], days=3)
    assert report.held_back == [HeldBack("0749901K", "COLLEGE X", 11, 20, "share", 0.5)]
    assert "(plus de 50 %)" in render_text(report)


def test_a_school_left_without_students_is_held_back(entcore_app) -> None:
    """Staff all present, every student absent: few accounts, but the school would have no student."""
    run(
        entcore_app,
        [COLLEGE, LYCEE, *map(pupil, range(3)), *map(agent, range(40)), pupil(0, "749902")],
        days=0,
    )
    report = preview_and_run(
        entcore_app, [COLLEGE, LYCEE, *map(agent, range(40)), pupil(0, "749902")]
    )
    assert report.held_back == [HeldBack("0749901K", "COLLEGE X", 3, 43, "no_student", 0.10)]
    assert "l'établissement n'aurait plus aucun élève" in render_text(report)
    assert active(entcore_app, "749901") == 43
    allowed = preview_and_run(
        entcore_app,
        [COLLEGE, LYCEE, *map(agent, range(40)), pupil(0, "749902")],
        allow_mass_disappearance=True,
    )
    assert allowed.counts["students"].disappeared == 3 and active(entcore_app, "749901") == 40


def test_delta_and_uncovered_schools_are_not_judged(entcore_app) -> None:
    """Only a full import marks accounts disappeared, so only a full import is guarded."""
    run(entcore_app, [COLLEGE, LYCEE, *map(pupil, range(30))], days=0)
    delta = entcore_app.directory.run_feed(
        RecordFeed([pupil(0)], ImportMode.DELTA), source="records", now=NOW
    )
    assert delta.held_back == [] and delta.counts["students"].disappeared == 0
    # A full feed of the lycée alone does not speak for the collège.
    report = run(entcore_app, [LYCEE, pupil(0, "749902")])
    assert report.held_back == [] and active(entcore_app, "749901") == 30


def test_cli_holds_back_and_lets_through(entcore_app, entcore_db_url: str) -> None:
    """``entcore directory import`` shows what it held back; ``--allow-mass-disappearance`` applies it."""

    def cli(*args: str) -> Any:
        return CliRunner().invoke(
            main,
            ["--db", entcore_db_url, "directory", "import", "--demo", *args],
            env={"ENTCORE_CONFIG": ""},
            catch_exceptions=False,
        )

    assert cli().exit_code == 0
    with entcore_app.store.connect() as connection:
        key, uai, name = connection.execute(
            select(Structure.external_id, Structure.uai, Structure.name).order_by(Structure.id)
        ).one()
        before = connection.execute(
            select(func.count()).select_from(Account).where(Account.structure_id.is_not(None))
        ).scalar_one()
    # Students the demo feed does not hold, of the demo's own source and school.
    entcore_app.directory.run_feed(
        RecordFeed([pupil(n, key) for n in range(before)], ImportMode.DELTA),
        source="aaf",
        now=NOW,
    )
    preview = cli("--dry-run", "--json")
    assert preview.exit_code == 0, preview.output
    held = json.loads(preview.output)["held_back"]
    assert [(h["uai"], h["name"], h["disappearing"], h["reason"]) for h in held] == [
        (uai, name, before, "share")
    ]
    result = cli()
    assert result.exit_code == 0, result.output
    assert f"Établissement {uai} ({name}) : {before} disparitions sur" in result.output
    assert "--allow-mass-disappearance pour les appliquer" in result.output
    assert active(entcore_app, key) >= 2 * before
    result = cli("--allow-mass-disappearance", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["held_back"] == [] and data["students"]["disappeared"] == before
