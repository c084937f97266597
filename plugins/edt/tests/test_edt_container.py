"""The encrypted container: round trips with our own key pair, tampering, settings errors."""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from entcore import FormatContext, InvalidFileError, load_settings

from entcore_edt import SETTINGS, EdtFormat, container

if TYPE_CHECKING:
    from entcore.model import Timetable

MINIMAL = Path(__file__).parent / "fixtures" / "edt_minimal.xml"
PARTNER = "ENTCORE-TEST"

# The ``seal`` fixture of conftest.py.
Sealer = Callable[..., bytes]


@pytest.fixture(scope="module")
def clear() -> Timetable:
    return EdtFormat().parse(MINIMAL, FormatContext("edt_minimal.xml"))


def sealed_file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "Edt_To_ENTCORE-TEST_0999999X.xml"
    path.write_bytes(data)
    return path


def parse(path: Path, **settings: object) -> Timetable:
    return EdtFormat().parse(path, FormatContext(path.name, settings))


def as_clear(timetable: Timetable) -> Timetable:
    """The snapshot without what only the container provides."""
    return attrs.evolve(timetable, software=None, generated_at=None)


def replace_element(data: bytes, tag: str, text: str) -> bytes:
    pattern = re.compile(rf"(<{tag}[^>]*>)(.*?)(</{tag}>)".encode(), re.DOTALL)
    return pattern.sub(lambda m: m.group(1) + text.encode() + m.group(3), data, count=1)


def element_text(data: bytes, tag: str) -> str:
    match = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>".encode(), data, re.DOTALL)
    assert match is not None
    return match.group(1).decode()


# -- round trips --------------------------------------------------------------------------


