"""Timetable import benchmark: preview, validate and re-import, timed (measures, never asserts).

Two cases:

* the largest real EDT export of the corpus (``../shared/corpus/...``), against a
  directory built from its own people;
* a synthetic lycée: 3,000 courses, 120 teachers, 1,200 students, 40 classes
  and 80 option groups, written as an EDT clear export (read by the
  ``entcore-edt`` plugin) — or, with ``--via json`` or without that plugin, as a
  JSON snapshot read by a format defined here.

Each case runs on a fresh store: directory import, then the timetable
preview (``import_file``), its validation, a preview of the same file again
(nothing to change) and its validation.  Sessions are judged as of
2024-08-30 (``--as-of``) so that the whole year is created.

Run::

    .venv/bin/python benchmarks/timetable.py                 # SQLite files in benchmarks/out/
    .venv/bin/python benchmarks/timetable.py --db postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import entcore
from entcore import Entcore, FormatContext
from entcore.model import ClassRef, PersonRecord, Profile, StructureRecord, Timetable
from entcore.settings import load_settings
from entcore.testing import RecordFeed, reset_database

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "timetable" / "laclasse-service-cahiertextes"
STRUCTURE = "LYC-BENCH"
UAI = "0740099Z"
ANNUAL = 35132630760702  # weeks 1-7, 10-16, 19-25, 28-33, 36-44 of 2024-2025
FORTNIGHT_A = 11693629941930
SUBJECTS = [
    ("MATHS", "MATHEMATIQUES"),
    ("FRANC", "FRANCAIS"),
    ("AGL1", "ANGLAIS LV1"),
    ("ESP2", "ESPAGNOL LV2"),
    ("ALL2", "ALLEMAND LV2"),
    ("HIGEO", "HISTOIRE-GEOGRAPHIE"),
    ("PH-CH", "PHYSIQUE-CHIMIE"),
    ("SVT", "SCIENCES VIE & TERRE"),
    ("SES", "SC. ECONO.& SOCIALES"),
    ("EPS", "ED.PHYSIQUE & SPORT."),
    ("PHILO", "PHILOSOPHIE"),
    ("NSI", "NUMERIQUE SC.INFORM."),
    ("SNT", "SC. NUMERIQUE TECHNOL"),
    ("EMC", "ENS. MORAL & CIVIQUE"),
    ("HLP", "HUMANITES LITT. PHILO"),
    ("HGGSP", "HIST.GEO.GEOPOL.SC.PO"),
    ("LLCER", "LANG.LITT.CULT.ETRANG"),
    ("AP", "ACCOMPAGNEMT. PERSO."),
    ("ARTS", "ARTS PLASTIQUES"),
    ("MUSIQ", "EDUCATION MUSICALE"),
    ("LATIN", "LCA LATIN"),
    ("GREC", "LCA GREC"),
    ("SI", "SCIENCES INGENIEUR"),
    ("ECJS", "EDUCATION CIVIQUE"),
    ("TPE", "TRAVAUX PERSONNELS"),
]
LAST = [
    "MARTIN",
    "BERNARD",
    "THOMAS",
    "PETIT",
    "ROBERT",
    "RICHARD",
    "DURAND",
    "DUBOIS",
    "MOREAU",
    "LAURENT",
    "SIMON",
    "MICHEL",
    "LEFEBVRE",
    "LEROY",
    "ROUX",
    "DAVID",
    "BERTRAND",
    "MOREL",
    "FOURNIER",
    "GIRARD",
    "BONNET",
    "DUPONT",
    "LAMBERT",
    "FONTAINE",
    "ROUSSEAU",
    "VINCENT",
]
FIRST = [
    "Léa",
    "Lucas",
    "Emma",
    "Hugo",
    "Chloé",
    "Louis",
    "Inès",
    "Jules",
    "Manon",
    "Gabriel",
    "Camille",
    "Arthur",
    "Sarah",
    "Nathan",
    "Zoé",
    "Paul",
    "Jade",
    "Adam",
    "Lina",
    "Noé",
]


# -- the synthetic lycée ---------------------------------------------------------------------


class Lycee:
    """A deterministic lycée: its people, classes, groups and courses."""

    def __init__(self, courses: int = 3000, seed: int = 42):
        rng = random.Random(seed)
        levels = [("2NDE", 14), ("1ERE", 13), ("TERM", 13)]
        self.classes = [f"{level}{n}" for level, count in levels for n in range(1, count + 1)]
        self.parts = {name: [f"{i * 2 + 1}", f"{i * 2 + 2}"] for i, name in enumerate(self.classes)}
        self.teachers = [
            (
                str(i + 1),
                LAST[i % len(LAST)] + ("" if i < len(LAST) else f"-{i // len(LAST)}"),
                FIRST[(i * 7) % len(FIRST)],
                date(1965 + i % 30, 1 + i % 12, 1 + i % 28),
                f"PN{i + 1:014d}",
            )
            for i in range(120)
        ]
        self.students: list[tuple[str, str, str, date, str, str]] = []
        for c, name in enumerate(self.classes):
            for n in range(30):
                key = str(c * 30 + n + 1)
                last = LAST[(c * 30 + n) % len(LAST)] + f"{c:02d}{n:02d}"
                self.students.append(
                    (
                        key,
                        last,
                        FIRST[n % len(FIRST)],
                        date(2008, 1 + n % 12, 1 + c % 28),
                        name,
                        self.parts[name][n % 2],
                    )
                )
        # 80 option groups: each gathers one part of two classes of a level.
        self.groups: list[tuple[str, str, list[str]]] = []
        for g in range(80):
            first = self.classes[(g * 2) % len(self.classes)]
            second = self.classes[(g * 2 + 1) % len(self.classes)]
            parts = [self.parts[first][g % 2], self.parts[second][(g + 1) % 2]]
            self.groups.append(
                (str(g + 1), f"GR{g + 1:02d} {SUBJECTS[g % len(SUBJECTS)][0]}", parts)
            )
        self.rooms = [(str(i + 1), f"S{i + 100}") for i in range(60)]
        self.courses: list[dict[str, Any]] = []
        for n in range(courses):
            audience = (
                ("group", rng.choice(self.groups)[0])
                if n % 4 == 3
                else ("class", str(rng.randrange(len(self.classes)) + 1))
            )
            roll = rng.random()
            mask = (
                ANNUAL
                if roll < 0.8
                else FORTNIGHT_A
                if roll < 0.9
                else (ANNUAL & ~FORTNIGHT_A if roll < 0.97 else 1 << rng.choice([2, 3, 12]))
            )
            teacher = self.teachers[rng.randrange(len(self.teachers))][0]
            items = [
                ("Professeur", teacher, mask),
                ("Classe" if audience[0] == "class" else "Groupe", audience[1], mask),
                ("Salle", rng.choice(self.rooms)[0], mask),
            ]
            cancelled = 0
            if mask == ANNUAL and rng.random() < 0.05:
                # A replacement: another teacher for one week.
                week = 1 << rng.choice([3, 11, 20, 30])
                items[0] = ("Professeur", teacher, mask & ~week)
                items.append(
                    ("Professeur", self.teachers[rng.randrange(len(self.teachers))][0], week)
                )
            elif mask == ANNUAL and rng.random() < 0.03:
                cancelled = 1 << rng.choice([5, 13, 22])
            self.courses.append(
                {
                    "day": 1 + n % 5,
                    "place": rng.randrange(9),
                    "places": 1 + (rng.random() < 0.3),
                    "subject": str(1 + rng.randrange(len(SUBJECTS))),
                    "items": items,
                    "cancelled": cancelled,
                }
            )

    def edt_xml(self) -> str:
        """The lycée as an EDT clear export (``ExportEmploiDuTemps``)."""
        out = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<ExportEmploiDuTemps xmlns="http://www.index-education.com/exportemploidutemps" '
            f'Version="1.1" UAI="{UAI}">',
            '<AnneeScolaire DateDebut="2024-09-02" DateFin="2025-07-04" '
            'DatePremierJourSemaine1="2024-09-02"/>',
            '<GrilleHoraire NombrePlacesParJour="10" DureePlace="55"><JoursOuvres>'
            + "".join(f"<Jour>{d}</Jour>" for d in range(1, 6))
            + "</JoursOuvres><PlacesParJour>",
        ]
        for p in range(10):
            start = 8 * 60 + p * 55
            end = start + 55
            out.append(
                f'<Place Numero="{p}" LibelleHeureDebut="{start // 60:02d}:{start % 60:02d}:00" '
                f'LibelleHeureFin="{end // 60:02d}:{end % 60:02d}:00"/>'
            )
        out.append("</PlacesParJour></GrilleHoraire><Matieres>")
        out += [
            f'<Matiere Ident="{i + 1}" Code={quoteattr(code)} Libelle={quoteattr(label)}/>'
            for i, (code, label) in enumerate(SUBJECTS)
        ]
        out.append("</Matieres><Professeurs>")
        out += [
            f'<Professeur Ident="{k}" Nom={quoteattr(last)} Prenom={quoteattr(first)} '
            f'DateNaissance="{born}" IDPN="{pn}"/>'
            for k, last, first, born, pn in self.teachers
        ]
        out.append("</Professeurs><Classes>")
        for i, name in enumerate(self.classes):
            parts = "".join(f'<PartieDeClasse Ident="{p}"/>' for p in self.parts[name])
            out.append(f'<Classe Ident="{i + 1}" Nom="{name}">{parts}</Classe>')
        out.append("</Classes><Groupes>")
        for key, name, parts in self.groups:
            inner = "".join(f'<PartieDeClasse Ident="{p}"/>' for p in parts)
            out.append(f'<Groupe Ident="{key}" Nom={quoteattr(name)}>{inner}</Groupe>')
        out.append("</Groupes><Salles>")
        out += [f'<Salle Ident="{k}" Nom="{name}"/>' for k, name in self.rooms]
        out.append("</Salles><Eleves>")
        class_ident = {name: i + 1 for i, name in enumerate(self.classes)}
        for key, last, first, born, cls, part in self.students:
            out.append(
                f'<Eleve Ident="{key}" Nom={quoteattr(last)} Prenom={quoteattr(first)} DateNaissance="{born}" '
                f'Sexe="Feminin"><Classe Ident="{class_ident[cls]}" DateEntree="2024-09-02" '
                f'DateSortie="2025-07-04"/><PartieDeClasse Ident="{part}" DateEntree="2024-09-02" '
                'DateSortie="2025-07-04"/></Eleve>'
            )
        out.append("</Eleves><Cours>")
        for course in self.courses:
            cancelled = (
                f' SemainesAnnulation="{course["cancelled"]}"' if course["cancelled"] else ""
            )
            items = "".join(
                f'<{tag} Ident="{key}" Semaines="{mask}"/>' for tag, key, mask in course["items"]
            )
            out.append(
                f'<Cours Jour="{course["day"]}" NumeroPlaceDebut="{course["place"]}" '
                f'NombrePlaces="{course["places"]}"{cancelled}><Matiere Ident="{course["subject"]}"/>'
                f"{items}</Cours>"
            )
        out += ["</Cours>", "</ExportEmploiDuTemps>", ""]
        return "\n".join(out)

    def directory(self) -> list[Any]:
        """The lycée's directory: the same teachers and students, in their classes and groups."""
        records: list[Any] = [StructureRecord(STRUCTURE, "LYCEE DE BENCHMARK", uai=UAI)]
        records += [
            PersonRecord(
                f"T{k}", Profile.TEACHER, last, first, birth_date=born, structures=(STRUCTURE,)
            )
            for k, last, first, born, _ in self.teachers
        ]
        groups_of_part: dict[str, list[str]] = {}
        for _, name, parts in self.groups:
            for part in parts:
                groups_of_part.setdefault(part, []).append(name)
        for key, last, first, born, cls, part in self.students:
            records.append(
                PersonRecord(
                    f"E{key}",
                    Profile.STUDENT,
                    last,
                    first,
                    birth_date=born,
                    structures=(STRUCTURE,),
                    classes=(ClassRef(STRUCTURE, cls),),
                    groups=tuple(ClassRef(STRUCTURE, g) for g in groups_of_part.get(part, [])),
                )
            )
        return records


