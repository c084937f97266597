"""Decryption of an ``EncryptedAssertion`` (XML-Enc) with our private key.

Key transport RSA-OAEP (``rsa-oaep-mgf1p``, XML-Enc 1.1 ``rsa-oaep``) and
RSA PKCS#1 v1.5 (what many IdPs still send; a failure is reported as one
generic refusal, never as a padding oracle); content AES-CBC, AES-GCM or (legacy, still pysaml2's default) triple-DES-CBC.
Any failure is a :class:`~entcore.errors.SamlRefused`.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

from entcore.errors import SamlRefused
from entcore.saml.names import DS, XENC, XENC11, q

_CBC = {f"{XENC}aes128-cbc": 16, f"{XENC}aes192-cbc": 24, f"{XENC}aes256-cbc": 32}
_GCM = {f"{XENC11}aes128-gcm": 16, f"{XENC11}aes192-gcm": 24, f"{XENC11}aes256-gcm": 32}
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}


def _cipher_value(element: etree._Element) -> bytes:
    value = element.find(f"{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}")
    if value is None or not (value.text or "").strip():
        raise SamlRefused("encrypted element without CipherValue")
    try:
        return base64.b64decode("".join((value.text or "").split()), validate=True)
    except binascii.Error:
        raise SamlRefused("encrypted element with a CipherValue that is not base64") from None


def _algorithm(element: etree._Element) -> str:
    method = element.find(q(XENC, "EncryptionMethod"))
    return "" if method is None else str(method.get("Algorithm", ""))


def _session_key(encrypted_key: etree._Element, key: RSAPrivateKey) -> bytes:
    algorithm = _algorithm(encrypted_key)
    wrapped = _cipher_value(encrypted_key)
    try:
        if algorithm in (f"{XENC}rsa-oaep-mgf1p", f"{XENC11}rsa-oaep"):
            method = encrypted_key.find(q(XENC, "EncryptionMethod"))
            assert method is not None
            digest_element = method.find(q(DS, "DigestMethod"))
            digest = _DIGESTS.get(
                "" if digest_element is None else str(digest_element.get("Algorithm")),
                hashes.SHA1,
            )
            return key.decrypt(wrapped, padding.OAEP(padding.MGF1(hashes.SHA1()), digest(), None))
        if algorithm == f"{XENC}rsa-1_5":
            return key.decrypt(wrapped, padding.PKCS1v15())
    except ValueError:
        raise SamlRefused(
            "encrypted assertion: the session key does not decrypt with our key"
        ) from None
    raise SamlRefused("encrypted assertion: unsupported key transport algorithm")


def decrypt(encrypted_data: etree._Element, key: RSAPrivateKey) -> bytes:
    """The plaintext of an ``xenc:EncryptedData`` whose session key is wrapped for ``key``."""
    encrypted_key = encrypted_data.find(f"{q(DS, 'KeyInfo')}/{q(XENC, 'EncryptedKey')}")
    if encrypted_key is None:
        # Some IdPs put the EncryptedKey beside the EncryptedData (in EncryptedAssertion).
        parent = encrypted_data.getparent()
        encrypted_key = None if parent is None else parent.find(q(XENC, "EncryptedKey"))
    if encrypted_key is None:
        raise SamlRefused("encrypted assertion without an EncryptedKey")
    session = _session_key(encrypted_key, key)
    algorithm = _algorithm(encrypted_data)
    data = _cipher_value(encrypted_data)
    if algorithm in _CBC and len(session) == _CBC[algorithm]:
        if len(data) < 32 or len(data) % 16:
            raise SamlRefused("encrypted assertion: ciphertext of a wrong length")
        decryptor = Cipher(algorithms.AES(session), modes.CBC(data[:16])).decryptor()
        plain = decryptor.update(data[16:]) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 16:
            raise SamlRefused("encrypted assertion: bad padding")
        return plain[:-pad]
    if algorithm == f"{XENC}tripledes-cbc" and len(session) == 24:
        # Legacy, but still pysaml2's and some IdPs' default; integrity rests on the signature.
        if len(data) < 16 or len(data) % 8:
            raise SamlRefused("encrypted assertion: ciphertext of a wrong length")
        decryptor = Cipher(TripleDES(session), modes.CBC(data[:8])).decryptor()
        plain = decryptor.update(data[8:]) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= 8:
            raise SamlRefused("encrypted assertion: bad padding")
        return plain[:-pad]
    if algorithm in _GCM and len(session) == _GCM[algorithm]:
        try:
            return AESGCM(session).decrypt(data[:12], data[12:], None)
        except InvalidTag:
            raise SamlRefused("encrypted assertion: authentication tag mismatch") from None
    raise SamlRefused("encrypted assertion: unsupported content encryption algorithm")