def test_round_trip_with_a_pem_key_file(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """A container for our partner decrypts to the same snapshot as the clear file."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    timetable = parse(path, partner=PARTNER, private_key=str(pem_file))
    assert as_clear(timetable) == clear
    assert timetable.software == "EDT 2024 - tests entcore"
    assert timetable.generated_at == datetime(
        2024, 8, 28, 9, 15, tzinfo=timezone(timedelta(hours=2))
    )


def test_round_trip_with_a_der_key_file(
    tmp_path: Path, seal: Sealer, der_file: Path, clear: Timetable
) -> None:
    """PKCS#8 DER, the form entcore's Java importer reads, works too."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    assert as_clear(parse(path, partner=PARTNER, private_key=str(der_file))) == clear


def test_round_trip_with_pem_text(
    tmp_path: Path, seal: Sealer, pem_text: str, clear: Timetable
) -> None:
    """The setting may hold the PEM text itself (a secret injected into the environment)."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    assert as_clear(parse(path, partner=PARTNER, private_key=pem_text)) == clear


def test_pem_text_with_escaped_line_breaks(
    tmp_path: Path, seal: Sealer, pem_text: str, clear: Timetable
) -> None:
    """PEM whose line breaks were written as backslash-n (one-line variables) works."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    one_line = pem_text.replace("\n", "\\n")
    assert "\n" not in one_line
    assert as_clear(parse(path, partner=PARTNER, private_key=one_line)) == clear


def test_round_trip_configured_through_the_environment(
    tmp_path: Path, seal: Sealer, pem_text: str, der_file: Path, clear: Timetable
) -> None:
    """ENTCORE_EDT_PARTNER and ENTCORE_EDT_PRIVATE_KEY reach the format as its settings."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    for key in (pem_text, str(der_file)):
        environ = {"ENTCORE_EDT_PARTNER": PARTNER, "ENTCORE_EDT_PRIVATE_KEY": key}
        section = load_settings(environ=environ).section(SETTINGS)
        timetable = EdtFormat().parse(path, FormatContext(path.name, section))
        assert as_clear(timetable) == clear


def test_round_trip_configured_through_a_settings_file(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """The [edt] section of the TOML file works the same way."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    config = tmp_path / "entcore.toml"
    config.write_text(
        f'[edt]\npartner = "{PARTNER}"\nprivate_key = "{pem_file}"\naccept_clear = false\n'
    )
    section = load_settings(config, environ={}).section(SETTINGS)
    assert section["accept_clear"] is False
    timetable = EdtFormat().parse(path, FormatContext(path.name, section))
    assert as_clear(timetable) == clear


def test_uncompressed_payload(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """CompresseAvantChiffrement="false" (or "0") skips the zlib step."""
    for attribute in ("false", "0", " false "):
        data = seal(MINIMAL.read_bytes(), compress=False, compressed_attribute=attribute)
        path = sealed_file(tmp_path, data)
        assert as_clear(parse(path, partner=PARTNER, private_key=str(pem_file))) == clear


def test_explicitly_compressed_payload(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """CompresseAvantChiffrement="true" is the default spelled out."""
    data = seal(MINIMAL.read_bytes(), compressed_attribute="true")
    path = sealed_file(tmp_path, data)
    assert as_clear(parse(path, partner=PARTNER, private_key=str(pem_file))) == clear


def test_byte_order_mark_in_payload(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """A payload starting with a UTF-8 BOM is accepted."""
    path = sealed_file(tmp_path, seal(b"\xef\xbb\xbf" + MINIMAL.read_bytes()))
    assert as_clear(parse(path, partner=PARTNER, private_key=str(pem_file))) == clear


def test_our_block_is_found_among_others(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """Our partner block may come first or last; the others are not touched."""
    data = seal(MINIMAL.read_bytes(), partners=(PARTNER, "INDEXEDUCATION", "NEO-Open"))
    path = sealed_file(tmp_path, data)
    assert as_clear(parse(path, partner=PARTNER, private_key=str(pem_file))) == clear


def test_container_without_uai_uses_the_payloads(
    tmp_path: Path, seal: Sealer, pem_file: Path, clear: Timetable
) -> None:
    """The container's UAI is optional."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes(), uai=None))
    assert parse(path, partner=PARTNER, private_key=str(pem_file)).uai == "0999999X"


# -- tampering ----------------------------------------------------------------------------


def test_wrong_key_check(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """Key material whose MD5 check does not match is a key error."""
    data = seal(MINIMAL.read_bytes(), key_check=bytes(16))
    with pytest.raises(InvalidFileError, match="clé invalide : empreinte MD5"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_flipped_verification(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """A VERIFICATION that is not the SHA-256 of the AES output is refused."""
    wrong = bytearray(hashlib.sha256(zlib.compress(MINIMAL.read_bytes())).digest())
    wrong[0] ^= 0xFF
    data = seal(MINIMAL.read_bytes(), verification=bytes(wrong))
    with pytest.raises(InvalidFileError, match="empreinte invalide : le SHA-256"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_verification_is_over_the_compressed_bytes(
    tmp_path: Path, seal: Sealer, pem_file: Path
) -> None:
    """A digest of the clear XML (after inflating) is not what EDT writes: refused."""
    data = seal(MINIMAL.read_bytes(), verification=hashlib.sha256(MINIMAL.read_bytes()).digest())
    with pytest.raises(InvalidFileError, match="empreinte invalide"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_missing_verification(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """Without VERIFICATION the content cannot be trusted."""
    data = re.sub(rb"<VERIFICATION>.*?</VERIFICATION>", b"", seal(MINIMAL.read_bytes()))
    with pytest.raises(InvalidFileError, match="empreinte absente"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated_content(tmp_path: Path, seal: Sealer, pem_file: Path, keep: float) -> None:
    """CONTENU cut short is corrupt content, whatever the cut."""
    data = seal(MINIMAL.read_bytes())
    text = "".join(element_text(data, "CONTENU").split())
    cut = text[: int(len(text) * keep) // 4 * 4]
    data = replace_element(data, "CONTENU", cut)
    with pytest.raises(InvalidFileError, match="contenu corrompu"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_content_that_is_not_base64(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """Base64 garbage in CONTENU is named."""
    data = replace_element(seal(MINIMAL.read_bytes()), "CONTENU", "%%% pas du base64 %%%")
    with pytest.raises(InvalidFileError, match="contenu corrompu : base64 invalide dans CONTENU"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_empty_content(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """An empty CONTENU is corrupt content."""
    data = replace_element(seal(MINIMAL.read_bytes()), "CONTENU", "")
    with pytest.raises(InvalidFileError, match="contenu corrompu : CONTENU est vide"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_bad_padding(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """AES output that does not end with PKCS#7 padding is corrupt content."""
    data = seal(MINIMAL.read_bytes(), pad=False)
    with pytest.raises(InvalidFileError, match="contenu corrompu : bourrage AES invalide"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_last_block_dropped(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """Dropping the last AES block leaves a bad PKCS#7 padding (or a bad digest)."""
    data = seal(MINIMAL.read_bytes())
    raw = base64.b64decode("".join(element_text(data, "CONTENU").split()))
    data = replace_element(data, "CONTENU", base64.b64encode(raw[:-16]).decode())
    with pytest.raises(InvalidFileError, match=r"contenu corrompu|empreinte invalide"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_payload_that_is_not_zlib(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """A payload flagged compressed that does not inflate is corrupt."""
    data = seal(MINIMAL.read_bytes(), compress=False, compressed_attribute=None)
    with pytest.raises(InvalidFileError, match="contenu corrompu : décompression zlib"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_oversized_payload(
    tmp_path: Path, seal: Sealer, pem_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inflating stops at the size cap instead of exhausting memory."""
    monkeypatch.setattr(container, "MAX_CLEAR_SIZE", 1024)
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    with pytest.raises(InvalidFileError, match="contenu trop volumineux"):
        parse(path, partner=PARTNER, private_key=str(pem_file))


def test_uai_mismatch(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """The container and its payload must name the same school."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes(), uai="0134567A"))
    with pytest.raises(InvalidFileError, match="UAI incohérent : le conteneur indique 0134567A"):
        parse(path, partner=PARTNER, private_key=str(pem_file))


def test_invalid_compression_flag(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """CompresseAvantChiffrement must be an xs:boolean."""
    data = seal(MINIMAL.read_bytes(), compressed_attribute="peut-être")
    with pytest.raises(InvalidFileError, match="CompresseAvantChiffrement invalide"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_container_without_content_or_keys(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """A container lacking CONTENU or every PARTENAIRE is refused."""
    data = seal(MINIMAL.read_bytes())
    no_content = re.sub(rb"<CONTENU>.*?</CONTENU>", b"", data, flags=re.DOTALL)
    with pytest.raises(InvalidFileError, match="sans élément CONTENU"):
        parse(sealed_file(tmp_path, no_content), partner=PARTNER, private_key=str(pem_file))
    no_keys = re.sub(rb"<CLES>.*?</CLES>", b"<CLES/>", data, flags=re.DOTALL)
    with pytest.raises(InvalidFileError, match="sans clé de partenaire"):
        parse(sealed_file(tmp_path, no_keys), partner=PARTNER, private_key=str(pem_file))


def test_payload_that_is_not_an_export(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """A container holding some other XML says so."""
    path = sealed_file(tmp_path, seal(b"<?xml version='1.0'?><STS_EDT/>"))
    with pytest.raises(InvalidFileError, match="racine inattendue « STS_EDT »"):
        parse(path, partner=PARTNER, private_key=str(pem_file))


# -- keys and settings --------------------------------------------------------------------


def test_key_block_not_ours(tmp_path: Path, seal: Sealer, other_key: rsa.RSAPrivateKey) -> None:
    """Our partner's block opened with another private key is a key error."""
    key_file = tmp_path / "other.pem"
    key_file.write_bytes(
        other_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    with pytest.raises(InvalidFileError, match="clé invalide : la clé du partenaire ENTCORE-TEST"):
        parse(path, partner=PARTNER, private_key=str(key_file))


def test_key_of_another_size(tmp_path: Path, seal: Sealer) -> None:
    """A key block whose length is not our modulus' is refused before decrypting."""
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = small.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    with pytest.raises(InvalidFileError, match=r"fait 256 octets.*1024 bits en attend 128"):
        parse(path, partner=PARTNER, private_key=pem)


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("***", "clé invalide : base64 invalide dans la clé du partenaire ENTCORE-TEST"),
        (base64.b64encode(b"x" * 10).decode(), "clé invalide : .* fait 10 octets"),
    ],
    ids=["garbage", "short"],
)
def test_malformed_key_block(
    tmp_path: Path, seal: Sealer, pem_file: Path, block: str, reason: str
) -> None:
    """Our key block is base64 of exactly one RSA block."""
    data = seal(MINIMAL.read_bytes(), partners=(PARTNER,))
    data = replace_element(data, "PARTENAIRE", block)
    with pytest.raises(InvalidFileError, match=reason):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_partner_not_configured(tmp_path: Path, seal: Sealer) -> None:
    """Without a partner name the error says which setting and variable to set."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    with pytest.raises(InvalidFileError) as caught:
        parse(path)
    reason = caught.value.reason
    assert "[edt] partner" in reason
    assert "ENTCORE_EDT_PARTNER" in reason
    assert "INDEXEDUCATION, ENTCORE-TEST" in reason


def test_partner_absent_from_file(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """The error lists the file's partners and the one we are configured as."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes(), partners=("INDEXEDUCATION",)))
    with pytest.raises(InvalidFileError) as caught:
        parse(path, partner=PARTNER, private_key=str(pem_file))
    assert "« ENTCORE-TEST »" in caught.value.reason
    assert "partenaires du fichier : INDEXEDUCATION" in caught.value.reason


def test_private_key_not_configured(tmp_path: Path, seal: Sealer) -> None:
    """Without a private key the error names the setting and its variable."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    with pytest.raises(
        InvalidFileError, match=r"\[edt\] private_key ou variable ENTCORE_EDT_PRIVATE_KEY"
    ):
        parse(path, partner=PARTNER, private_key="  ")


def test_private_key_file_missing(tmp_path: Path, seal: Sealer) -> None:
    """A key path that does not exist is named."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    missing = tmp_path / "absent.pem"
    with pytest.raises(InvalidFileError, match=f"clé privée illisible : {re.escape(str(missing))}"):
        parse(path, partner=PARTNER, private_key=str(missing))


def test_private_key_unusable(tmp_path: Path, seal: Sealer, private_key: rsa.RSAPrivateKey) -> None:
    """Garbage, a password-protected key and a non-RSA key are each named."""
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    garbage = tmp_path / "garbage.der"
    garbage.write_bytes(b"\x30\x03\x02\x01\x00 not a key")
    with pytest.raises(InvalidFileError, match="clé privée invalide"):
        parse(path, partner=PARTNER, private_key=str(garbage))
    protected = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    with pytest.raises(InvalidFileError, match="protégée par un mot de passe"):
        parse(path, partner=PARTNER, private_key=protected)
    elliptic = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(InvalidFileError, match="n'est pas une clé RSA"):
        parse(path, partner=PARTNER, private_key=elliptic)


def test_clear_files_can_be_refused(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """With accept_clear off, clear exports are refused and containers still read."""
    with pytest.raises(InvalidFileError, match=r"export en clair refusé.*accept_clear"):
        parse(MINIMAL, accept_clear=False)
    path = sealed_file(tmp_path, seal(MINIMAL.read_bytes()))
    assert parse(path, partner=PARTNER, private_key=str(pem_file), accept_clear=False).uai


def test_entities_in_container_are_refused(tmp_path: Path, seal: Sealer, pem_file: Path) -> None:
    """The container is parsed as carefully as the export."""
    data = seal(MINIMAL.read_bytes()).replace(
        b"<EXPORT_INDEX_EDUCATION",
        b'<!DOCTYPE EXPORT_INDEX_EDUCATION [<!ENTITY e "e">]>\n<EXPORT_INDEX_EDUCATION',
        1,
    )
    with pytest.raises(InvalidFileError, match="entités"):
        parse(sealed_file(tmp_path, data), partner=PARTNER, private_key=str(pem_file))


def test_container_record(tmp_path: Path, seal: Sealer) -> None:
    """read_container exposes the container's metadata and partner blocks."""
    data = seal(MINIMAL.read_bytes())
    with sealed_file(tmp_path, data).open("rb") as handle:
        record = container.read_container(handle, "x.xml")
    assert record.partner_names == ("INDEXEDUCATION", PARTNER)
    assert record.key_block("NEO-Open") is None
    assert record.compressed is True
    assert record.version == "1.0"
    assert record.uai == "0999999X"
    assert record.school_name == "COLLEGE DE TEST"
    assert not any(c.isspace() for c in record.content)