class SnapshotFormat:
    """Reads a JSON snapshot (used when the EDT plugin is not installed, or with ``--via json``)."""

    name = "snapshot"
    label = "Instantané JSON (benchmark)"

    def sniff(self, path: Path, head: bytes, settings: Mapping[str, object]) -> bool:
        return head.startswith(b'{"benchmark_snapshot"')

    def parse(self, path: Path, context: FormatContext) -> Timetable:
        from entcore.model._converter import structure

        return structure(json.loads(path.read_text(encoding="utf-8"))["snapshot"], Timetable)


class SnapshotPlugin:
    @entcore.hookimpl
    def entcore_register_timetable_formats(self, registry: Any) -> None:
        registry.add(SnapshotFormat())


# -- running ---------------------------------------------------------------------------------


@contextmanager
def timed(label: str, results: list[tuple[str, float]]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    results.append((label, elapsed))
    print(f"  {label:<34} {elapsed:8.2f} s", flush=True)


def make_app(url: str, plugins: list[object]) -> Entcore:
    settings = load_settings(None, environ={}, overrides={("store", "url"): url})
    return Entcore(settings, load_entrypoints=False, plugins=plugins)


def run_case(
    title: str,
    url: str,
    plugins: list[object],
    records: list[Any],
    path: Path,
    uai: str,
    as_of: date,
    fresh: Callable[[], None],
) -> list[tuple[str, float]]:
    print(f"\n{title}", flush=True)
    fresh()
    results: list[tuple[str, float]] = []
    app = make_app(url, plugins)
    try:
        with timed("directory import", results):
            app.directory.run_feed(RecordFeed(records), source="bench")
        with timed("preview (import_file)", results):
            report = app.timetable.import_file(path, uai, as_of=as_of)
        print(
            f"    sessions +{report.sessions.delta}, services +{report.teaching_services.added}, "
            f"teachers {report.teachers.imported}/{report.teachers.imported + report.teachers.not_imported}, "
            f"warnings {len(report.warnings)}"
        )
        with timed("validate", results):
            app.timetable.validate(report.id)
        with timed("re-import preview (no change)", results):
            again = app.timetable.import_file(path, uai, as_of=as_of)
        changes = (
            again.sessions.delta + again.teaching_services.added + again.teaching_services.modified
        )
        print(f"    changes reported: {changes}")
        with timed("re-import validate", results):
            app.timetable.validate(again.id)
        print(f"    store: {app.stats()['sessions']} active sessions")
    finally:
        app.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="PostgreSQL URL (emptied!); default: SQLite files in benchmarks/out/"
    )
    parser.add_argument(
        "--via",
        choices=("edt", "json"),
        default="edt",
        help="how the lycée is read (default: an EDT export, if entcore-edt is installed)",
    )
    parser.add_argument("--courses", type=int, default=3000)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)

    def store(name: str) -> tuple[str, Callable[[], None]]:
        if args.db:
            return args.db, lambda: reset_database(args.db)
        path = out / f"{name}.db"

        def fresh() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return f"sqlite:///{path}", fresh

    try:
        import entcore_edt
    except ImportError:
        entcore_edt = None

    summary: dict[str, list[tuple[str, float]]] = {}
    corpus_file = CORPUS / "Edt_To_LaclasseCom_0134567A_Enclair.xml"
    if entcore_edt is not None and corpus_file.is_file():
        snapshot = entcore_edt.EdtFormat().parse(corpus_file, FormatContext(corpus_file.name))
        records = corpus_directory(snapshot)
        url, fresh = store("corpus")
        summary["corpus"] = run_case(
            f"Corpus: {corpus_file.name} ({corpus_file.stat().st_size // 1024} KiB, "
            f"{len(snapshot.courses)} courses)",
            url,
            [entcore_edt],
            records,
            corpus_file,
            snapshot.uai,
            date(2013, 8, 30),
            fresh,
        )
    else:
        print("corpus case skipped: entcore-edt or ../shared/corpus missing", file=sys.stderr)

    lycee = Lycee(args.courses)
    with tempfile.TemporaryDirectory() as folder:
        if args.via == "edt" and entcore_edt is not None:
            path = Path(folder) / f"Edt_To_Bench_{UAI}.xml"
            path.write_text(lycee.edt_xml(), encoding="utf-8")
            plugins: list[object] = [entcore_edt]
        else:
            path = Path(folder) / "lycee.json"
            xml = Path(folder) / "lycee.xml"
            xml.write_text(lycee.edt_xml(), encoding="utf-8")
            plugins = [SnapshotPlugin()]
            if entcore_edt is None:
                sys.exit(
                    "--via json needs entcore-edt once, to build the snapshot from the EDT export"
                )
            from entcore.model._converter import unstructure

            parsed = entcore_edt.EdtFormat().parse(xml, FormatContext(xml.name))
            path.write_text(json.dumps({"benchmark_snapshot": 1, "snapshot": unstructure(parsed)}))
        url, fresh = store("lycee")
        summary["lycee"] = run_case(
            f"Synthetic lycée: {len(lycee.courses)} courses, {len(lycee.teachers)} teachers, "
            f"{len(lycee.students)} students, {len(lycee.classes)} classes, {len(lycee.groups)} groups "
            f"({path.stat().st_size // 1024} KiB, via {path.suffix[1:]})",
            url,
            plugins,
            lycee.directory(),
            path,
            UAI,
            date(2024, 8, 30),
            fresh,
        )
    print("\nSummary (seconds)")
    for case, results in summary.items():
        print(f"  {case:<8} " + "  ".join(f"{label}={seconds:.2f}" for label, seconds in results))
    return 0


