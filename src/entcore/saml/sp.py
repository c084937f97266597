"""A SAML 2.0 service provider: AuthnRequest out (HTTP-Redirect), Response in (HTTP-POST), SLO.

The web layer drives one :class:`SamlServiceProvider` per SSO provider:
``metadata_xml()`` for ``/auth/saml/<provider>/metadata``,
``authn_request()`` for ``…/login``, ``consume()`` for ``…/acs`` and
``logout_request()`` / ``consume_logout_response()`` for ``…/slo``.

Every response is checked as the Web SSO profile demands, including what the
Java reference does not check: signature (response or assertion) against the
IdP metadata's signing keys, with the element consumed being the very element
verified (signature wrapping), no duplicated IDs, exactly one assertion,
Audience, Destination and Recipient, InResponseTo against the requests we sent
and have not seen answered, validity window with a clock skew, and replay.
Outstanding requests and seen assertions live in the store
(:class:`~entcore.saml.state.SamlState`).  A refusal raises
:class:`~entcore.errors.SamlRefused` and logs why on ``entcore.saml``.
"""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from attrs import frozen
from cryptography import x509
from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from lxml import etree
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.verifier import XMLVerifier

from entcore import safexml
from entcore.errors import ConfigError, InvalidFileError, SamlRefused
from entcore.protocols import Asserted
from entcore.saml.metadata import (
    IdentityProvider,
    load_identity_providers,
    service_provider_metadata,
)
from entcore.saml.names import (
    BEARER,
    DS,
    PASSWORD_PROTECTED,
    RSA_SHA256,
    SAML,
    SAMLP,
    SUCCESS,
    TRANSIENT,
    XENC,
    q,
)
from entcore.saml.state import SamlState
from entcore.saml.xmlenc import decrypt

log = logging.getLogger("entcore.saml")

#: Largest SAMLResponse accepted (base64 text).
MAX_RESPONSE_BYTES = 256 * 1024
#: How long an AuthnRequest may wait for its answer.
REQUEST_LIFETIME = timedelta(minutes=15)
#: How long an assertion ID is kept when the assertion gives no end of validity.
DEFAULT_ASSERTION_LIFETIME = timedelta(hours=1)


@frozen
class SamlSettings:
    """A SAML provider's settings, from its settings section.

    Built by :meth:`from_section` from the keys ``idp_metadata`` (a path, or a
    list of paths: one file per académie for agents), ``entity_id``,
    ``key_file``, ``cert_file``, ``acs_url`` (or ``base_url``, the ACS then
    being ``<base_url>/auth/saml/<provider>/acs``), ``clock_skew_seconds`` and
    ``allow_idp_initiated``.
    """

    provider: str
    entity_id: str
    acs_url: str
    slo_url: str | None
    idp_metadata: tuple[Path, ...]
    key_file: Path | None = None
    cert_file: Path | None = None
    clock_skew: timedelta = timedelta(minutes=3)
    allow_idp_initiated: bool = False

    @classmethod
    def from_section(
        cls, provider: str, section: Mapping[str, object], *, base_url: str = ""
    ) -> SamlSettings:
        """Read a provider's settings section; :class:`~entcore.ConfigError` names a missing key."""

        def text(key: str) -> str:
            value = section.get(key)
            return "" if value is None else str(value).strip()

        raw = section.get("idp_metadata")
        files: tuple[Path, ...]
        if isinstance(raw, list | tuple):
            files = tuple(Path(str(item)) for item in raw if str(item).strip())
        elif raw:
            files = (Path(str(raw)),)
        else:
            files = ()
        if not files:
            raise ConfigError(f"[{provider}] idp_metadata : aucun fichier de métadonnées configuré")
        if not text("entity_id"):
            raise ConfigError(f"[{provider}] entity_id : identifiant d'entité manquant")
        base = (text("base_url") or base_url).rstrip("/")
        acs = text("acs_url") or (f"{base}/auth/saml/{provider}/acs" if base else "")
        if not acs:
            raise ConfigError(f"[{provider}] acs_url : adresse de l'ACS manquante (ou base_url)")
        slo = text("slo_url") or (f"{base}/auth/saml/{provider}/slo" if base else "")
        skew = section.get("clock_skew_seconds", 180)
        return cls(
            provider=provider,
            entity_id=text("entity_id"),
            acs_url=acs,
            slo_url=slo or None,
            idp_metadata=files,
            key_file=Path(text("key_file")) if text("key_file") else None,
            cert_file=Path(text("cert_file")) if text("cert_file") else None,
            clock_skew=timedelta(seconds=int(skew) if isinstance(skew, int | str) else 180),
            allow_idp_initiated=bool(section.get("allow_idp_initiated", False)),
        )


