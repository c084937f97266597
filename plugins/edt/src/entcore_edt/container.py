"""The encrypted container ``EXPORT_INDEX_EDUCATION`` and its decryption.

EDT/PRONOTE encrypt the clear export with a random AES-128 key, then encrypt
that key (and the IV) once per partner with the partner's RSA public key::

    CLES/PARTENAIRE[@NOM=partner]  base64( RSA-PKCS#1 v1.5( key ‖ IV ‖ MD5(key ‖ IV) ) )
    CONTENU                        base64( AES-128-CBC-PKCS#7( zlib( clear XML ) ) )
    VERIFICATION                   base64( SHA-256( zlib( clear XML ) ) )

Zlib is applied unless ``CONTENU@CompresseAvantChiffrement`` is false, and the
clear XML may start with a UTF-8 byte-order mark.  Every failure raises
:class:`~entcore.InvalidFileError` with a one-line French reason that says which
step failed, so that an administrator can tell a wrong key from a damaged file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import zlib
from datetime import datetime
from pathlib import Path
from typing import IO

from attrs import frozen
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from entcore import InvalidFileError, safexml

from entcore_edt.detect import CONTAINER_NAMESPACE, UTF8_BOM, source_line
from entcore_edt.settings import describe

#: Length of the RSA-decrypted key block: AES key, IV, MD5 of both.
KEY_BLOCK_SIZE = 48

#: Largest clear export accepted after decompression.  A lycée's export weighs
#: a few MiB; the cap keeps a forged container (the partners' public keys are
#: not secret) from inflating into gigabytes.
MAX_CLEAR_SIZE = 64 * 1024 * 1024

#: Most the payload may inflate to per compressed byte: an export deflates
#: about 10 to 30 to 1, a forged stream of repeated elements a thousand to 1.
MAX_RATIO = 100

#: Inflated bytes always allowed, whatever the ratio.
RATIO_SLACK = 1 << 20

# How much is inflated at a time.
_INFLATE_STEP = 1 << 20

#: What the container document may make the parser hold.  ``CONTENU`` is one
#: long base64 text (an uncompressed export's may pass libxml2's 10 MB limit on
#: a text node, hence ``huge_tree``); the file is bounded as a whole instead.
CONTAINER_LIMITS = safexml.Limits(
    max_depth=8,
    max_children=1_000,
    max_pending=5_000,
    max_gap=4 * MAX_CLEAR_SIZE // 3 + (1 << 20),
    max_bytes=4 * MAX_CLEAR_SIZE // 3 + (1 << 20),
)

_NS = f"{{{CONTAINER_NAMESPACE}}}"
_PARTNER = f"{_NS}PARTENAIRE"
_CONTENT = f"{_NS}CONTENU"
_FIELDS = {
    f"{_NS}VERSION": "version",
    f"{_NS}LOGICIEL": "software",
    f"{_NS}VERIFICATION": "verification",
    f"{_NS}DATEHEURE": "generated_at",
    f"{_NS}UAI": "uai",
    f"{_NS}NOMETABLISSEMENT": "school_name",
}
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


@frozen
class Container:
    """What an ``EXPORT_INDEX_EDUCATION`` file holds, still encrypted."""

    partners: tuple[tuple[str, str], ...]
    """``(NOM, base64 key block)`` for each ``PARTENAIRE``, in file order."""
    content: str
    """Base64 of the encrypted payload (``CONTENU``), whitespace removed."""
    compressed: bool = True
    """``CONTENU@CompresseAvantChiffrement`` (true when absent)."""
    verification: str | None = None
    """Base64 of the SHA-256 of the AES output (``VERIFICATION``)."""
    version: str | None = None
    software: str | None = None
    """Producing software (``LOGICIEL``), e.g. ``PRONOTE Monoposte-PRONOTE 2013 - 0.5.14``."""
    generated_at: datetime | None = None
    """Time of the export (``DATEHEURE``)."""
    uai: str | None = None
    school_name: str | None = None

    @property
    def partner_names(self) -> tuple[str, ...]:
        """The partners the file has a key block for."""
        return tuple(name for name, _ in self.partners)

    def key_block(self, partner: str) -> str | None:
        """The base64 key block of ``partner``, or ``None``."""
        for name, block in self.partners:
            if name == partner:
                return block
        return None


def read_container(source: IO[bytes], name: str) -> Container:
    """Read the container from a binary file object positioned at its start.

    ``name`` names the file in errors.  The caller has checked the root.
    """
    partners: list[tuple[str, str]] = []
    content: str | None = None
    compressed = True
    fields: dict[str, str] = {}
    # huge_tree lifts libxml2's 10 MB limit on one text node: CONTENU of an
    # uncompressed export can exceed it.  Entity declarations are still refused.
    for _, element in safexml.iterparse(source, name, limits=CONTAINER_LIMITS, huge_tree=True):
        tag = element.tag
        if tag == _PARTNER:
            partners.append((element.get("NOM", "").strip(), _compact(element.text)))
        elif tag == _CONTENT:
            content = _compact(element.text)
            compressed = _boolean(
                element.get("CompresseAvantChiffrement"), name, source_line(element)
            )
            element.clear()
        elif isinstance(tag, str) and tag in _FIELDS:
            fields[_FIELDS[tag]] = (element.text or "").strip()
    if content is None:
        raise InvalidFileError(name, "conteneur chiffré sans élément CONTENU")
    if not partners:
        raise InvalidFileError(name, "conteneur chiffré sans clé de partenaire (CLES/PARTENAIRE)")
    return Container(
        partners=tuple(partners),
        content=content,
        compressed=compressed,
        verification=_compact(fields.get("verification")) or None,
        version=fields.get("version") or None,
        software=fields.get("software") or None,
        generated_at=_datetime(fields.get("generated_at"), name),
        uai=fields.get("uai") or None,
        school_name=fields.get("school_name") or None,
    )


def load_private_key(value: str, name: str) -> rsa.RSAPrivateKey:
    """Our RSA private key from the ``private_key`` setting.

    ``value`` is PEM text (it contains ``-----BEGIN``) or the path of a PEM or
    DER file.  ``name`` is the file being imported, named in errors.
    """
    setting = describe("private_key")
    if "-----BEGIN" in value:
        if "\n" not in value:
            # PEM pasted into an environment variable often arrives with its
            # line breaks written as the two characters backslash and n.
            value = value.replace("\\n", "\n")
        data = value.encode("ascii", "replace")
        origin = "le texte PEM"
    else:
        path = Path(value).expanduser()
        origin = str(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise InvalidFileError(
                name, f"clé privée illisible : {origin} ({reason}) ; vérifiez le {setting}"
            ) from None
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_private_key(data, password=None)
        else:
            key = serialization.load_der_private_key(data, password=None)
    except TypeError:
        # cryptography raises TypeError when the key needs a password.
        raise InvalidFileError(
            name, f"clé privée protégée par un mot de passe : {origin} ; fournissez-la en clair"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidFileError(
            name, f"clé privée invalide : {origin} n'est pas une clé PKCS#8 PEM ou DER ({setting})"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidFileError(name, f"clé privée invalide : {origin} n'est pas une clé RSA")
    return key


def decrypt(container: Container, partner: str, key: rsa.RSAPrivateKey, name: str) -> bytes:
    """The clear ``ExportEmploiDuTemps`` bytes (byte-order mark removed).

    ``partner`` must be one of :attr:`Container.partner_names`.
    """
    block_text = container.key_block(partner)
    if block_text is None:
        raise InvalidFileError(name, missing_partner_reason(container, partner))

    block = _base64(block_text, f"la clé du partenaire {partner}", name, "clé invalide")
    expected = key.key_size // 8
    if len(block) != expected:
        raise InvalidFileError(
            name,
            f"clé invalide : la clé chiffrée du partenaire {partner} fait {len(block)} octets, "
            f"notre clé privée RSA de {key.key_size} bits en attend {expected}",
        )
    try:
        material = key.decrypt(block, padding.PKCS1v15())
    except ValueError:
        material = b""
    # OpenSSL's implicit rejection makes a wrong private key yield random bytes
    # rather than an error; a wrong length or MD5 is how that shows.
    if len(material) != KEY_BLOCK_SIZE:
        raise InvalidFileError(
            name,
            f"clé invalide : la clé du partenaire {partner} ne se déchiffre pas avec notre "
            f"clé privée (clé d'un autre partenaire ?)",
        )
    aes_key, iv, check = material[:16], material[16:32], material[32:]
    if not hmac.compare_digest(hashlib.md5(aes_key + iv, usedforsecurity=False).digest(), check):
        raise InvalidFileError(
            name,
            f"clé invalide : empreinte MD5 de la clé AES incorrecte pour le partenaire {partner}",
        )

    encrypted = _base64(container.content, "CONTENU", name, "contenu corrompu")
    if not encrypted:
        raise InvalidFileError(name, "contenu corrompu : CONTENU est vide")
    if len(encrypted) % 16:
        raise InvalidFileError(
            name,
            f"contenu corrompu : {len(encrypted)} octets chiffrés, "
            "pas un multiple de 16 (fichier tronqué ?)",
        )
    decryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(encrypted) + decryptor.finalize()
    unpadder = symmetric_padding.PKCS7(128).unpadder()
    try:
        payload = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise InvalidFileError(
            name, "contenu corrompu : bourrage AES invalide après déchiffrement"
        ) from None

    if container.verification is None:
        raise InvalidFileError(name, "empreinte absente : le conteneur n'a pas de VERIFICATION")
    digest = _base64(container.verification, "VERIFICATION", name, "empreinte invalide")
    if not hmac.compare_digest(hashlib.sha256(payload).digest(), digest):
        raise InvalidFileError(
            name, "empreinte invalide : le SHA-256 du contenu déchiffré diffère de VERIFICATION"
        )

    if container.compressed:
        payload = _inflate(payload, name)
    if payload.startswith(UTF8_BOM):
        payload = payload[len(UTF8_BOM) :]
    return payload


def missing_partner_reason(container: Container, partner: str | None) -> str:
    """Why the file cannot be decrypted for ``partner`` (absent or unset)."""
    present = ", ".join(container.partner_names) or "aucun"
    if partner is None:
        return (
            f"fichier chiffré : indiquez notre nom de partenaire Index Éducation dans le "
            f"{describe('partner')} ; partenaires du fichier : {present}"
        )
    return (
        f"fichier chiffré sans clé pour notre partenaire « {partner} » "
        f"({describe('partner')}) ; partenaires du fichier : {present}"
    )


def _inflate(data: bytes, name: str) -> bytes:
    # Inflated a step at a time and joined only once complete, so that a bomb
    # costs no more memory than what the size and the ratio allow.
    allowed = min(MAX_CLEAR_SIZE, RATIO_SLACK + MAX_RATIO * len(data))
    inflater = zlib.decompressobj()
    parts: list[bytes] = []
    size = 0
    pending = data
    try:
        while True:
            part = inflater.decompress(pending, _INFLATE_STEP)
            parts.append(part)
            size += len(part)
            pending = inflater.unconsumed_tail
            if size > allowed or inflater.eof or not (part or pending):
                break
    except zlib.error:
        raise InvalidFileError(name, "contenu corrompu : décompression zlib impossible") from None
    if size > MAX_CLEAR_SIZE:
        limit = MAX_CLEAR_SIZE // 2**20
        raise InvalidFileError(
            name, f"contenu trop volumineux : plus de {limit} Mio une fois décompressé"
        )
    if size > allowed:
        raise InvalidFileError(
            name,
            f"taux de compression anormal (plus de {MAX_RATIO} pour 1) : conteneur piégé ?",
        )
    if not inflater.eof:
        raise InvalidFileError(name, "contenu corrompu : flux zlib incomplet")
    return b"".join(parts)


def _compact(text: str | None) -> str:
    # Base64 is wrapped at 76 columns and may be indented: drop all whitespace.
    return "".join(text.split()) if text else ""


def _base64(text: str, what: str, name: str, failure: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidFileError(name, f"{failure} : base64 invalide dans {what}") from None


def _boolean(value: str | None, name: str, line: int | None) -> bool:
    if value is None:
        return True
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidFileError(name, f"CompresseAvantChiffrement invalide : {value!r}", line)


def _datetime(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidFileError(name, f"DATEHEURE invalide : {value!r}") from None
