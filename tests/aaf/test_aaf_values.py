"""Converters of attribute values and relationship codes."""

from __future__ import annotations

from datetime import date

import pytest

from entcore.model import (
    ClassRef,
    FunctionAssignment,
    MefRef,
    RecordError,
    Relationship,
    Teaching,
    TeachingTarget,
)
from entcore.plugins.aaf import codes, values


def test_split_keeps_positions() -> None:
    """Empty positions stay; missing trailing ones read as empty; extra ``$`` stay in the last."""
    assert values.split("1 rue de Test$$$", 4) == ["1 rue de Test", "", "", ""]
    assert values.split("42$1TES 2", 3) == ["42", "1TES 2", ""]
    assert values.split("a$b$c$d", 2) == ["a", "b$c$d"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("14/09/1995", date(1995, 9, 14)), ("01/01/2000", date(2000, 1, 1)), ("", None), ("  ", None)],
)
def test_dates(raw: str, expected: date | None) -> None:
    """``dd/mm/yyyy`` dates, blank means none."""
    assert values.birth_date("ENTPersonDateNaissance", [raw]) == expected


@pytest.mark.parametrize(
    "raw", ["31/02/2010", "1995-09-14", "14/09/1895", "14/09/2195", "1/9/1995"]
)
def test_invalid_dates_rejected(raw: str) -> None:
    """Impossible dates, other formats and years outside 19xx/20xx are rejected with a reason."""
    with pytest.raises(RecordError, match=f"ENTPersonDateNaissance : date invalide « {raw} »"):
        values.birth_date("ENTPersonDateNaissance", [raw])


@pytest.mark.parametrize("raw", ["0740099X", "1004001V"])
def test_valid_uai(raw: str) -> None:
    """Seven digits and an upper-case letter."""
    assert values.uai("ENTStructureUAI", [raw]) == raw


@pytest.mark.parametrize("raw", ["074009X", "0740099x", "07400999", "ABCDEFGH", "0740099XX"])
def test_invalid_uai_rejected(raw: str) -> None:
    """Anything else is rejected, the value quoted in the reason."""
    with pytest.raises(RecordError, match=f"UAI invalide « {raw} »"):
        values.uai("ENTStructureUAI", [raw])


def test_texts_skip_blanks_dedupe_and_keep_inner_spaces() -> None:
    """Repeated values count once; inner (even double) spaces are kept."""
    assert values.texts("x", ["1ERE  GENERALE", "", "1ERE  GENERALE", " 2D5 GRA"]) == (
        "1ERE  GENERALE",
        " 2D5 GRA",
    )


def test_multiline_values_lose_their_indentation_only() -> None:
    """A value written over several lines is trimmed; a one-line value is not."""
    assert values.text("x", ["\n      DUPONT  Jean\n   "]) == "DUPONT  Jean"
    assert values.text("x", ["DUPONT "]) == "DUPONT "


def test_structure_name_replaces_dollars() -> None:
    """``TYPE$NAME$CITY`` becomes ``TYPE-NAME-CITY``."""
    assert values.structure_name("n", ["CLG$CLG INTEGRATION$PARIS"]) == "CLG-CLG INTEGRATION-PARIS"


def test_address_lines_drop_trailing_empty_lines_only() -> None:
    """Inner empty lines keep their position."""
    assert values.address_lines("a", ["1 rue de Test$$$"]) == ("1 rue de Test",)
    assert values.address_lines("a", ["Chalet$$Hameau$"]) == ("Chalet", "", "Hameau")
    assert values.address_lines("a", ["$$$"]) == ()


def test_class_refs_2d_and_1d() -> None:
    """2D ``struct$code``; 1D five fields with the class in field 4 and its label in field 5."""
    assert values.class_refs("c", ["42$1TES 2", "42$1TES 2", "42$", "$X"]) == (
        ClassRef("42", "1TES 2"),
    )
    assert values.class_refs_1d("c", ["61001$$$CM1A$CM1 A", "61001$a$b$CP$"]) == (
        ClassRef("61001", "CM1A", "CM1 A"),
        ClassRef("61001", "CP", None),
    )


