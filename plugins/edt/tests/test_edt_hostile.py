"""Forged exports and containers: work stays bounded and every refusal is one line.

Anyone can forge a container (partners' public keys are not secret), so what
it inflates to, how many elements it holds and how large its numbers are is
limited before any of it costs time or memory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest
from entcore import FormatContext, InvalidFileError

from entcore_edt import EdtFormat, container, reader

if TYPE_CHECKING:
    from entcore.model import Timetable

Sealer = Callable[..., bytes]

PARTNER = "ENTCORE-TEST"
NS = "http://www.index-education.com/exportemploidutemps"
YEAR = (
    '<AnneeScolaire DateDebut="2024-09-02" DateFin="2025-07-04" '
    'DatePremierJourSemaine1="2024-09-02"/>'
)
GRID = (
    '<GrilleHoraire NombrePlacesParJour="2" DureePlace="55"><PlacesParJour>'
    '<Place Numero="0" LibelleHeureDebut="08:00:00" LibelleHeureFin="08:55:00"/>'
    "</PlacesParJour></GrilleHoraire>"
)
COURSE = (
    '<Cours Jour="{day}" NumeroPlaceDebut="0" NombrePlaces="1"><Matiere Ident="1"/>'
    '<Professeur Ident="1" Semaines="{weeks}"/></Cours>'
)

COURSE_ITEM = '<Professeur Ident="1" Semaines="6"/>'


def export(body: str) -> bytes:
    """A clear export: the year and the grid on lines 3 and 4, ``body`` from line 5."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ExportEmploiDuTemps xmlns="{NS}" Version="1.1" UAI="0999999X">\n'
        f"{YEAR}\n{GRID}\n{body}\n</ExportEmploiDuTemps>\n"
    ).encode()


def courses(*items: str) -> str:
    return "<Cours>" + "".join(items) + "</Cours>"


def parse(tmp_path: Path, data: bytes, name: str = "export.xml") -> Timetable:
    path = tmp_path / name
    path.write_bytes(data)
    return EdtFormat().parse(path, FormatContext(name))


def sealed_file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "Edt_To_ENTCORE-TEST_0999999X.xml"
    path.write_bytes(data)
    return path


def parse_sealed(path: Path, **settings: object) -> Timetable:
    return EdtFormat().parse(path, FormatContext(path.name, settings))


def _refused(call: Callable[[], object], reason: str) -> InvalidFileError:
    with pytest.raises(InvalidFileError, match=reason) as caught:
        call()
    assert "\n" not in str(caught.value)
    return caught.value


def test_forged_container_inflating_past_the_ratio(
    tmp_path: Path, seal: Sealer, pem_file: Path
) -> None:
    """Thousands of identical courses deflate far better than any export: refused unread."""
    body = courses(*[COURSE.format(day=1, weeks=6)] * 50_000)
    path = sealed_file(tmp_path, seal(export(body)))
    error = _refused(
        lambda: parse_sealed(path, partner=PARTNER, private_key=str(pem_file)),
        "taux de compression anormal",
    )
    assert error.file == path.name
    assert f"plus de {container.MAX_RATIO} pour 1" in error.reason


def test_ordinary_container_still_opens(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """A few hundred varied courses inflate well within the ratio."""
    body = courses(*[COURSE.format(day=day % 7 + 1, weeks=2 * day) for day in range(300)])
    path = sealed_file(tmp_path, seal(export(body)))
    timetable = parse_sealed(path, partner=PARTNER, private_key=str(pem_file))
    assert len(timetable.courses) == 300


def test_too_many_entities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the entity limit the export is refused at the line where it was crossed."""
    monkeypatch.setattr(reader, "MAX_ENTITIES", 100)
    body = courses(*[COURSE.format(day=1, weeks=6)] * 150)
    error = _refused(lambda: parse(tmp_path, export(body)), "plus de 100 entités")
    assert error.line == 5


def test_export_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clear export past the size cap is refused while it streams."""
    monkeypatch.setattr(reader, "LIMITS", attrs.evolve(reader.LIMITS, max_bytes=50_000))
    body = courses(*[COURSE.format(day=1, weeks=2 * day) for day in range(1_000)])
    _refused(lambda: parse(tmp_path, export(body)), "fichier trop volumineux")


def test_course_with_a_million_items(tmp_path: Path) -> None:
    """One course's children are limited while it is read (checked at each chunk the parser reads)."""
    course = COURSE.format(day=1, weeks=6).replace(
        "</Cours>", COURSE_ITEM * (reader.LIMITS.max_children * 2) + "</Cours>"
    )
    error = _refused(lambda: parse(tmp_path, export(courses(course))), "éléments dans « Cours »")
    assert error.line == 5


def test_unknown_list_costs_nothing(tmp_path: Path) -> None:
    """Items of an unknown list are dropped as read: far more than the limits are fine."""
    unknown = (
        "<Absences>" + '<Absence Ident="1"/>' * (reader.LIMITS.max_pending + 10) + "</Absences>"
    )
    body = unknown + courses(COURSE.format(day=1, weeks=6))
    assert len(parse(tmp_path, export(body)).courses) == 1


def test_junk_inside_a_known_item(tmp_path: Path) -> None:
    """Elements piled inside an item are limited too."""
    room = '<Salles><Salle Ident="1" Nom="A">' + "<x/>" * 20_000 + "</Salle></Salles>"
    _refused(lambda: parse(tmp_path, export(room)), "éléments dans « Salle »")


def test_deep_nesting(tmp_path: Path) -> None:
    """Nesting past the limit is refused with the line of the element too deep."""
    depth = reader.LIMITS.max_depth + 1
    nested = "<x>\n" * depth + "</x>" * depth
    error = _refused(lambda: parse(tmp_path, export(nested)), "niveaux d'éléments imbriqués")
    assert error.line == 5 + reader.LIMITS.max_depth - 1


@pytest.mark.parametrize(
    ("course", "attribute"),
    [
        (COURSE.format(day=1, weeks="9" * 5_000), "Semaines"),
        (COURSE.format(day="1" + "0" * 5_000, weeks=6), "Jour"),
    ],
)
def test_huge_numbers(tmp_path: Path, course: str, attribute: str) -> None:
    """A number of thousands of digits is refused, and its message stays short."""
    error = _refused(lambda: parse(tmp_path, export(courses(course))), f"{attribute} invalide")
    assert len(str(error)) < 200
    assert error.line == 5