@frozen
class AuthnRedirect:
    """Where to send the browser for an AuthnRequest, and the request's ID (kept in the store)."""

    url: str
    request_id: str
    idp: str


@frozen
class SamlAssertion:
    """A response that passed every check: who the IdP vouches for."""

    provider: str
    issuer: str
    name_id: str
    name_id_format: str | None
    name_qualifier: str | None
    sp_name_qualifier: str | None
    session_index: str | None
    attributes: Mapping[str, tuple[str, ...]]
    """Values by attribute ``Name`` and by ``FriendlyName``."""
    assertion_id: str
    in_response_to: str | None
    relay_state: str | None

    def asserted(self) -> Asserted:
        """What the SSO provider's ``identify`` is handed."""
        return Asserted(self.issuer, self.name_id, self.attributes, self.session_index)


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else now.astimezone(UTC)


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_instant(value: str | None, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SamlRefused(f"{what} is not an xs:dateTime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _new_id() -> str:
    # An xs:ID must not start with a digit.
    return "ENT_" + secrets.token_hex(20)


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _inflate(data: bytes, limit: int = MAX_RESPONSE_BYTES) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data, limit)
    except zlib.error:
        raise SamlRefused("message is not DEFLATE-compressed") from None
    if inflater.unconsumed_tail:
        raise SamlRefused("message too large once inflated")
    return out


def _parse(data: bytes, what: str) -> etree._Element:
    try:
        # Comments are kept so that a comment inside NameID can be seen and refused.
        return safexml.parse_bytes(data, what, remove_comments=False, remove_pis=False)
    except InvalidFileError as error:
        raise SamlRefused(f"{what} is not well-formed XML ({error})") from None


def _only_text(element: etree._Element, what: str) -> str:
    """The text of ``element``; refuse one holding comments or children (comment-in-NameID)."""
    if len(element):
        raise SamlRefused(f"{what} holds markup or a comment (comment injection)")
    return (element.text or "").strip()


class SamlServiceProvider:
    """Our SP for one SSO provider and the IdPs of its metadata file(s).

    :param settings: the provider's :class:`SamlSettings`.
    :param state: where outstanding requests and seen assertions are kept.
    """

    def __init__(self, settings: SamlSettings, state: SamlState) -> None:
        self.settings = settings
        self._state = state
        idps: dict[str, IdentityProvider] = {}
        for path in settings.idp_metadata:
            for idp in load_identity_providers(path):
                idps[idp.entity_id] = idp
        self.identity_providers: Mapping[str, IdentityProvider] = idps
        self._key: RSAPrivateKey | None = None
        self._certificate: x509.Certificate | None = None
        if settings.key_file is not None:
            try:
                key = serialization.load_pem_private_key(settings.key_file.read_bytes(), None)
            except (OSError, ValueError, TypeError):
                raise ConfigError(
                    f"[{settings.provider}] key_file : clé privée PEM illisible ({settings.key_file.name})"
                ) from None
            if not isinstance(key, RSAPrivateKey):
                raise ConfigError(f"[{settings.provider}] key_file : une clé RSA est attendue")
            self._key = key
        if settings.cert_file is not None:
            try:
                self._certificate = x509.load_pem_x509_certificate(settings.cert_file.read_bytes())
            except (OSError, ValueError):
                raise ConfigError(
                    f"[{settings.provider}] cert_file : certificat PEM illisible ({settings.cert_file.name})"
                ) from None

    # -- metadata -------------------------------------------------------------------------------

    def metadata_xml(self) -> bytes:
        """Our SP metadata, to serve at ``/auth/saml/<provider>/metadata``."""
        return service_provider_metadata(
            self.settings.entity_id,
            self.settings.acs_url,
            self.settings.slo_url,
            self._certificate,
            sign_requests=self._key is not None,
        )

    # -- AuthnRequest ---------------------------------------------------------------------------

    def _idp(self, entity_id: str | None) -> IdentityProvider:
        if entity_id is None:
            if len(self.identity_providers) != 1:
                raise ConfigError(
                    f"[{self.settings.provider}] plusieurs fournisseurs d'identité : précisez lequel"
                )
            return next(iter(self.identity_providers.values()))
        idp = self.identity_providers.get(entity_id)
        if idp is None:
            raise SamlRefused("issuer is not an identity provider of this provider's metadata")
        return idp

    def _redirect(
        self, location: str, parameter: str, message: bytes, relay_state: str | None
    ) -> str:
        query = [(parameter, base64.b64encode(_deflate(message)).decode())]
        if relay_state is not None:
            query.append(("RelayState", relay_state))
        if self._key is not None:
            # SAML bindings §3.4.4.1: sign the URL-encoded query, in this order.
            query.append(("SigAlg", RSA_SHA256))
            signed = urlencode(query, quote_via=quote, safe="")
            signature = self._key.sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
            query.append(("Signature", base64.b64encode(signature).decode()))
        separator = "&" if "?" in location else "?"
        return location + separator + urlencode(query, quote_via=quote, safe="")

    def authn_request(
        self, relay_state: str | None, *, idp: str | None = None, now: datetime | None = None
    ) -> AuthnRedirect:
        """An AuthnRequest for ``idp`` (the only IdP when ``None``), sent by HTTP-Redirect.

        Its ID is kept in the store until answered or expired.
        """
        when = _now(now)
        target = self._idp(idp)
        if target.sso_redirect is None:
            raise ConfigError(
                f"[{self.settings.provider}] {target.source} : pas de SingleSignOnService HTTP-Redirect"
            )
        request_id = _new_id()
        request = etree.Element(
            q(SAMLP, "AuthnRequest"),
            nsmap={"samlp": SAMLP, "saml": SAML},
            ID=request_id,
            Version="2.0",
            IssueInstant=_instant(when),
            Destination=target.sso_redirect,
            ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            AssertionConsumerServiceURL=self.settings.acs_url,
        )
        etree.SubElement(request, q(SAML, "Issuer")).text = self.settings.entity_id
        etree.SubElement(request, q(SAMLP, "NameIDPolicy"), Format=TRANSIENT, AllowCreate="true")
        context = etree.SubElement(request, q(SAMLP, "RequestedAuthnContext"), Comparison="minimum")
        etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = PASSWORD_PROTECTED
        self._state.remember_request(
            self.settings.provider, target.entity_id, request_id, when, when + REQUEST_LIFETIME
        )
        url = self._redirect(
            target.sso_redirect, "SAMLRequest", etree.tostring(request), relay_state
        )
        return AuthnRedirect(url, request_id, target.entity_id)

    def unsolicited_url(self, idp: str | None = None, target: str | None = None) -> str:
        """The "SPEntityID" entry of IdPs that only do unsolicited SSO (some agents portals).

        The IdP answers with an IdP-initiated response: set ``allow_idp_initiated``.
        """
        chosen = self._idp(idp)
        location = chosen.sso_redirect or chosen.entity_id
        query = [("SPEntityID", self.settings.entity_id)]
        if target:
            query.append(("TARGET", target))
        separator = "&" if "?" in location else "?"
        return location + separator + urlencode(query)

    # -- Response -------------------------------------------------------------------------------

    def consume(
        self, saml_response: str, relay_state: str | None, now: datetime | None = None
    ) -> SamlAssertion:
        """Check the base64 ``SAMLResponse`` posted to the ACS; the assertion, or :class:`SamlRefused`.

        Only the replay cache and the answered request are written (and only
        when every check passed).
        """
        try:
            return self._consume(saml_response, relay_state, _now(now))
        except SamlRefused as refused:
            log.warning("SAML response refused (%s): %s", self.settings.provider, refused.reason)
            raise

    def _verify(self, element: etree._Element, idp: IdentityProvider, what: str) -> etree._Element:
        """The element the signature of ``element`` covers, verified with the IdP's keys.

        The element is verified in a document of its own, so that its reference
        can resolve only inside it, and what is returned is what signxml
        verified: the caller consumes that, never the unverified tree.
        """
        standalone = _parse(etree.tostring(element), what)
        errors = []
        for certificate in idp.signing_certificates:
            pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
            try:
                result: Any = XMLVerifier().verify(
                    standalone, x509_cert=pem, expect_references=1, id_attribute="ID"
                )
            except (InvalidSignature, InvalidInput) as error:
                errors.append(str(error).splitlines()[0] if str(error) else type(error).__name__)
                continue
            signed: etree._Element = result.signed_xml
            if signed.tag != element.tag or signed.get("ID") != element.get("ID"):
                raise SamlRefused(
                    f"the {what} signature covers another element (signature wrapping)"
                )
            return signed
        raise SamlRefused(
            f"{what} signature does not verify with the IdP's keys ({'; '.join(errors)[:200]})"
        )

    def _consume(self, saml_response: str, relay_state: str | None, now: datetime) -> SamlAssertion:
        if len(saml_response) > MAX_RESPONSE_BYTES:
            raise SamlRefused("SAMLResponse too large")
        try:
            data = base64.b64decode("".join(saml_response.split()), validate=True)
        except (binascii.Error, ValueError):
            raise SamlRefused("SAMLResponse is not base64") from None
        response = _parse(data, "SAMLResponse")
        if response.tag != q(SAMLP, "Response"):
            raise SamlRefused("not a samlp:Response")
        ids = [e.get("ID") for e in response.iter() if e.get("ID") is not None]
        if len(ids) != len(set(ids)):
            raise SamlRefused("duplicated ID attributes (signature wrapping)")
        for _node in response.iter(etree.Comment, etree.ProcessingInstruction):
            raise SamlRefused(
                "comment or processing instruction inside the response (comment injection)"
            )
        if response.get("Version") != "2.0":
            raise SamlRefused("response is not SAML 2.0")
        destination = response.get("Destination")
        if destination != self.settings.acs_url:
            raise SamlRefused("response Destination is not our ACS URL")
        status = response.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
        if status is None or status.get("Value") != SUCCESS:
            raise SamlRefused("response status is not Success")
        issuer_element = response.find(q(SAML, "Issuer"))
        assertions = response.findall(q(SAML, "Assertion"))
        encrypted = response.findall(q(SAML, "EncryptedAssertion"))
        if len(assertions) + len(encrypted) != 1:
            raise SamlRefused("response must hold exactly one assertion")
        if len(list(response.iter(q(SAML, "Assertion")))) != len(assertions):
            raise SamlRefused("assertion nested elsewhere in the response (signature wrapping)")
        issuer_text = None if issuer_element is None else _only_text(issuer_element, "Issuer")
        if issuer_text is None and assertions:
            inner = assertions[0].find(q(SAML, "Issuer"))
            issuer_text = None if inner is None else _only_text(inner, "Issuer")
        if not issuer_text:
            raise SamlRefused("response names no Issuer")
        idp = self._idp(issuer_text)

        response_signed = response.find(q(DS, "Signature")) is not None
        if response_signed:
            response = self._verify(response, idp, "response")
        if encrypted:
            assertion = self._decrypt(response.find(q(SAML, "EncryptedAssertion")), response)
        else:
            found = response.find(q(SAML, "Assertion"))
            assert found is not None
            assertion = found
        if assertion.find(q(DS, "Signature")) is not None:
            assertion = self._verify(assertion, idp, "assertion")
        elif not response_signed:
            raise SamlRefused("neither the response nor the assertion is signed")
        return self._check_assertion(response, assertion, idp, relay_state, now)

    def _decrypt(
        self, encrypted: etree._Element | None, response: etree._Element
    ) -> etree._Element:
        if self._key is None:
            raise SamlRefused("encrypted assertion but no key_file configured")
        data = None if encrypted is None else encrypted.find(q(XENC, "EncryptedData"))
        if data is None:
            raise SamlRefused("EncryptedAssertion without EncryptedData")
        plain = decrypt(data, self._key)
        assertion = _parse(plain, "decrypted assertion")
        if assertion.tag != q(SAML, "Assertion"):
            raise SamlRefused("encrypted content is not one assertion")
        for _node in assertion.iter(etree.Comment, etree.ProcessingInstruction):
            raise SamlRefused("comment inside the decrypted assertion (comment injection)")
        return assertion

    def _check_assertion(
        self,
        response: etree._Element,
        assertion: etree._Element,
        idp: IdentityProvider,
        relay_state: str | None,
        now: datetime,
    ) -> SamlAssertion:
        skew = self.settings.clock_skew
        assertion_id = assertion.get("ID")
        if not assertion_id:
            raise SamlRefused("assertion without ID")
        issuer = assertion.find(q(SAML, "Issuer"))
        if issuer is None or _only_text(issuer, "assertion Issuer") != idp.entity_id:
            raise SamlRefused("assertion Issuer is not the response's IdP")
        in_response_to = response.get("InResponseTo")
        subject = assertion.find(q(SAML, "Subject"))
        name_id = None if subject is None else subject.find(q(SAML, "NameID"))
        if name_id is None:
            raise SamlRefused("assertion without Subject/NameID")
        name = _only_text(name_id, "NameID")
        if not name:
            raise SamlRefused("empty NameID")
        bearer_ok = False
        for confirmation in (
            subject.iterfind(q(SAML, "SubjectConfirmation")) if subject is not None else ()
        ):
            if confirmation.get("Method") != BEARER:
                continue
            data = confirmation.find(q(SAML, "SubjectConfirmationData"))
            if data is None:
                continue
            if data.get("Recipient") != self.settings.acs_url:
                raise SamlRefused("SubjectConfirmationData Recipient is not our ACS URL")
            if data.get("InResponseTo") != in_response_to:
                raise SamlRefused(
                    "SubjectConfirmationData InResponseTo differs from the response's"
                )
            until = _parse_instant(data.get("NotOnOrAfter"), "SubjectConfirmationData NotOnOrAfter")
            if until is None or now >= until + skew:
                raise SamlRefused(
                    "bearer confirmation expired (SubjectConfirmationData NotOnOrAfter)"
                )
            start = _parse_instant(data.get("NotBefore"), "SubjectConfirmationData NotBefore")
            if start is not None and now < start - skew:
                raise SamlRefused("bearer confirmation not yet valid")
            bearer_ok = True
        if not bearer_ok:
            raise SamlRefused("assertion without bearer SubjectConfirmation")
        conditions = assertion.find(q(SAML, "Conditions"))
        if conditions is None:
            raise SamlRefused("assertion without Conditions")
        not_before = _parse_instant(conditions.get("NotBefore"), "Conditions NotBefore")
        not_on_or_after = _parse_instant(conditions.get("NotOnOrAfter"), "Conditions NotOnOrAfter")
        if not_before is not None and now < not_before - skew:
            raise SamlRefused("assertion not yet valid (Conditions NotBefore)")
        if not_on_or_after is not None and now >= not_on_or_after + skew:
            raise SamlRefused("assertion expired (Conditions NotOnOrAfter)")
        restrictions = conditions.findall(q(SAML, "AudienceRestriction"))
        if not restrictions:
            raise SamlRefused("assertion without AudienceRestriction")
        for restriction in restrictions:
            audiences = [
                _only_text(a, "Audience") for a in restriction.iterfind(q(SAML, "Audience"))
            ]
            if self.settings.entity_id not in audiences:
                raise SamlRefused("Audience is not our entity ID")
        if in_response_to is None and not self.settings.allow_idp_initiated:
            raise SamlRefused("unsolicited (IdP-initiated) response and allow_idp_initiated is off")
        authn = assertion.find(q(SAML, "AuthnStatement"))
        session_index = None if authn is None else authn.get("SessionIndex")
        attributes: dict[str, list[str]] = {}
        for attribute in assertion.iter(q(SAML, "Attribute")):
            values = [
                _only_text(v, "AttributeValue")
                for v in attribute.iterfind(q(SAML, "AttributeValue"))
            ]
            for key in {attribute.get("Name"), attribute.get("FriendlyName")} - {None, ""}:
                attributes.setdefault(str(key), []).extend(values)
        expires = max(
            [
                moment + skew
                for moment in (not_on_or_after, _latest_bearer(subject))
                if moment is not None
            ]
            or [now + DEFAULT_ASSERTION_LIFETIME]
        )
        self._state.accept(
            self.settings.provider, idp.entity_id, in_response_to, assertion_id, expires, now
        )
        return SamlAssertion(
            provider=self.settings.provider,
            issuer=idp.entity_id,
            name_id=name,
            name_id_format=name_id.get("Format"),
            name_qualifier=name_id.get("NameQualifier"),
            sp_name_qualifier=name_id.get("SPNameQualifier"),
            session_index=session_index,
            attributes={key: tuple(values) for key, values in attributes.items()},
            assertion_id=assertion_id,
            in_response_to=in_response_to,
            relay_state=relay_state,
        )

    # -- Single logout --------------------------------------------------------------------------

    def logout_request(
        self,
        name_id: str,
        session_index: str | None,
        *,
        idp: str | None = None,
        relay_state: str | None = None,
        now: datetime | None = None,
    ) -> AuthnRedirect:
        """A LogoutRequest for the user's IdP session, sent by HTTP-Redirect (signed when we have a key)."""
        when = _now(now)
        target = self._idp(idp)
        if target.slo_redirect is None:
            raise ConfigError(
                f"[{self.settings.provider}] {target.source} : pas de SingleLogoutService HTTP-Redirect"
            )
        request_id = _new_id()
        request = etree.Element(
            q(SAMLP, "LogoutRequest"),
            nsmap={"samlp": SAMLP, "saml": SAML},
            ID=request_id,
            Version="2.0",
            IssueInstant=_instant(when),
            Destination=target.slo_redirect,
        )
        etree.SubElement(request, q(SAML, "Issuer")).text = self.settings.entity_id
        etree.SubElement(request, q(SAML, "NameID"), Format=TRANSIENT).text = name_id
        if session_index:
            etree.SubElement(request, q(SAMLP, "SessionIndex")).text = session_index
        url = self._redirect(
            target.slo_redirect, "SAMLRequest", etree.tostring(request), relay_state
        )
        return AuthnRedirect(url, request_id, target.entity_id)

    def logout_response(
        self,
        request: etree._Element,
        *,
        relay_state: str | None = None,
        now: datetime | None = None,
    ) -> str:
        """The redirect URL answering an IdP's LogoutRequest (checked by :meth:`consume_logout_message`)
        with a signed LogoutResponse, status Success, once the web layer has ended the session."""
        issuer = request.find(q(SAML, "Issuer"))
        target = self._idp(None if issuer is None else _only_text(issuer, "Issuer"))
        if target.slo_redirect is None:
            raise ConfigError(
                f"[{self.settings.provider}] {target.source} : pas de SingleLogoutService HTTP-Redirect"
            )
        response = etree.Element(
            q(SAMLP, "LogoutResponse"),
            nsmap={"samlp": SAMLP, "saml": SAML},
            ID=_new_id(),
            Version="2.0",
            IssueInstant=_instant(_now(now)),
            Destination=target.slo_redirect,
            InResponseTo=str(request.get("ID", "")),
        )
        etree.SubElement(response, q(SAML, "Issuer")).text = self.settings.entity_id
        status = etree.SubElement(response, q(SAMLP, "Status"))
        etree.SubElement(status, q(SAMLP, "StatusCode"), Value=SUCCESS)
        return self._redirect(
            target.slo_redirect, "SAMLResponse", etree.tostring(response), relay_state
        )

    def consume_logout_message(
        self, query: Sequence[tuple[str, str]], raw_query: str
    ) -> tuple[str, etree._Element]:
        """Check a LogoutRequest or LogoutResponse received by HTTP-Redirect.

        ``query`` is the decoded query parameters, ``raw_query`` the query string
        as received (the signature covers its URL-encoded form).  Returns the
        message's kind (``LogoutRequest`` or ``LogoutResponse``) and its element.
        An IdP-initiated LogoutRequest must be signed with the IdP's key.
        """
        params = dict(query)
        parameter = "SAMLRequest" if "SAMLRequest" in params else "SAMLResponse"
        if parameter not in params:
            raise SamlRefused("no SAMLRequest nor SAMLResponse in the logout URL")
        try:
            deflated = base64.b64decode(params[parameter], validate=True)
        except (binascii.Error, ValueError):
            raise SamlRefused("logout message is not base64") from None
        message = _parse(_inflate(deflated), "logout message")
        kind = etree.QName(message).localname
        if message.tag not in (q(SAMLP, "LogoutRequest"), q(SAMLP, "LogoutResponse")):
            raise SamlRefused("not a LogoutRequest nor a LogoutResponse")
        issuer = message.find(q(SAML, "Issuer"))
        idp = self._idp(None if issuer is None else _only_text(issuer, "Issuer"))
        if message.get("Destination") not in (None, self.settings.slo_url):
            raise SamlRefused("logout Destination is not our SLO URL")
        signature = params.get("Signature")
        if signature is None:
            if kind == "LogoutRequest":
                raise SamlRefused("unsigned LogoutRequest")
            return kind, message
        if params.get("SigAlg") != RSA_SHA256:
            raise SamlRefused("logout signature algorithm is not RSA-SHA256")
        pieces = {p.split("=", 1)[0]: p for p in raw_query.split("&") if "=" in p}
        signed = "&".join(
            pieces[name] for name in (parameter, "RelayState", "SigAlg") if name in pieces
        )
        try:
            raw_signature = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise SamlRefused("logout signature is not base64") from None
        for certificate in idp.signing_certificates:
            public = certificate.public_key()
            if not isinstance(public, RSAPublicKey):
                continue
            try:
                public.verify(raw_signature, signed.encode(), padding.PKCS1v15(), hashes.SHA256())
            except CryptoInvalidSignature:
                continue
            return kind, message
        raise SamlRefused("logout signature does not verify with the IdP's keys")


def _latest_bearer(subject: etree._Element | None) -> datetime | None:
    if subject is None:
        return None
    moments = [
        _parse_instant(data.get("NotOnOrAfter"), "SubjectConfirmationData NotOnOrAfter")
        for data in subject.iter(q(SAML, "SubjectConfirmationData"))
    ]
    found = [moment for moment in moments if moment is not None]
    return max(found) if found else None