def test_teachings_subject_optional() -> None:
    """``struct$class$subject``; the subject may be absent."""
    assert values.teachings(["55794$1 STMG 3$020700", "42$1TES 2"], TeachingTarget.CLASS) == [
        Teaching("55794", TeachingTarget.CLASS, "1 STMG 3", "020700"),
        Teaching("42", TeachingTarget.CLASS, "1TES 2", None),
    ]


def test_functions_and_mefs() -> None:
    """Five-field functions keep ``-`` codes; MEF refs keep the label."""
    assert values.functions("f", ["51378$AED$ASSISTANT D'EDUCATION$-$SANS OBJET", "43$DIR"]) == (
        FunctionAssignment("51378", "AED", "ASSISTANT D'EDUCATION", "-", "SANS OBJET"),
        FunctionAssignment("43", "DIR", "", "", ""),
    )
    assert values.mef_refs("m", ["50187$1031000F11A$3EME BILANGUE ITALIEN-ANGLAIS"]) == (
        MefRef("50187", "1031000F11A", "3EME BILANGUE ITALIEN-ANGLAIS"),
    )


@pytest.mark.parametrize(
    ("code", "relationship", "old"),
    [
        ("1", Relationship.FATHER, True),
        ("2", Relationship.MOTHER, True),
        ("3", Relationship.TUTOR, True),
        ("4", Relationship.FAMILY, True),
        ("5", Relationship.SOCIAL_SERVICES, True),
        ("6", Relationship.OTHER, True),
        ("7", Relationship.SELF, True),
        ("10", Relationship.MOTHER, False),
        ("20", Relationship.FATHER, False),
        ("37", Relationship.SIBLING, False),
        ("38", Relationship.ASCENDANT, False),
        ("39", Relationship.FAMILY, False),
        ("41", Relationship.EDUCATOR, False),
        ("42", Relationship.FOSTER_CARER, False),
        ("43", Relationship.CHILDMINDER, False),
        ("50", Relationship.TUTOR, False),
        ("51", Relationship.SOCIAL_SERVICES, False),
        ("70", Relationship.SELF, False),
        ("90", Relationship.OTHER, False),
        ("01", Relationship.FATHER, True),
        ("99", Relationship.OTHER, False),
        ("", Relationship.OTHER, False),
    ],
)
def test_relationship_codes(code: str, relationship: Relationship, old: bool) -> None:
    """Both generations of codes; padded codes read as unpadded; unknown → other."""
    assert codes.relationship(code) is relationship
    assert codes.is_old_generation(code) is old


@pytest.mark.parametrize(
    ("code", "legal", "expected"),
    [
        ("2", "1", (True, False)),
        ("1", "2", (True, False)),  # old generation: "2" is the second legal representative
        ("4", "0", (False, False)),
        ("10", "1", (True, False)),
        ("20", "2", (False, True)),  # new generation: "2" is the person in charge
        ("50", "0", (False, False)),
    ],
)
def test_legal_flags_by_generation(code: str, legal: str, expected: tuple[bool, bool]) -> None:
    """The legal field changed meaning with the generation of codes."""
    assert codes.legal_flags(code, legal) == expected


def test_relative_links() -> None:
    """Six fields: relative, relationship, financial, legal, contact, payer."""
    (link,) = values.relatives("r", ["2000000$10$1$1$1$1"])
    assert (link.relative, link.relationship, link.code) == ("2000000", Relationship.MOTHER, "10")
    assert (link.financial, link.legal, link.in_charge, link.contact, link.payer) == (
        True,
        True,
        False,
        True,
        True,
    )
    (short,) = values.relatives("r", ["2867254$1"])  # missing fields read as "0"
    assert (short.relationship, short.legal, short.financial) == (Relationship.FATHER, False, False)
    assert values.relatives("r", ["$10$1$1$1$1", ""]) == ()


def test_flags_for_extra() -> None:
    """O/Y/N become true/false; other text is kept."""
    assert values.flags("b", ["O"]) == ("true",)
    assert values.flags("b", ["n"]) == ("false",)
    assert values.flags("b", ["PEUT-ETRE"]) == ("PEUT-ETRE",)
    assert values.flags("b", [""]) == ()
