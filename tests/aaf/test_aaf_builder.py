"""The fast paths (shapes matched, conversions remembered) give the items of the general one."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType

import attrs
import pytest

from entcore.demo import aaf_feed
from entcore.model import (
    DirectoryItem,
    Entry,
    Notice,
    PersonRecord,
    RecordError,
    Rejection,
    Relationship,
    RelativeLink,
    Teaching,
    TeachingTarget,
)
from entcore.plugins.aaf import AafSource, builder, codes, oned, twod, values
from entcore.plugins.aaf.builder import Builder
from entcore.plugins.aaf.files import parse_name
from entcore.plugins.aaf.translate import FileTranslator
from entcore.protocols import SourceContext
from tests.aaf.conftest import FIXTURES, add_request, document

Reader = Callable[..., list[object]]
Writer = Callable[[str, str | bytes], Path]

STUDENTS = "X_Complet_20240901_Eleve_0000.xml"
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "aaf"


def _items(paths: Iterable[Path]) -> list[object]:
    """Every item of a feed; an entry as its kind, ids, fingerprint, origin and record."""
    found: list[object] = []
    with AafSource().open(list(paths), SourceContext()) as feed:
        for item in feed:
            if isinstance(item, Entry):
                try:
                    built: object = item.build()
                except RecordError as error:
                    built = f"RecordError: {error}"
                found.append((item.kind, item.external_id, item.fingerprint, item.origin, built))
            else:
                found.append(item)
    return found


@pytest.fixture
def unplanned(monkeypatch: pytest.MonkeyPatch) -> Reader:
    """Read a feed with no shape ever planned: the general path, and the reference build."""

    def read(*paths: Path) -> list[object]:
        with monkeypatch.context() as patch:
            patch.setattr(Builder, "_plan_for", lambda self, text: None)
            return _items(paths)

    return read


@pytest.mark.parametrize("folder", ["2d", "1d", "delta"])
def test_fixtures_read_alike_planned_or_not(folder: str, unplanned: Reader) -> None:
    """Same items, same fingerprints, same records, same build errors."""
    assert _items([FIXTURES / folder]) == unplanned(FIXTURES / folder)


def test_demo_and_generated_feeds_read_alike_planned_or_not(
    tmp_path: Path, unplanned: Reader, feed_generator: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of entries, memos filled, emptied and switched off on the way."""
    paths = feed_generator.generate(tmp_path, 4000, seed=3, chunk_size=1500)
    calls: list[int] = []
    planned_path = FileTranslator._planned

    def spy(self: FileTranslator, *args: object) -> object:
        calls.append(1)
        return planned_path(self, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(FileTranslator, "_planned", spy)
        planned = _items(paths)
    # All but the first entry of each file were read through their shape's match.
    assert len(calls) == sum(isinstance(item, tuple) for item in planned) - len(paths)
    assert planned == unplanned(*paths)
    assert sum(isinstance(item, tuple) for item in planned) > 3500
    assert _items([aaf_feed()]) == unplanned(aaf_feed())


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.is_dir(), reason="AAF corpus absent")
def test_corpus_reads_alike_planned_or_not(unplanned: Reader) -> None:
    """The real exports, every folder of them."""
    folders = sorted({path.parent for path in CORPUS.rglob("*.xml") if parse_name(path.name)})
    assert folders
    for folder in folders:
        assert _items([folder]) == unplanned(folder), folder


def _student(identifier: str, **overrides: Sequence[str]) -> str:
    attributes: dict[str, Sequence[str]] = {
        "ENTPersonJointure": [identifier],
        "ENTPersonDateNaissance": ["14/09/2012"],
        "sn": ["DUPONT"],
        "givenName": ["Jeanne"],
        "ENTEleveINE": [f"INE{identifier}"],
        "ENTEleveClasses": ["91001$6A"],
    }
    attributes.update(overrides)
    return add_request("Eleve", identifier, list(attributes.items()))