def corpus_directory(snapshot: Timetable) -> list[Any]:
    """A directory holding the export's own teachers, students, classes and groups."""
    structure = "COLLEGE-" + snapshot.uai
    class_names = {c.key: c.name for c in snapshot.classes}
    records: list[Any] = [StructureRecord(structure, "COLLEGE", uai=snapshot.uai)]
    records += [
        PersonRecord(
            f"T{t.key}",
            Profile.TEACHER,
            t.last_name,
            t.first_name,
            birth_date=t.birth_date,
            structures=(structure,),
        )
        for t in snapshot.teachers
    ]
    for student in snapshot.students:
        keys = {m.key for m in student.memberships}
        classes = tuple(
            ClassRef(structure, class_names[k])
            for k in keys
            if k in class_names
            and any(m.kind.value == "class" and m.key == k for m in student.memberships)
        )
        groups = tuple(
            ClassRef(structure, g.name)
            for g in snapshot.groups
            if set(g.parts) & keys or set(g.classes) & keys
        )
        records.append(
            PersonRecord(
                f"E{student.key}",
                Profile.STUDENT,
                student.last_name,
                student.first_name,
                birth_date=student.birth_date,
                structures=(structure,),
                classes=classes,
                groups=groups,
            )
        )
    return records


if __name__ == "__main__":
    sys.exit(main())
