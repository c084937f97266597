"""A synthetic académie AAF 2D feed, and the parse floor to compare the AAF source with.

``generate(target_dir, entries, seed)`` writes a Complet export of about
``entries`` entries, shaped like the rectorat's: every attribute of each
category present (empty or not), nomenclatures of national size, collèges of
300 to 900 pupils with classes and groups, about 1.6 relatives per student,
about one staff member per 12 students, files chunked at ``chunk_size``
entries.  Identifiers are consistent: every relative, class, group, subject,
MEF and structure referenced exists.  Files are written as entries are made,
so memory does not depend on ``entries``; the same seed gives the same bytes.

``parse_floor(paths)`` is the cost of merely reading the files: lxml's
``iterparse`` on the request elements, touching every attribute name and value,
clearing as it goes.  An import of an unchanged feed cannot be cheaper.

Run ``python benchmarks/aaf_feed.py TARGET_DIR ENTRIES [--seed N] [--chunk-size N]``.
``--measure`` then times the floor and the AAF source; ``--phase`` times one of
them on the feed already in ``TARGET_DIR``, so that each phase can run in its own
process and report its own peak memory.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from lxml import etree

from entcore.safexml import SAFE_OPTIONS

DATE = "20250901"
PREFIX = f"ENT2D.{DATE}_Complet_{DATE}"
HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE ficAlimMENESR SYSTEM "ficAlimMENESR.dtd">\n'
    "<ficAlimMENESR>\n"
    '<!-- versionAF="AAF-VE2407" -->\n'
    '<!-- versionSDET="Annexe 4bis version 6.4" -->\n'
    '<!-- codeAcademieExport="099" -->\n'
    '<!-- degre="2D" -->\n'
    '<!-- dateGenerationExport="01/09/2025" -->\n\n'
)
FOOTER = "</ficAlimMENESR>\n"

#: Entries per chunk file; the rectorat's exports hold tens of thousands.
DEFAULT_CHUNK_SIZE = 15_000

_TAGS = ("addRequest", "modifyRequest", "deleteRequest")

LEVELS = (
    ("6", "10010012110", "6EME", 2014),
    ("5", "10110001110", "5EME", 2013),
    ("4", "10210001110", "4EME", 2012),
    ("3", "10310019110", "3EME", 2011),
)
CLASS_SIZE = 26
SURNAMES = (
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEROY",
    "MOREAU",
    "SIMON",
    "LAURENT",
    "LEFEBVRE",
    "MICHEL",
    "GARCIA",
    "DAVID",
    "BERTRAND",
    "ROUX",
    "VINCENT",
    "FOURNIER",
    "MOREL",
    "GIRARD",
    "ANDRE",
    "LEFEVRE",
    "MERCIER",
    "DUPONT",
    "LAMBERT",
    "BONNET",
    "FRANCOIS",
    "MARTINEZ",
    "LEGRAND",
    "GARNIER",
    "FAURE",
    "ROUSSEAU",
    "BLANC",
    "GUERIN",
    "MULLER",
    "HENRY",
    "ROUSSEL",
    "NICOLAS",
    "PERRIN",
    "MORIN",
    "MATHIEU",
    "CLEMENT",
    "GAUTHIER",
    "DUMONT",
    "LOPEZ",
    "FONTAINE",
    "CHEVALIER",
    "ROBIN",
    "MASSON",
    "SANCHEZ",
    "GERARD",
    "NGUYEN",
    "BOYER",
    "DENIS",
    "LEMAIRE",
    "DUVAL",
    "JOLY",
    "GAUTIER",
    "ROGER",
    "ROCHE",
    "ROY",
    "NOEL",
    "MEYER",
    "LUCAS",
    "MEUNIER",
    "JEAN",
    "PEREZ",
    "MARCHAND",
    "DUFOUR",
    "BLANCHARD",
    "MARIE",
    "BARBIER",
    "BRUN",
    "DUMAS",
    "BRUNET",
    "SCHMITT",
    "LEROUX",
    "COLIN",
    "FERNANDEZ",
    "PIERRE",
    "RENARD",
    "ARNAUD",
    "ROLLAND",
    "CARON",
    "AUBERT",
    "GIRAUD",
    "LECLERC",
    "VIDAL",
    "BOURGEOIS",
    "RENAUD",
    "LEMOINE",
    "PICARD",
    "GAILLARD",
    "PHILIPPE",
    "LECLERCQ",
)
GIVEN = (
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Manon",
    "Nathan",
    "Inès",
    "Louis",
    "Jade",
    "Gabriel",
    "Zoé",
    "Raphaël",
    "Lina",
    "Arthur",
    "Rose",
    "Jules",
    "Ambre",
    "Maël",
    "Lou",
    "Noah",
    "Émilie",
    "Sébastien",
    "Hélène",
    "Jérôme",
    "Anaïs",
    "François",
    "Céline",
    "Grégory",
    "Nathalie",
    "Frédéric",
    "Élodie",
    "Cédric",
    "Sophie",
    "Thierry",
    "Aurélie",
    "Benoît",
)
STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "chemin des Vignes",
    "place de l'Église",
    "route de Lyon",
    "impasse des Lilas",
    "allée des Érables",
    "rue du Stade",
)
TOWNS = (
    ("74000", "ANNECY"),
    ("73000", "CHAMBERY"),
    ("38000", "GRENOBLE"),
    ("26000", "VALENCE"),
    ("07000", "PRIVAS"),
    ("74200", "THONON-LES-BAINS"),
    ("73100", "AIX-LES-BAINS"),
)
REGIMES = ("EXTERNE LIBRE", "DEMI-PENSIONNAIRE DANS L'ETABLISSEMENT", "INTERNE 5 JOURS")
STAFF_FUNCTIONS = (
    ("DIR", "DIRECTION", "D0010", "CHEF D'ETABLISSEMENT"),
    ("EDU", "EDUCATION", "E0030", "EDUCATION  (CE ,CPE)"),
    ("DOC", "DOCUMENTATION", "L0080", "DOCUMENTATION"),
    ("ADF", "PERSONNELS ADMINISTRATIFS", "P9101", "FONCTION ADMINISTRATIVE"),
    ("AED", "ASSISTANT D'EDUCATION", "-", "SANS OBJET"),
)
#: (BCN code, label, discipline code, discipline label) taught in every collège.
COLLEGE_SUBJECTS = (
    ("020700", "FRANCAIS", "L0202", "LETTRES MODERNES"),
    ("061300", "MATHEMATIQUES", "L1300", "MATHEMATIQUES"),
    ("030201", "ANGLAIS LV1", "L0422", "ANGLAIS"),
    ("042100", "HISTOIRE-GEOGRAPHIE-EDUCATION CIVIQUE", "L1000", "HISTOIRE GEOGRAPHIE"),
    ("062900", "SCIENCES DE LA VIE ET DE LA TERRE", "L1600", "SCIENCES DE LA VIE ET DE LA TERRE"),
    ("062300", "PHYSIQUE-CHIMIE", "L1500", "PHYSIQUE CHIMIE"),
    ("070800", "TECHNOLOGIE", "L1400", "TECHNOLOGIE"),
    ("100100", "EDUCATION PHYSIQUE ET SPORTIVE", "L1900", "EDUCATION PHYSIQUE ET SPORTIVE"),
    ("090100", "ARTS PLASTIQUES", "L1800", "ARTS PLASTIQUES"),
    ("081300", "EDUCATION MUSICALE", "L1700", "EDUCATION MUSICALE"),
)
GROUP_SUBJECTS = (
    ("ALL LV2", "030102", "ALLEMAND LV2"),
    ("ESP LV2", "030602", "ESPAGNOL LV2"),
    ("LATIN", "020100", "LATIN"),
)


@dataclass(frozen=True)
class Plan:
    """About how many entries of each kind a feed of ``entries`` entries holds.

    Relatives are drawn per family, so their real number varies around the plan by a few percent.
    """

    structures: int
    subjects: int
    mefs: int
    relatives: int
    students: int
    staff: int

    @property
    def total(self) -> int:
        return (
            self.structures
            + self.subjects
            + self.mefs
            + self.relatives
            + self.students
            + self.staff
        )


def plan(entries: int) -> Plan:
    """Split ``entries`` into kinds with the proportions of a real 2D export."""
    subjects = min(718, max(15, entries // 100))
    mefs = min(2504, max(10, entries // 40))
    people = max(0, entries - subjects - mefs)
    # Per student: 1.6 relatives, 1/12 staff member, 1/550 structure.
    students = max(1, int(people / (1 + 1.6 + 1 / 12 + 1 / 550)))
    structures = max(1, math.ceil(students / 550))
    staff = max(structures * 3, round(students / 12))
    relatives = max(0, entries - subjects - mefs - students - staff - structures)
    return Plan(structures, subjects, mefs, relatives, students, staff)


class ChunkWriter:
    """Writes entries of one category into chunk files of ``chunk_size`` entries."""

    def __init__(self, folder: Path, category: str, chunk_size: int):
        self.folder = folder
        self.category = category
        self.chunk_size = chunk_size
        self.paths: list[Path] = []
        self._file: IO[str] | None = None
        self._count = 0

    def write(self, request: str) -> None:
        if self._file is None or self._count == self.chunk_size:
            self._rotate()
        assert self._file is not None
        self._file.write(request)
        self._count += 1

    def _rotate(self) -> None:
        self.close()
        path = self.folder / f"{PREFIX}_{self.category}_{len(self.paths):04d}.xml"
        self.paths.append(path)
        self._file = path.open("w", encoding="utf-8", newline="\n")
        self._file.write(HEADER)
        self._count = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.write(FOOTER)
            self._file.close()
            self._file = None


def _request(
    category_attr: str,
    category: str,
    identifier: str,
    attributes: Iterable[tuple[str, Sequence[str]]],
) -> str:
    parts = [
        '<addRequest>\n<operationalAttributes><attr name="',
        category_attr,
        '"><value>',
        category,
        "</value></attr></operationalAttributes>\n<identifier><id>",
        identifier,
        "</id></identifier>\n<attributes>\n",
    ]
    for name, values in attributes:
        parts.append(f'<attr name="{name}">')
        if values:
            for value in values:
                parts.append(f"<value>{escape(value)}</value>" if value else "<value/>")
        else:
            parts.append("<value/>")
        parts.append("</attr>\n")
    parts.append("</attributes>\n</addRequest>\n")
    return "".join(parts)


def _structure_id(index: int) -> str:
    return str(50000 + index)


def _subjects(count: int) -> Iterator[tuple[str, str]]:
    national = [(code, label) for code, label, _, _ in COLLEGE_SUBJECTS]
    national += [(code, label) for _, code, label in GROUP_SUBJECTS]
    national += [("008400", "VIE DE CLASSE"), ("006600", "ACCOMPAGNEMENT PERSONNALISE")]
    yield from national[:count]
    for index in range(len(national), count):
        yield f"{100000 + index * 7:06d}"[-6:], f"MATIERE SYNTHETIQUE N{index} & OPTION"


def _mefs(count: int) -> Iterator[tuple[str, str, str, str]]:
    national = [(code, label, code, f"2{code[1:]}") for _, code, label, _ in LEVELS]
    yield from national[:count]
    for index in range(len(national), count):
        code = f"2{index:09d}0"
        yield code, f"MEF SYNTHETIQUE {index} : 1ERE ANNEE", code, f"3{index:09d}1"


def _person_common(
    rng: random.Random, jointure: str, surname: str, given: str, birth: str, title: str
) -> list[tuple[str, Sequence[str]]]:
    return [
        ("ENTPersonJointure", [jointure]),
        ("ENTPersonDateNaissance", [birth]),
        ("ENTPersonNomPatro", [surname]),
        ("sn", [surname]),
        ("givenName", [given]),
        ("ENTPersonAutresPrenoms", [given, rng.choice(GIVEN)]),
        ("personalTitle", [title]),
    ]


def _address(rng: random.Random) -> list[tuple[str, Sequence[str]]]:
    postal_code, town = rng.choice(TOWNS)
    return [
        ("ENTPersonAdresse", [f"{rng.randint(1, 180)} {rng.choice(STREETS)}$$$"]),
        ("ENTPersonCodePostal", [postal_code]),
        ("ENTPersonVille", [town]),
        ("ENTPersonPays", ["FRANCE"]),
    ]


def generate(
    target_dir: Path, entries: int, seed: int = 0, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> list[Path]:
    """Write a synthetic Complet feed of about ``entries`` entries; return its files in kind order."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    counts = plan(entries)
    writers = {
        category: ChunkWriter(target_dir, category, chunk_size)
        for category in (
            "EtabEducNat",
            "MatiereEducNat",
            "MefEducNat",
            "PersRelEleve",
            "Eleve",
            "PersEducNat",
        )
    }
    try:
        _write_nomenclatures(writers, counts)
        sizes = _structure_sizes(rng, counts)
        _write_structures(writers["EtabEducNat"], sizes)
        _write_people(writers, rng, counts, sizes)
    finally:
        for writer in writers.values():
            writer.close()
    return [path for writer in writers.values() for path in writer.paths]


