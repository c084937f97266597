"""Identity-provider metadata (read from a configured file) and our SP metadata (generated).

The IdP file is hostile input like any other: parsed by :mod:`entcore.safexml`
(no DTD, no entity, no network), bounded in size.  It is read as published:
EduConnect's files (a bare ``EntityDescriptor`` with Shibboleth extensions and
SAML 1 endpoints besides the SAML 2 ones) load unchanged, and so does an
``EntitiesDescriptor`` holding several IdPs.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from attrs import frozen
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from entcore import safexml
from entcore.errors import InvalidFileError
from entcore.saml.names import DS, MD, POST, REDIRECT, SAMLP, TRANSIENT, q

#: Largest metadata file read (federation aggregates are a few MB).
MAX_METADATA_BYTES = 32 << 20


@frozen
class IdentityProvider:
    """What we use of an IdP's metadata."""

    entity_id: str
    signing_certificates: tuple[x509.Certificate, ...]
    """The keys its responses must be signed with (``use="signing"`` or no ``use``)."""
    sso_redirect: str | None
    """Its SingleSignOnService location for the HTTP-Redirect binding."""
    slo_redirect: str | None
    """Its SingleLogoutService location for the HTTP-Redirect binding, if any."""
    source: str
    """The file it was read from (for messages)."""


def _line(element: etree._Element) -> int | None:
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def _certificate(text: str, name: str, line: int | None) -> x509.Certificate:
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise InvalidFileError(
            name, "certificat X.509 illisible dans les métadonnées", line
        ) from None


def _identity_provider(entity: etree._Element, name: str) -> IdentityProvider | None:
    entity_id = entity.get("entityID")
    if not entity_id:
        raise InvalidFileError(name, "EntityDescriptor sans entityID", _line(entity))
    for descriptor in entity.iterfind(q(MD, "IDPSSODescriptor")):
        if SAMLP not in (descriptor.get("protocolSupportEnumeration") or "").split():
            continue
        certificates = []
        for key in descriptor.iterfind(q(MD, "KeyDescriptor")):
            if key.get("use", "signing") != "signing":
                continue
            for cert in key.iter(q(DS, "X509Certificate")):
                certificates.append(_certificate(cert.text or "", name, _line(cert)))
        if not certificates:
            raise InvalidFileError(
                name, f"aucun certificat de signature pour l'IdP {entity_id}", _line(descriptor)
            )

        def location(tag: str, descriptor: etree._Element = descriptor) -> str | None:
            for service in descriptor.iterfind(q(MD, tag)):
                if service.get("Binding") == REDIRECT and service.get("Location"):
                    return str(service.get("Location"))
            return None

        return IdentityProvider(
            entity_id,
            tuple(certificates),
            location("SingleSignOnService"),
            location("SingleLogoutService"),
            name,
        )
    return None


def load_identity_providers(path: Path) -> tuple[IdentityProvider, ...]:
    """The SAML 2 identity providers described by the metadata file at ``path``.

    Raises :class:`~entcore.InvalidFileError` (file and line named) when the
    file is unreadable, too large, or describes no SAML 2 IdP.
    """
    name = path.name
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_METADATA_BYTES + 1)
    except OSError as error:
        raise InvalidFileError(name, f"lecture impossible ({error.strerror})") from None
    if len(data) > MAX_METADATA_BYTES:
        raise InvalidFileError(name, "fichier de métadonnées trop gros")
    root = safexml.parse_bytes(data, name)
    if root.tag == q(MD, "EntityDescriptor"):
        entities = [root]
    elif root.tag == q(MD, "EntitiesDescriptor"):
        entities = list(root.iter(q(MD, "EntityDescriptor")))
    else:
        raise InvalidFileError(name, "ce ne sont pas des métadonnées SAML 2", _line(root))
    found = tuple(idp for e in entities if (idp := _identity_provider(e, name)) is not None)
    if not found:
        raise InvalidFileError(name, "aucun fournisseur d'identité SAML 2 dans ce fichier")
    return found


def _pem_body(certificate: x509.Certificate) -> str:
    return base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()


def service_provider_metadata(
    entity_id: str,
    acs_url: str,
    slo_url: str | None,
    certificate: x509.Certificate | None,
    *,
    sign_requests: bool,
) -> bytes:
    """Our SP metadata: what an IdP operator registers (entity ID, ACS, SLO, our certificate)."""
    nsmap = {"md": MD, "ds": DS}
    entity = etree.Element(q(MD, "EntityDescriptor"), nsmap=nsmap, entityID=entity_id)
    sp = etree.SubElement(
        entity,
        q(MD, "SPSSODescriptor"),
        AuthnRequestsSigned="true" if sign_requests else "false",
        WantAssertionsSigned="true",
        protocolSupportEnumeration=SAMLP,
    )
    if certificate is not None:
        for use in ("signing", "encryption"):
            key = etree.SubElement(sp, q(MD, "KeyDescriptor"), use=use)
            data = etree.SubElement(etree.SubElement(key, q(DS, "KeyInfo")), q(DS, "X509Data"))
            etree.SubElement(data, q(DS, "X509Certificate")).text = _pem_body(certificate)
    if slo_url:
        etree.SubElement(sp, q(MD, "SingleLogoutService"), Binding=REDIRECT, Location=slo_url)
    etree.SubElement(sp, q(MD, "NameIDFormat")).text = TRANSIENT
    etree.SubElement(
        sp,
        q(MD, "AssertionConsumerService"),
        Binding=POST,
        Location=acs_url,
        index="1",
        isDefault="true",
    )
    return bytes(etree.tostring(entity, xml_declaration=True, encoding="UTF-8", pretty_print=True))