def test_entries_after_the_first_follow_the_same_rules(
    read_items: Callable[..., list[DirectoryItem]], write_feed: Writer, unplanned: Reader
) -> None:
    """Ids, jointures, rejections and notices of entries read through their shape's match."""
    text = document(
        _student("1", ENTEleveNouveau=["x"]),
        _student("2", ENTEleveNouveau=["y"], ENTPersonJointure=["3"]),
        _student("5", ENTEleveNouveau=["y"], ENTPersonJointure=[" "]),
        _student("6", ENTEleveNouveau=["y"], ENTPersonJointure=["", "6", "7"]),
        _student("9", ENTEleveNouveau=["y"], ENTPersonJointure=[" 9 "]),
        _student("10", ENTEleveNouveau=["y"]).replace(
            "<value>Eleve</value>", "<value>Autre</value>"
        ),
        _student("11", ENTEleveNouveau=["y"]),
    )
    folder = write_feed(STUDENTS, text)
    assert _items([folder]) == unplanned(folder)
    items = read_items(folder)
    notices = [item for item in items if isinstance(item, Notice)]
    assert [notice.message for notice in notices] == [
        "attribut « ENTEleveNouveau » inconnu ignoré (fichier Eleve)"
    ]
    assert [item.external_id for item in items if isinstance(item, Entry)] == [
        "1",
        "5",
        "6",
        "9",
        "11",
    ]
    assert [(item.reason, item.origin.line) for item in items if isinstance(item, Rejection)] == [
        ("identifiant « 2 » différent de la jointure « 3 » (ENTPersonJointure)", 17),
        ("catégorie « Autre » inattendue dans un fichier Eleve", 69),
    ]


def test_fingerprint_does_not_depend_on_the_entry_position(
    read_items: Callable[..., list[DirectoryItem]], write_feed: Writer
) -> None:
    """The first entry of a file (general path) and a later one (shape's match) digest alike."""

    def fingerprints(*requests: str) -> dict[str, bytes]:
        items = read_items(write_feed(STUDENTS, document(*requests)))
        return {item.external_id: item.fingerprint for item in items if isinstance(item, Entry)}

    first, second = _student("1"), _student("2")
    assert fingerprints(first, second) == fingerprints(second, first)


def test_entries_of_another_shape_are_read_too(
    read_items: Callable[..., list[DirectoryItem]], write_feed: Writer
) -> None:
    """A shape change in the middle of a file, then back: every entry builds."""
    text = document(
        _student("1"),
        _student("2"),
        _student("3", ENTEleveGroupes=["91001$LATIN"]),
        _student("4", ENTEleveGroupes=["91001$LATIN"]),
        _student("5"),
    )
    items = read_items(write_feed(STUDENTS, text))
    built = [item.build() for item in items if isinstance(item, Entry)]
    assert [record.external_id for record in built] == ["1", "2", "3", "4", "5"]
    assert [len(record.groups) for record in built if isinstance(record, PersonRecord)] == [
        0,
        0,
        1,
        1,
        0,
    ]


def test_memos_stay_small_and_forget_unique_values(
    read_items: Callable[..., list[DirectoryItem]], write_feed: Writer
) -> None:
    """An attribute whose values never repeat stops being remembered; others stay bounded."""
    count = builder.MEMO_PROBE * 3
    items = read_items(write_feed(STUDENTS, document(*(_student(str(n)) for n in range(count)))))
    entries = [item for item in items if isinstance(item, Entry)]
    assert all(isinstance(entry.build(), PersonRecord) for entry in entries)
    built_by = {entry.build.func.__self__ for entry in entries}  # type: ignore[attr-defined]
    assert len(built_by) == 1
    memories = built_by.pop().memories
    assert not memories["ENTEleveINE"].active
    assert memories["ENTEleveINE"].memo == {}
    assert memories["ENTEleveClasses"].active
    assert len(memories["ENTEleveClasses"].memo) == 1
    assert all(len(memory.memo) <= builder.MEMO_SIZE for memory in memories.values())