def _structure_sizes(rng: random.Random, counts: Plan) -> list[int]:
    sizes = [rng.randint(300, 900) for _ in range(counts.structures)]
    scale = counts.students / sum(sizes)
    sizes = [max(1, int(size * scale)) for size in sizes]
    sizes[-1] += counts.students - sum(sizes)
    return sizes


def _write_nomenclatures(writers: dict[str, ChunkWriter], counts: Plan) -> None:
    for code, label in _subjects(counts.subjects):
        writers["MatiereEducNat"].write(
            _request(
                "categorieMatiere",
                "MatEducNat",
                code,
                [("ENTMatJointure", [code]), ("ENTLibelleMatiere", [label])],
            )
        )
    for code, label, attachment, stat in _mefs(counts.mefs):
        writers["MefEducNat"].write(
            _request(
                "categorieMef",
                "MefEducNat",
                code,
                [
                    ("ENTMefJointure", [code]),
                    ("ENTLibelleMef", [label]),
                    ("ENTMEFRattach", [attachment]),
                    ("ENTMEFSTAT11", [stat]),
                ],
            )
        )


def _write_structures(writer: ChunkWriter, sizes: list[int]) -> None:
    for index, size in enumerate(sizes):
        jointure = _structure_id(index)
        uai = f"{999 * 10000 + index:07d}"[-7:] + "ABCDEFGHJKLMNPRSTUVWXYZ"[index % 23]
        postal_code, town = TOWNS[index % len(TOWNS)]
        classes = [f"{code}$CLASSE {code}${mef}" for code, mef in _classes(size)]
        writer.write(
            _request(
                "categorieStructure",
                "EtabEducNat",
                jointure,
                [
                    ("ENTStructureJointure", [jointure]),
                    ("ENTStructureUAI", [uai]),
                    ("ENTEtablissementUAI", [uai]),
                    ("ENTStructureSIREN", [f"{19000000000000 + index}"]),
                    ("ENTStructureNomCourant", [f"CLG$COLLEGE SYNTHETIQUE {index}${town}"]),
                    ("ENTStructureTypeStruct", ["COLLEGE"]),
                    ("ENTStructureCodeTypeStruct", ["340"]),
                    ("ENTEtablissementMinistereTutelle", ["MINISTERE DE L'EDUCATION NATIONALE"]),
                    ("ENTEtablissementCodeMinistereTutelle", ["06"]),
                    ("ENTEtablissementContrat", ["PU"]),
                    ("postOfficeBox", []),
                    ("street", [f"{index % 90 + 1} {STREETS[index % len(STREETS)]}"]),
                    ("postalCode", [postal_code]),
                    ("l", [town]),
                    ("telephoneNumber", [f"+33 4 50 {index % 100:02d} 00 00"]),
                    ("facsimileTelephoneNumber", []),
                    ("ENTStructureMailSI", [f"ce.{uai.lower()}@example.test"]),
                    ("ENTEtablissementStructRattachFctl", []),
                    ("ENTEtablissementBassin", ["09901$BASSIN SYNTHETIQUE"]),
                    ("ENTServAcAcademie", ["SYNTHESE"]),
                    ("ENTServAcCodeAcademie", ["099"]),
                    ("ENTStructureClasses", classes),
                    (
                        "ENTStructureGroupes",
                        [
                            f"{level}{group}${label}"
                            for level, *_ in LEVELS
                            for group, _, label in GROUP_SUBJECTS
                        ],
                    ),
                ],
            )
        )


