"""A real SAML identity provider for the tests: pysaml2's IdP (``saml2.server.Server``).

A different implementation from our SP (signxml + cryptography): it signs with
``xmlsec1`` and builds its messages itself, so the tests exercise interoperability,
not our own code talking to itself.  Keys are generated here (cryptography).
"""

from __future__ import annotations

import base64
import datetime
import shutil
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    # pysaml2 touches a cipher mode cryptography has moved (CFB): not ours to fix.
    warnings.simplefilter("ignore")
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.metadata import entity_descriptor
    from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_TRANSIENT, NameID
    from saml2.server import Server

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
PASSWORD = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def xmlsec1() -> str:
    """The ``xmlsec1`` binary pysaml2 needs; a missing peer fails the test (never skips it)."""
    found = shutil.which("xmlsec1")
    assert found, "xmlsec1 not found: apt-get install -y xmlsec1 (see README)"
    return found


def keypair(folder: Path, name: str) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate, as PEM files ``<name>.key`` / ``<name>.crt``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / f"{name}.key", folder / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class TestIdP:
    """One pysaml2 IdP with its own keys and metadata file."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self, folder: Path, entity_id: str, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.entity_id = entity_id
        self.key_file, self.cert_file = keypair(folder, name)
        base = entity_id.rstrip("/")
        self._config: dict[str, object] = {
            "entityid": entity_id,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{base}/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{base}/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_TRANSIENT],
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": 5},
                            "attribute_restrictions": None,
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
            "key_file": str(self.key_file),
            "cert_file": str(self.cert_file),
            "xmlsec_binary": xmlsec1(),
            "allow_unknown_attributes": True,
            "metadata": {},
        }
        self.metadata_file = folder / f"{name}-metadata.xml"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.metadata_file.write_text(
                str(entity_descriptor(IdPConfig().load(dict(self._config)))), encoding="utf-8"
            )
        self._server: Server | None = None

    def trust(self, *sp_metadata: bytes) -> None:
        """Know these SPs (their metadata, as our SP serves it)."""
        config = dict(self._config)
        config["metadata"] = {"inline": [data.decode() for data in sp_metadata]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._server = Server(config=IdPConfig().load(config))

    @property
    def server(self) -> Server:
        assert self._server is not None, "call trust() with the SP metadata first"
        return self._server

    def read_request(self, redirect_url: str) -> tuple[str, str]:
        """Parse (and check) the AuthnRequest of a login redirect: its ID and its ACS URL."""
        query = parse_qs(urlparse(redirect_url).query)
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        return request.message.id, request.message.assertion_consumer_service_url

    def response_xml(
        self,
        identity: Mapping[str, Sequence[str]],
        *,
        in_response_to: str | None,
        destination: str,
        audience: str,
        name_id: str = "transient-4f1c",
        sign_assertion: bool = True,
        sign_response: bool = False,
        encrypt_for: Path | None = None,
    ) -> str:
        """A SAML Response as pysaml2 issues it."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            response = self.server.create_authn_response(
                {key: list(values) for key, values in identity.items()},
                in_response_to=in_response_to,
                destination=destination,
                sp_entity_id=audience,
                name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=name_id),
                sign_assertion=sign_assertion,
                sign_response=sign_response,
                encrypt_assertion=encrypt_for is not None,
                encrypt_cert_assertion=None if encrypt_for is None else encrypt_for.read_text(),
                sign_alg=RSA_SHA256,
                digest_alg=SHA256,
                authn={"class_ref": PASSWORD},
            )
        return str(response)


def b64(xml: str | bytes) -> str:
    """The form value of ``SAMLResponse`` for an XML response."""
    return base64.b64encode(xml.encode() if isinstance(xml, str) else xml).decode()
