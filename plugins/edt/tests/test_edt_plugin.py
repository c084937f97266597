"""The plugin as the core sees it: entry point, hooks, settings section, sniffing."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from pathlib import Path

import pytest
from entcore import (
    ConfigError,
    FormatContext,
    Setting,
    TimetableFormat,
    create_plugin_manager,
    load_settings,
)

import entcore_edt
from entcore_edt import SETTINGS, EdtFormat, EdtSettings

MINIMAL = Path(__file__).parent / "fixtures" / "edt_minimal.xml"

# The ``seal`` fixture of conftest.py.
Sealer = Callable[..., bytes]


def test_entry_point_is_declared() -> None:
    """The distribution declares ``edt = entcore_edt`` in the ``entcore`` group."""
    points = importlib.metadata.entry_points(group="entcore", name="edt")
    (point,) = points
    assert point.value == "entcore_edt"
    assert point.dist is not None
    assert point.dist.name == "entcore-edt"
    assert point.dist.version == entcore_edt.__version__


def test_loaded_from_its_entry_point() -> None:
    """Loaded by the core's plugin manager, it registers the format and the section."""
    plugins = create_plugin_manager(builtins=False, load=["edt"])
    assert plugins.hooks_of("edt") == (
        "entcore_register_settings",
        "entcore_register_timetable_formats",
    )
    formats = plugins.timetable_formats()
    assert formats.names() == ["edt"]
    fmt = formats.get("edt")
    assert isinstance(fmt, EdtFormat)
    assert fmt.label == "EDT / PRONOTE (Index Éducation)"
    assert formats.owner("edt").distribution == "entcore-edt"
    assert plugins.settings_sections().get("edt") is SETTINGS


def test_format_implements_the_protocol() -> None:
    """EdtFormat satisfies entcore.TimetableFormat."""
    assert isinstance(EdtFormat(), TimetableFormat)


def test_settings_section_declaration() -> None:
    """[edt] declares partner, private_key (secret) and accept_clear (on by default)."""
    assert SETTINGS.name == "edt"
    assert SETTINGS.doc
    declared = {s.name: s for s in SETTINGS.settings}
    assert list(declared) == ["partner", "private_key", "accept_clear"]
    partner, key, clear = declared["partner"], declared["private_key"], declared["accept_clear"]
    assert (partner.type, partner.default, partner.secret) == (str, None, False)
    assert (key.type, key.default, key.secret) == (str, None, True)
    assert (clear.type, clear.default) == (bool, True)
    assert [s.env_name("edt") for s in declared.values()] == [
        "ENTCORE_EDT_PARTNER",
        "ENTCORE_EDT_PRIVATE_KEY",
        "ENTCORE_EDT_ACCEPT_CLEAR",
    ]
    assert all(isinstance(s, Setting) and s.doc for s in declared.values())


def test_settings_defaults_and_environment() -> None:
    """Resolved by the core, the section turns into typed values."""
    assert EdtSettings.from_mapping(load_settings(environ={}).section(SETTINGS)) == EdtSettings()
    environ = {"ENTCORE_EDT_PARTNER": " NEO-Open ", "ENTCORE_EDT_ACCEPT_CLEAR": "non"}
    with pytest.raises(ConfigError, match="ENTCORE_EDT_ACCEPT_CLEAR"):
        load_settings(environ=environ).section(SETTINGS)
    environ["ENTCORE_EDT_ACCEPT_CLEAR"] = "0"
    values = EdtSettings.from_mapping(load_settings(environ=environ).section(SETTINGS))
    assert values == EdtSettings(partner="NEO-Open", private_key=None, accept_clear=False)


def test_settings_of_the_wrong_type_are_refused(tmp_path: Path) -> None:
    """A hand-built mapping cannot turn accept_clear="false" into true."""
    with pytest.raises(ConfigError, match="accept_clear"):
        EdtSettings.from_mapping({"accept_clear": "false"})
    with pytest.raises(ConfigError, match="partner"):
        EdtSettings.from_mapping({"partner": 42})
    key = tmp_path / "key.pem"
    assert EdtSettings.from_mapping({"private_key": key}).private_key == str(key)


def test_parse_without_settings_uses_the_defaults() -> None:
    """A bare FormatContext behaves like a default configuration: clear files accepted."""
    assert EdtFormat().parse(MINIMAL, FormatContext("edt_minimal.xml")).uai == "0999999X"


# -- sniffing -----------------------------------------------------------------------------


def sniff(tmp_path: Path, data: bytes, head: int = 4096) -> bool:
    path = tmp_path / "upload"
    path.write_bytes(data)
    return EdtFormat().sniff(path, data[:head], {})


def test_sniff_clear_export(tmp_path: Path) -> None:
    """The clear export is recognised, with or without a byte-order mark."""
    data = MINIMAL.read_bytes()
    assert sniff(tmp_path, data)
    assert sniff(tmp_path, b"\xef\xbb\xbf" + data)


def test_sniff_container(tmp_path: Path, seal: Sealer) -> None:
    """The encrypted container is recognised without any key."""
    assert sniff(tmp_path, seal(MINIMAL.read_bytes()))


def test_sniff_reads_on_when_the_head_is_short(tmp_path: Path) -> None:
    """A head that stops inside the root start tag is completed from the file."""
    declaration, rest = MINIMAL.read_bytes().split(b"\n", 1)
    data = declaration + b"\n<!-- " + b"x" * 3000 + b" -->\n" + rest
    assert sniff(tmp_path, data, head=100)


def test_sniff_prefixed_namespace(tmp_path: Path) -> None:
    """The namespace decides, not the prefix."""
    data = (
        b'<?xml version="1.0"?><e:ExportEmploiDuTemps '
        b'xmlns:e="http://www.index-education.com/exportemploidutemps" UAI="0999999X"/>'
    )
    assert sniff(tmp_path, data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        bytes(range(256)) * 8,
        "Jour;Heure;Matière\n1;08:00;MATHS\n".encode("latin-1"),
        b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<STS_EDT><PARAMETRES/></STS_EDT>',
        b'<?xml version="1.0"?><ExportEmploiDuTemps UAI="0999999X"/>',
        b'<?xml version="1.0"?><EXPORT_INDEX_EDUCATION xmlns="urn:other"/>',
        b'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>',
        b"<?xml version='1.0'?><ExportEmploiDuTemps",
    ],
    ids=[
        "empty",
        "zip",
        "random",
        "csv",
        "sts",
        "no-namespace",
        "other-namespace",
        "doctype",
        "truncated",
    ],
)
def test_sniff_refuses_other_content(tmp_path: Path, data: bytes) -> None:
    """Anything else is refused, quietly."""
    assert not sniff(tmp_path, data)


def test_sniff_never_raises_on_unreadable_paths(tmp_path: Path) -> None:
    """A missing file with an empty head is simply not ours."""
    assert not EdtFormat().sniff(tmp_path / "absent.xml", b"", {})
    assert not EdtFormat().sniff(tmp_path, b"<", {})
