"""Fixtures of the entcore-edt tests: sample files, RSA keys and a container builder.

The container builder follows Index Éducation's recipe (timetable.md §2.2) so
that the decryption path is tested end to end without a partner's real key.
"""

from __future__ import annotations

import base64
import hashlib
import os
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# The repository's root is parents[3] of plugins/edt/tests/<file>; the shared
# corpus sits beside it.
CORPUS = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "corpus"
    / "timetable"
    / "laclasse-service-cahiertextes"
)

PARTNER = "ENTCORE-TEST"
CONTAINER_NS = "http://www.index-education.com/conteneurexportchiffre"

Sealer = Callable[..., bytes]


@pytest.fixture(scope="session")
def private_key() -> rsa.RSAPrivateKey:
    """Our partner key pair (2048 bits, as Index Éducation's partners use)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    """Another partner's key pair, whose block we must not be able to open."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def pem_text(private_key: rsa.RSAPrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@pytest.fixture
def pem_file(tmp_path: Path, pem_text: str) -> Path:
    path = tmp_path / "entcore-test.pem"
    path.write_text(pem_text, encoding="ascii")
    return path


@pytest.fixture
def der_file(tmp_path: Path, private_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "entcore-test.der"
    path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _wrapped(data: bytes) -> str:
    # As in the real samples: base64 wrapped at 76 columns, here also indented.
    lines = textwrap.wrap(base64.b64encode(data).decode("ascii"), 76)
    return "\n\t\t" + "\n\t\t".join(lines) + "\n\t"


@pytest.fixture
def seal(private_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey) -> Sealer:
    """A function building an ``EXPORT_INDEX_EDUCATION`` container around clear bytes.

    Keyword arguments let a test break one step: ``pad``, ``compress`` (and the
    ``compressed_attribute`` text written, ``None`` for none), ``key_check``
    (the 16 bytes written after key and IV instead of their MD5),
    ``verification`` (the digest written), ``uai`` (the container's), and
    ``partners`` (names of the partners, ours being encrypted with our key).
    """

    def build(
        clear: bytes,
        *,
        partners: tuple[str, ...] = ("INDEXEDUCATION", PARTNER),
        compress: bool = True,
        pad: bool = True,
        compressed_attribute: str | None = "",
        key_check: bytes | None = None,
        verification: bytes | None = None,
        uai: str | None = "0999999X",
    ) -> bytes:
        aes_key, iv = os.urandom(16), os.urandom(16)
        material = aes_key + iv + (key_check or hashlib.md5(aes_key + iv).digest())
        payload = zlib.compress(clear) if compress else clear
        if pad:
            padder = symmetric_padding.PKCS7(128).padder()
            padded = padder.update(payload) + padder.finalize()
        else:
            # Zero filling: a final byte of 0 is never valid PKCS#7.
            padded = payload + bytes(16 - len(payload) % 16)
        encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
        content = encryptor.update(padded)
        content += encryptor.finalize()
        digest = verification if verification is not None else hashlib.sha256(payload).digest()
        blocks = []
        for name in partners:
            owner = private_key if name == PARTNER else other_key
            block = owner.public_key().encrypt(material, padding.PKCS1v15())
            blocks.append(f'<PARTENAIRE NOM="{name}">{_wrapped(block)}</PARTENAIRE>')
        if compressed_attribute == "":
            compressed_attribute = None if compress else "false"
        attribute = (
            f' CompresseAvantChiffrement="{compressed_attribute}"'
            if compressed_attribute is not None
            else ""
        )
        uai_element = f"<UAI>{uai}</UAI>" if uai is not None else ""
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<EXPORT_INDEX_EDUCATION xmlns="{CONTAINER_NS}">\n'
            "\t<VERSION>1.0</VERSION>\n"
            "\t<LOGICIEL>EDT 2024 - tests entcore</LOGICIEL>\n"
            f"\t<CLES>{''.join(blocks)}</CLES>\n"
            f"\t<CONTENU{attribute}>{_wrapped(content)}</CONTENU>\n"
            f"\t<VERIFICATION>{base64.b64encode(digest).decode('ascii')}</VERIFICATION>\n"
            "\t<DATEHEURE>2024-08-28T09:15:00.000+02:00</DATEHEURE>\n"
            f"\t{uai_element}\n"
            "\t<NOMETABLISSEMENT>COLLEGE DE TEST</NOMETABLISSEMENT>\n"
            "\t<CODEPOSTALVILLE>75000 PARIS</CODEPOSTALVILLE>\n"
            "</EXPORT_INDEX_EDUCATION>\n"
        )
        return document.encode("utf-8")

    return build


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder of real EDT samples; skips the test when the corpus is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"real EDT samples not available (expected in {CORPUS})")
    return CORPUS