def _classes(size: int) -> list[tuple[str, str]]:
    """Class codes of a collège of ``size`` pupils, spread over the four levels."""
    count = max(1, math.ceil(size / CLASS_SIZE))
    return [
        (f"{LEVELS[index % 4][0]}{chr(ord('A') + index // 4)}", LEVELS[index % 4][1])
        for index in range(count)
    ]


def _write_people(
    writers: dict[str, ChunkWriter], rng: random.Random, counts: Plan, sizes: list[int]
) -> None:
    student_id = 2_000_000
    relative_id = 3_000_000
    for index, size in enumerate(sizes):
        structure = _structure_id(index)
        classes = _classes(size)
        local = 0
        while local < size:
            # 1.35 children and 2.2 relatives per family: 1.6 relatives per student,
            # siblings sharing theirs, as in the rectorat's exports.
            children = min(
                size - local,
                rng.choice((1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3)),
            )
            parents = rng.choices((1, 2, 3), weights=(10, 60, 30))[0]
            surname = rng.choice(SURNAMES)
            links = []
            for rank in range(parents):
                jointure = str(relative_id)
                relative_id += 1
                code = ("10", "20", "39", "90")[min(rank, 3)]
                legal = "1" if rank < 2 else "0"
                links.append(
                    f"{jointure}${code}${'1' if rank == 0 else '0'}${legal}$1${'1' if rank == 0 else '0'}"
                )
                title = ("Mme", "M.", "Mme", "M.")[min(rank, 3)]
                mobile = f"06 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
                writers["PersRelEleve"].write(
                    _request(
                        "categoriePersonne",
                        "PersRelEleve",
                        jointure,
                        [
                            ("ENTPersonJointure", [jointure]),
                            ("ENTPersonDateNaissance", []),
                            ("ENTPersonNomPatro", [surname]),
                            ("sn", [surname]),
                            ("givenName", [rng.choice(GIVEN)]),
                            ("ENTPersonAutresPrenoms", []),
                            ("personalTitle", [title]),
                            ("homePhone", [f"04 {rng.randint(10, 99)} 00 00 00"]),
                            ("telephoneNumber", []),
                            ("mobile", [mobile]),
                            ("ENTPersonMobileSMS", [mobile]),
                            ("mail", [f"parent{jointure}@example.test"]),
                            *_address(rng),
                            ("ENTPersonAdresseDiffusion", ["N"]),
                        ],
                    )
                )
            for _ in range(children):
                code, mef = classes[local * len(classes) // size]
                level = next(entry for entry in LEVELS if entry[0] == code[0])
                jointure = str(student_id)
                student_id += 1
                local += 1
                groups = [f"{structure}${code[0]}{rng.choice(('ALL LV2', 'ESP LV2'))}"]
                if rng.random() < 0.15:
                    groups.append(f"{structure}${code[0]}LATIN")
                subjects = [(subject_code, label) for subject_code, label, _, _ in COLLEGE_SUBJECTS]
                writers["Eleve"].write(
                    _request(
                        "categoriePersonne",
                        "Eleve",
                        jointure,
                        [
                            *_person_common(
                                rng,
                                jointure,
                                surname,
                                rng.choice(GIVEN),
                                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{level[3]}",
                                rng.choice(("M.", "Mlle")),
                            ),
                            ("ENTEleveINE", [f"{jointure}{rng.randint(10, 99)}AB"]),
                            ("ENTEleveStructRattachId", [str(800000 + student_id % 100000)]),
                            ("ENTEleveParents", [link.split("$", 1)[0] for link in links[:2]]),
                            ("ENTElevePere", [links[1].split("$", 1)[0]] if len(links) > 1 else []),
                            ("ENTEleveMere", [links[0].split("$", 1)[0]] if links else []),
                            (
                                "ENTEleveAutoriteParentale",
                                [link.split("$", 1)[0] for link in links[:2]],
                            ),
                            ("ENTElevePersRelEleve1", []),
                            ("ENTEleveQualitePersRelEleve1", []),
                            ("ENTElevePersRelEleve2", []),
                            ("ENTEleveQualitePersRelEleve2", []),
                            ("ENTElevePersRelEleve", links),
                            ("ENTEleveBoursier", [rng.choice("NNNO")]),
                            ("ENTEleveRegime", [rng.choice(REGIMES)]),
                            ("ENTEleveTransport", [rng.choice("NO")]),
                            ("ENTEleveStatutEleve", ["SCOLAIRE"]),
                            ("ENTEleveMEF", [mef]),
                            ("ENTEleveLibelleMEF", [level[2]]),
                            ("ENTEleveNivFormation", [level[2]]),
                            ("ENTEleveFiliere", ["COLLEGE  GENERAL"]),
                            ("ENTEleveEnseignements", [label for _, label in subjects]),
                            (
                                "ENTEleveCodeEnseignements",
                                [subject_code for subject_code, _ in subjects],
                            ),
                            ("ENTPersonStructRattach", [structure]),
                            ("ENTEleveClasses", [f"{structure}${code}"]),
                            ("ENTEleveGroupes", groups),
                            *_address(rng),
                            ("ENTEleveAdresseRel", [links[0].split("$", 1)[0]] if links else []),
                            ("ENTEleveDateEntreeClasses", [f"{structure}$01/09/2025${code}"]),
                            ("ENTEleveDateSortieClasses", []),
                        ],
                    )
                )
        _write_staff(
            writers["PersEducNat"],
            rng,
            index,
            classes,
            counts.staff * size // max(1, counts.students)
            if index < len(sizes) - 1
            else counts.staff
            - sum(counts.staff * s // max(1, counts.students) for s in sizes[:-1]),
        )


def _write_staff(
    writer: ChunkWriter, rng: random.Random, index: int, classes: list[tuple[str, str]], count: int
) -> None:
    structure = _structure_id(index)
    teachers = max(1, count - len(STAFF_FUNCTIONS))
    for rank in range(max(1, count)):
        jointure = str(4_000_000 + index * 1000 + rank)
        surname = rng.choice(SURNAMES)
        given = rng.choice(GIVEN)
        common = _person_common(
            rng,
            jointure,
            surname,
            given,
            f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1960, 1998)}",
            rng.choice(("M.", "Mme")),
        )
        if rank < teachers:
            subject, label, discipline, discipline_label = COLLEGE_SUBJECTS[
                rank % len(COLLEGE_SUBJECTS)
            ]
            taught = classes[rank % len(classes) :: max(1, teachers // len(COLLEGE_SUBJECTS) or 1)][
                :6
            ]
            groups = []
            if rank % 4 == 0:
                group, group_subject, _ = GROUP_SUBJECTS[rank % len(GROUP_SUBJECTS)]
                groups = [f"{structure}${code[0]}{group}${group_subject}" for code, _ in taught[:2]]
            head = [f"{structure}${classes[rank].__getitem__(0)}"] if rank < len(classes) else []
            attributes = [
                *common,
                ("mail", [f"{given.lower()}.{surname.lower()}@example.test"]),
                ("ENTPersonStructRattach", [structure]),
                ("ENTAuxEnsCategoDiscipline", [f"{discipline[1:3]}${discipline_label}"]),
                ("ENTAuxEnsDisciplinesPoste", [f"{discipline_label}${discipline[1:3]}"]),
                (
                    "ENTAuxEnsMEF",
                    sorted(
                        {
                            f"{structure}${mef}${next(e[2] for e in LEVELS if e[1] == mef)}"
                            for _, mef in taught
                        }
                    ),
                ),
                ("ENTAuxEnsMatiereEnseignEtab", [f"{structure}${label}"]),
                ("ENTAuxEnsClasses", [f"{structure}${code}" for code, _ in taught]),
                ("ENTAuxEnsGroupes", [value.rsplit("$", 1)[0] for value in groups]),
                (
                    "ENTAuxEnsClassesMatieres",
                    [f"{structure}${code}${subject}" for code, _ in taught],
                ),
                ("ENTAuxEnsGroupesMatieres", groups),
                ("ENTAuxEnsClassesPrincipal", head),
                (
                    "ENTPersonFonctions",
                    [f"{structure}$ENS$ENSEIGNEMENT${discipline}${discipline_label}"],
                ),
                ("ENTPersonCategorieEnseignant", ["O"]),
                ("PersEducNatPresenceDevantEleves", ["O"]),
            ]
        else:
            code, function, position, position_label = STAFF_FUNCTIONS[
                (rank - teachers) % len(STAFF_FUNCTIONS)
            ]
            attributes = [
                *common,
                ("mail", [f"{given.lower()}.{surname.lower()}@example.test"]),
                ("ENTPersonStructRattach", [structure]),
                ("ENTAuxEnsCategoDiscipline", ["00$NON SPECIALISE"]),
                ("ENTAuxEnsDisciplinesPoste", []),
                ("ENTAuxEnsMEF", []),
                ("ENTAuxEnsMatiereEnseignEtab", []),
                ("ENTAuxEnsClasses", []),
                ("ENTAuxEnsGroupes", []),
                ("ENTAuxEnsClassesMatieres", []),
                ("ENTAuxEnsGroupesMatieres", []),
                ("ENTAuxEnsClassesPrincipal", []),
                (
                    "ENTPersonFonctions",
                    [f"{structure}${code}${function}${position}${position_label}"],
                ),
                ("ENTPersonCategorieEnseignant", ["O" if code == "DOC" else "N"]),
                ("PersEducNatPresenceDevantEleves", ["N"]),
            ]
        writer.write(_request("categoriePersonne", "PersEducNat", jointure, attributes))


def parse_floor(paths: Iterable[Path]) -> float:
    """Seconds lxml's ``iterparse`` takes to read every attribute name and value of ``paths``."""
    start = time.perf_counter()
    for path in paths:
        for _, element in etree.iterparse(str(path), tag=_TAGS, **SAFE_OPTIONS):
            for child in element:
                if child.tag in ("attributes", "modifications"):
                    for attr in child:
                        attr.get("name")
                        for value in attr:
                            value.text  # noqa: B018 - reading the text is the measured work
                elif child.tag == "identifier":
                    child.findtext("id")
            element.clear()
            parent = element.getparent()
            while element.getprevious() is not None:
                del parent[0]
    return time.perf_counter() - start


def plugin_pass(paths: Sequence[Path], build: bool = False) -> tuple[float, int]:
    """Seconds and entry count of a pass of the AAF source over ``paths`` (building records or not)."""
    from entcore.model import Entry, RecordError
    from entcore.plugins.aaf import AafSource
    from entcore.protocols import SourceContext

    start = time.perf_counter()
    entries = 0
    with AafSource().open(list(paths), SourceContext()) as feed:
        for item in feed:
            if isinstance(item, Entry):
                entries += 1
                if build:
                    with contextlib.suppress(RecordError):
                        item.build()
    return time.perf_counter() - start, entries


def _best(phase: str, paths: Sequence[Path], repeat: int) -> tuple[float, int]:
    """The fastest of ``repeat`` runs of ``phase`` (noise only ever slows a run), and its entries."""
    runs = []
    for _ in range(repeat):
        if phase == "floor":
            runs.append((parse_floor(paths), 0))
        else:
            runs.append(plugin_pass(paths, build=phase == "build"))
    return min(runs)


def _peak_rss_mb() -> float:
    import resource  # Unix only, like the benchmark's users

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("target", type=Path, help="folder to write the feed into")
    parser.add_argument("entries", type=int, help="approximate number of entries")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument(
        "--measure",
        action="store_true",
        help="then time the parse floor and the AAF source on the feed",
    )
    parser.add_argument(
        "--phase",
        choices=("floor", "no-build", "build"),
        help="only time this phase, on the feed already in TARGET, and print its peak memory",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="time each phase this many times, keep the fastest"
    )
    options = parser.parse_args(argv)
    total = plan(options.entries).total
    if options.phase:
        paths = sorted(options.target.glob("*.xml"))
        seconds, count = _best(options.phase, paths, options.repeat)
        print(
            f"{options.phase:9s} {seconds:7.2f} s  {(count or total) / seconds:9.0f} entries/s  "
            f"peak RSS {_peak_rss_mb():.1f} MB  (best of {options.repeat})"
        )
        return 0
    start = time.perf_counter()
    paths = generate(options.target, options.entries, options.seed, options.chunk_size)
    size = sum(path.stat().st_size for path in paths)
    print(
        f"{len(paths)} files, {size / 1e6:.1f} MB, {plan(options.entries)} "
        f"in {time.perf_counter() - start:.1f} s"
    )
    if options.measure:
        floor, _ = _best("floor", paths, options.repeat)
        print(f"parse floor      {floor:7.2f} s  {total / floor:9.0f} entries/s")
        for phase in ("no-build", "build"):
            seconds, count = _best(phase, paths, options.repeat)
            label = "source + build " if phase == "build" else "source, no build"
            print(
                f"{label} {seconds:7.2f} s  {count / seconds:9.0f} entries/s  ({seconds / floor:.2f}x floor)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