def test_every_spec_can_be_planned() -> None:
    """One rule per attribute, no path made twice: what plans rely on."""
    for specs in (oned.SPECS, twod.SPECS):
        for spec in specs.values():
            assert Builder(spec)._plannable, (spec.degree, spec.kind)


def test_person_paths_are_record_fields() -> None:
    """Person makers pass every path but address.… and profile as a field of the record."""
    fields = {field.name for field in attrs.fields(PersonRecord)}
    for specs in (oned.SPECS, twod.SPECS):
        for spec in specs.values():
            if spec.make.__qualname__.startswith("person_maker"):
                paths = {rule.path for rules in spec.fields.values() for rule in rules}
                paths |= {path for composite in spec.composites for path in composite.paths}
                strays = {
                    path
                    for path in paths
                    if not path.startswith(("extra.", "address.")) and path != "profile"
                }
                assert strays <= fields, (spec.degree, spec.kind, strays - fields)


@pytest.mark.parametrize(
    "value",
    ["", " ", "\n  ", "x", " x ", "\n  x\n ", "a$b$$", "$", "12/03/2011", " 31/02/2012", "1/1/99"],
)
def test_one_value_forms_agree_with_their_converters(value: str) -> None:
    """A converter given one value and its single-value form give the same, errors included."""
    for convert, (blank, form) in values.ONE_VALUE.items():
        try:
            expected: object = convert("NOM", [value])
        except RecordError as error:
            expected = f"RecordError: {error}"
        if not value or value.isspace():
            got: object = blank
        else:
            try:
                got = form("NOM", value.strip() if "\n" in value else value)
            except RecordError as error:
                got = f"RecordError: {error}"
        assert got == expected, (convert.__name__, value)


def test_relatives_deduplicate_as_the_records_do() -> None:
    """Equal links (spaces aside) are kept once, first one first; codes of both generations."""
    links = values.relatives(
        "ENTElevePersRelEleve",
        ["1$10$1$1$1$1", " 1 $10$1$1$1$1", "1$ 10$1$1$1$1", "2$2$0$2", "2$2$0$2$0$0", "", "3$01"],
    )

    def link(relative: str, code: str, legal: str, *flags: str) -> RelativeLink:
        financial, contact, payer = (flag == "1" for flag in (*flags, "", "", "")[:3])
        is_legal, in_charge = codes.legal_flags(code, legal)
        return RelativeLink(
            relative=relative,
            relationship=codes.relationship(code),
            code=code.strip(),
            financial=financial,
            legal=is_legal,
            in_charge=in_charge,
            contact=contact,
            payer=payer,
        )

    expected = values.unique(
        [
            link("1", "10", "1", "1", "1", "1"),
            link("1", "10", "1", "1", "1", "1"),
            link("1", " 10", "1", "1", "1", "1"),
            link("2", "2", "2", "0"),
            link("2", "2", "2", "0", "0", "0"),
            link("3", "01", ""),
        ]
    )
    assert links == expected
    assert links[0].relationship is Relationship.MOTHER
    assert len(links) == 3


def test_teachings_deduplicate_as_the_records_do() -> None:
    """Subject-less classes and groups only add what is not covered; repeats are kept once."""
    composed = twod._teachings(
        {
            "ENTAuxEnsClassesMatieres": ["1$6A$S1", "1$6A$S1", "1$6B$S1"],
            "ENTAuxEnsGroupesMatieres": ["1$G1$S2"],
            "ENTAuxEnsClasses": ["1$6A", "1$5A", "1$5A"],
            "ENTAuxEnsGroupes": ["1$G1", "1$G2"],
        }
    )
    class_, group = TeachingTarget.CLASS, TeachingTarget.GROUP
    assert composed["teachings"] == (
        Teaching("1", class_, "6A", "S1"),
        Teaching("1", class_, "6B", "S1"),
        Teaching("1", group, "G1", "S2"),
        Teaching("1", class_, "5A", None),
        Teaching("1", group, "G2", None),
    )
    assert [ref.code for ref in composed["classes"]] == ["6A", "6B", "5A"]
    assert [ref.code for ref in composed["groups"]] == ["G1", "G2"]
