"""From requests to items: fingerprints, identifiers, rejections, notices, modifications."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest

from entcore.model import (
    Address,
    ClassRef,
    Deletion,
    DirectoryItem,
    Entry,
    Modification,
    Notice,
    PersonRecord,
    Profile,
    RecordError,
    RecordKind,
    Rejection,
    StructureRecord,
)
from entcore.plugins.aaf.reader import Request
from entcore.plugins.aaf.translate import FileTranslator
from tests.aaf.conftest import add_request, document

Reader = Callable[..., list[DirectoryItem]]
Writer = Callable[[str, str | bytes], Path]

STUDENTS = "X_Complet_20240901_Eleve_0000.xml"
STRUCTURES = "X_Complet_20240901_EtabEducNat_0000.xml"


def _student(identifier: str = "1", **overrides: Sequence[str]) -> str:
    attributes: dict[str, Sequence[str]] = {
        "ENTPersonJointure": [identifier],
        "ENTPersonDateNaissance": ["14/09/2012"],
        "sn": ["DUPONT"],
        "givenName": ["Jeanne"],
        "ENTPersonStructRattach": ["91001"],
        "ENTEleveClasses": ["91001$6A"],
    }
    attributes.update(overrides)
    return add_request("Eleve", identifier, list(attributes.items()))


def _request(
    operation: str, attributes: Sequence[tuple[str, Sequence[str]]], **fields: object
) -> Request:
    return Request(
        operation=operation,
        category=fields.get("category", "Eleve"),  # type: ignore[arg-type]
        identifier=fields.get("identifier", "1"),  # type: ignore[arg-type]
        attributes=tuple((name, tuple(values)) for name, values in attributes),
        line=7,
    )


def _entry(items: list[DirectoryItem]) -> Entry:
    entries = [item for item in items if isinstance(item, Entry)]
    assert len(entries) == 1
    return entries[0]


def test_entry_is_identified_and_built_lazily(read_items: Reader, write_feed: Writer) -> None:
    """An addRequest becomes an Entry whose record is only built on demand."""
    items = read_items(write_feed(STUDENTS, document(_student("700001"))))
    entry = _entry(items)
    assert entry.kind is RecordKind.STUDENT
    assert entry.external_id == "700001"
    assert entry.origin.file == STUDENTS
    assert entry.origin.line == 4
    assert len(entry.fingerprint) == 16
    record = entry.build()
    assert isinstance(record, PersonRecord)
    assert record.birth_date == date(2012, 9, 14)
    assert record.classes == (ClassRef("91001", "6A"),)


def test_fingerprint_follows_the_content_exactly(read_items: Reader, write_feed: Writer) -> None:
    """Same content, same digest; any value, even a space, changes it; so does the id."""

    def fingerprint(text: str) -> bytes:
        return _entry(read_items(write_feed(STUDENTS, document(text)))).fingerprint

    base = fingerprint(_student())
    assert fingerprint(_student()) == base
    assert fingerprint(_student(givenName=["Jeanne "])) != base
    assert fingerprint(_student(ENTEleveClasses=["91001$6B"])) != base
    assert fingerprint(_student(ENTEleveClasses=["91001$6A", "91001$6A"])) != base
    assert fingerprint(_student("2")) != base
    # Values are delimited: moving text between two values changes the digest.
    assert fingerprint(_student(ENTPersonAutresPrenoms=["ab", "c"])) != fingerprint(
        _student(ENTPersonAutresPrenoms=["a", "bc"])
    )


def test_fingerprint_depends_on_the_category() -> None:
    """The same attributes in a file of another category digest differently."""
    attributes = [("ENTPersonJointure", ["1"]), ("sn", ["A"]), ("givenName", ["B"])]
    as_relative = list(
        FileTranslator("r", "PersRelEleve").translate(
            _request("add", attributes, category="PersRelEleve")
        )
    )
    as_staff = list(
        FileTranslator("s", "PersEducNat").translate(
            _request("add", attributes, category="PersEducNat")
        )
    )
    assert _entry(as_relative).fingerprint != _entry(as_staff).fingerprint


def test_jointure_is_the_key_and_must_match_the_identifier() -> None:
    """The jointure wins over an empty id; a different id rejects the entry."""
    translator = FileTranslator(STUDENTS, "Eleve")
    attributes = [("ENTPersonJointure", ["700001"]), ("sn", ["A"]), ("givenName", ["B"])]
    entry = _entry(list(translator.translate(_request("add", attributes, identifier=""))))
    assert entry.external_id == "700001"
    (rejection,) = translator.translate(_request("add", attributes, identifier="700002"))
    assert isinstance(rejection, Rejection)
    assert rejection.reason == (
        "identifiant « 700002 » différent de la jointure « 700001 » (ENTPersonJointure)"
    )
    assert rejection.origin.line == 7


def test_entry_without_any_identifier_is_rejected() -> None:
    """No id and no jointure: nothing to key the entry on."""
    (rejection,) = FileTranslator(STUDENTS, "Eleve").translate(
        _request("add", [("sn", ["A"])], identifier=None)
    )
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "entrée sans identifiant ni jointure"


def test_entry_of_another_category_is_rejected() -> None:
    """A staff entry inside a students file is not silently read as a student."""
    (rejection,) = FileTranslator(STUDENTS, "Eleve").translate(
        _request("add", [("sn", ["A"])], category="PersEducNat")
    )
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "catégorie « PersEducNat » inattendue dans un fichier Eleve"


def test_unknown_attribute_noticed_once_per_file(read_items: Reader, write_feed: Writer) -> None:
    """An unknown attribute is reported once per file and does not stop the entries."""
    text = document(
        _student("1", ENTEleveNouveau=["x"]),
        _student("2", ENTEleveNouveau=["y"], ENTEleveAutre=["z"]),
    )
    items = read_items(write_feed(STUDENTS, text))
    notices = [item for item in items if isinstance(item, Notice)]
    assert [notice.message for notice in notices] == [
        "attribut « ENTEleveNouveau » inconnu ignoré (fichier Eleve)",
        "attribut « ENTEleveAutre » inconnu ignoré (fichier Eleve)",
    ]
    assert notices[0].origin.entry_id == "1"
    assert sum(isinstance(item, Entry) for item in items) == 2


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"sn": [""]}, "nom de famille manquant"),
        ({"givenName": ["  "]}, "prénom manquant"),
        ({"ENTPersonDateNaissance": [""]}, "date de naissance manquante"),
        (
            {"ENTPersonDateNaissance": ["31/02/2012"]},
            "ENTPersonDateNaissance : date invalide « 31/02/2012 » (jj/mm/aaaa attendu, année 19xx ou 20xx)",
        ),
        (
            {"ENTEleveDateEntreeClasses": ["91001$2024-09-02$6A"]},
            "ENTEleveDateEntreeClasses : date invalide « 2024-09-02 »",
        ),
    ],
)
def test_bad_students_raise_from_build(
    overrides: dict[str, list[str]], reason: str, read_items: Reader, write_feed: Writer
) -> None:
    """Invalid records are Entries whose build raises RecordError with a French reason."""
    entry = _entry(read_items(write_feed(STUDENTS, document(_student(**overrides)))))
    with pytest.raises(RecordError) as raised:
        entry.build()
    assert str(raised.value).startswith(reason)


def _structure(**overrides: Sequence[str]) -> str:
    attributes: dict[str, Sequence[str]] = {
        "ENTStructureJointure": ["91001"],
        "ENTStructureUAI": ["0999001A"],
        "ENTStructureNomCourant": ["CLG$DES TESTS$VILLE"],
    }
    attributes.update(overrides)
    return add_request("EtabEducNat", "91001", list(attributes.items()))


def test_structure_rules(read_items: Reader, write_feed: Writer) -> None:
    """Name with ``-`` for ``$``; invalid UAI and missing name rejected; empty UAI allowed."""

    def build(**overrides: Sequence[str]) -> object:
        return _entry(read_items(write_feed(STRUCTURES, document(_structure(**overrides))))).build()

    record = build()
    assert isinstance(record, StructureRecord)
    assert record.name == "CLG-DES TESTS-VILLE"
    assert record.uai == "0999001A"
    empty_uai = build(ENTStructureUAI=[""])
    assert isinstance(empty_uai, StructureRecord)
    assert empty_uai.uai is None
    with pytest.raises(RecordError, match="UAI invalide « 999001A »"):
        build(ENTStructureUAI=["999001A"])
    with pytest.raises(RecordError, match="nom de la structure manquant"):
        build(ENTStructureNomCourant=[""])


def test_modification_gives_typed_changes() -> None:
    """Each replaced attribute becomes record field changes, dotted for nested parts."""
    (modification,) = FileTranslator(STUDENTS, "Eleve", "2D").translate(
        _request(
            "modify",
            [
                ("sn", ["MARTIN"]),
                ("ENTPersonCodePostal", ["74000"]),
                ("ENTPersonAdresse", ["2 rue Neuve$$"]),
                ("ENTEleveGroupes", ["91001$LATIN", "91001$LATIN"]),
                ("ENTEleveRegime", ["INTERNE"]),
                ("ENTPersonJointure", ["1"]),
            ],
        )
    )
    assert isinstance(modification, Modification)
    assert modification.external_id == "1"
    assert modification.changes == (
        ("last_name", "MARTIN"),
        ("address.postal_code", "74000"),
        ("address.lines", ("2 rue Neuve",)),
        ("groups", (ClassRef("91001", "LATIN"),)),
        ("extra.accommodation", ("INTERNE",)),
    )


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ([("sn", [""])], "nom de famille manquant"),
        ([("ENTPersonDateNaissance", ["99/99/2000"])], "date invalide « 99/99/2000 »"),
        ([("ENTPersonJointure", ["2"])], "la jointure ne peut pas changer (« 1 » → « 2 »)"),
    ],
)
def test_bad_modifications_rejected(attributes: list[tuple[str, list[str]]], reason: str) -> None:
    """Emptying a required field, an invalid value or a new jointure rejects the modification."""
    (rejection,) = FileTranslator(STUDENTS, "Eleve").translate(_request("modify", attributes))
    assert isinstance(rejection, Rejection)
    assert reason in rejection.reason


def test_partial_composite_modification_is_noticed() -> None:
    """Fields computed from several attributes are not changed from only some of them."""
    items = list(
        FileTranslator("s.xml", "PersEducNat", "2D").translate(
            _request(
                "modify",
                [
                    ("ENTPersonFonctions", ["91001$ENS$ENSEIGNEMENT$L0202$LETTRES"]),
                    ("mail", ["a@b.c"]),
                ],
                category="PersEducNat",
            )
        )
    )
    notice, modification = items
    assert isinstance(notice, Notice)
    assert notice.message.startswith("profile non recalculé")
    assert isinstance(modification, Modification)
    assert [path for path, _ in modification.changes] == ["functions", "email"]


def test_profile_decided_by_category_alone_in_a_modification() -> None:
    """``ENTPersonCategorieEnseignant`` is decisive on its own, so the profile changes."""
    (modification,) = FileTranslator("s.xml", "PersEducNat").translate(
        _request("modify", [("ENTPersonCategorieEnseignant", ["O"])], category="PersEducNat")
    )
    assert isinstance(modification, Modification)
    assert ("profile", Profile.TEACHER) in modification.changes


def test_all_sources_of_a_composite_modify_it() -> None:
    """With entry and exit dates both listed, class periods are replaced."""
    (modification,) = FileTranslator(STUDENTS, "Eleve").translate(
        _request(
            "modify",
            [
                ("ENTEleveDateEntreeClasses", ["91001$02/09/2024$5A"]),
                ("ENTEleveDateSortieClasses", [""]),
            ],
        )
    )
    assert isinstance(modification, Modification)
    ((path, periods),) = modification.changes
    assert path == "class_periods"
    assert periods[0].start == date(2024, 9, 2)


def test_deletion_and_unidentified_requests() -> None:
    """deleteRequest → Deletion; without id → Rejection."""
    translator = FileTranslator(STUDENTS, "Eleve")
    (deletion,) = translator.translate(_request("delete", []))
    assert deletion == Deletion(RecordKind.STUDENT, "1", deletion.origin)
    (rejection,) = translator.translate(_request("delete", [], identifier=" "))
    assert isinstance(rejection, Rejection)
    assert rejection.reason == "suppression sans identifiant"
    (rejected,) = translator.translate(_request("modify", [("sn", ["X"])], identifier=None))
    assert isinstance(rejected, Rejection)


def test_degree_detected_from_attribute_names() -> None:
    """Without a degre comment, 1D attribute names switch the file to the 1D mapping."""
    translator = FileTranslator("e.xml", "Eleve")
    entry = _entry(
        list(
            translator.translate(
                _request(
                    "add",
                    [
                        ("ENTPersonJointure", ["1"]),
                        ("ENTPersonNom", ["DURAND"]),
                        ("ENTPersonPrenom", ["Lou"]),
                        ("ENTPersonDateNaissance", ["01/02/2016"]),
                        ("ENTPersonClasses", ["61001$$$CPA$CP A"]),
                    ],
                )
            )
        )
    )
    record = entry.build()
    assert isinstance(record, PersonRecord)
    assert (record.last_name, record.first_name) == ("DURAND", "Lou")
    assert record.classes == (ClassRef("61001", "CPA", "CP A"),)
    # The next entry of the file, even without markers, is read as 1D too.
    (modification,) = translator.translate(
        _request("modify", [("ENTEleveAutoriteParentale", ["610101$20"])])
    )
    assert isinstance(modification, Modification)
    ((path, links),) = modification.changes
    assert path == "relatives"
    assert links[0].relative == "610101"
    assert links[0].legal


def test_person_address_parts(read_items: Reader, write_feed: Writer) -> None:
    """Address lines, postal code, city and country make one Address."""
    text = document(
        _student(
            ENTPersonAdresse=["Chalet$$Hameau du Fier$"],
            ENTPersonCodePostal=["74999"],
            ENTPersonVille=["VILLARD"],
            ENTPersonPays=["FRANCE"],
        )
    )
    record = _entry(read_items(write_feed(STUDENTS, text))).build()
    assert isinstance(record, PersonRecord)
    assert record.address == Address(("Chalet", "", "Hameau du Fier"), "74999", "VILLARD", "FRANCE")
