"""The SAML SP on its own: metadata in and out, AuthnRequest, SLO with pysaml2, hostile input."""

from __future__ import annotations

import base64
import logging
import shutil
import warnings
import zlib
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlparse

import pytest
from lxml import etree

from entcore import ConfigError, Entcore, InvalidFileError
from entcore.errors import SamlRefused
from entcore.saml import SamlSettings, load_identity_providers
from tests.saml.conftest import EDU_ACS, EDU_SP, Ent
from tests.saml.idp import RSA_SHA256, NameID

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import NAMEID_FORMAT_TRANSIENT
    from saml2.sigver import verify_redirect_signature

EDUCONNECT = ("educonnect.production.metadata.xml", "educonnect.pr4.metadata.xml")


@pytest.mark.corpus
@pytest.mark.parametrize("name", EDUCONNECT)
def test_educonnect_real_metadata_load_as_they_are(corpus: Path, name: str) -> None:
    (idp,) = load_identity_providers(corpus / "connectors" / "educonnect" / name)
    assert idp.entity_id.endswith("/idp") and "educonnect" in idp.entity_id
    assert idp.sso_redirect is not None and idp.sso_redirect.endswith("/SAML2/Redirect/SSO")
    assert len(idp.signing_certificates) == 1  # the encryption key is not a signing key


def test_metadata_that_is_not_saml_is_refused_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "idp.xml"
    path.write_text('<?xml version="1.0"?>\n<html><body/></html>\n')
    with pytest.raises(InvalidFileError, match=r"idp\.xml.*2") as raised:
        load_identity_providers(path)
    assert "métadonnées SAML 2" in str(raised.value)
    path.write_text('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>')
    with pytest.raises(InvalidFileError, match=r"idp\.xml"):
        load_identity_providers(path)


def test_settings_name_what_is_missing() -> None:
    with pytest.raises(ConfigError, match=r"\[educonnect\] idp_metadata"):
        SamlSettings.from_section("educonnect", {"entity_id": "x"})
    with pytest.raises(ConfigError, match=r"\[educonnect\] acs_url"):
        SamlSettings.from_section("educonnect", {"entity_id": "x", "idp_metadata": "a.xml"})
    settings = SamlSettings.from_section(
        "educonnect", {"entity_id": "x", "idp_metadata": "a.xml"}, base_url="https://ent.test/"
    )
    assert settings.acs_url == "https://ent.test/auth/saml/educonnect/acs"


def test_sp_metadata_is_what_the_idp_needs(app: Entcore, ent: Ent) -> None:
    root = etree.fromstring(app.saml("educonnect").service_provider.metadata_xml())
    assert root.get("entityID") == EDU_SP
    md = "{urn:oasis:names:tc:SAML:2.0:metadata}"
    acs = root.find(f"{md}SPSSODescriptor/{md}AssertionConsumerService")
    assert acs is not None and acs.get("Location") == EDU_ACS
    uses = [k.get("use") for k in root.iter(f"{md}KeyDescriptor")]
    assert uses == ["signing", "encryption"]


def test_authn_request_is_deflated_and_signed(app: Entcore, ent: Ent) -> None:
    redirect = app.saml("educonnect").service_provider.authn_request("rs")
    assert redirect.url.startswith("https://educonnect.test/idp/sso?SAMLRequest=")
    query = {k: v[0] for k, v in parse_qs(urlparse(redirect.url).query).items()}
    assert query["RelayState"] == "rs" and query["SigAlg"] == RSA_SHA256
    request = etree.fromstring(zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15))
    assert request.get("ID") == redirect.request_id
    assert request.get("AssertionConsumerServiceURL") == EDU_ACS
    # pysaml2 checks our query-string signature with the certificate of our metadata.
    sp_cert = "".join(line for line in ent.sp_cert.read_text().splitlines() if "-----" not in line)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert verify_redirect_signature(query, ent.educonnect.server.sec.sec_backend, cert=sp_cert)


def test_single_logout_round_trip_with_pysaml2(app: Entcore, ent: Ent) -> None:
    sp = app.saml("educonnect").service_provider
    out = sp.logout_request("transient-4f1c", "session-1", relay_state="bye")
    query = {k: v[0] for k, v in parse_qs(urlparse(out.url).query).items()}
    server = ent.educonnect.server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        request = server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
        assert request.message.name_id.text == "transient-4f1c"
        assert [i.text for i in request.message.session_index] == ["session-1"]
        response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        http = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            "https://ent.test/auth/saml/educonnect/slo",
            "bye",
            response=True,
            sign=True,
            sigalg=RSA_SHA256,
        )
    location = dict(http["headers"])["Location"]
    raw = urlparse(location).query
    kind, message = sp.consume_logout_message(parse_qsl(raw), raw)
    assert kind == "LogoutResponse"
    assert message.get("InResponseTo") == out.request_id
    # The same message with a tampered signature is refused.
    forged = raw.replace("RelayState=bye", "RelayState=evil")
    with pytest.raises(SamlRefused, match="does not verify"):
        sp.consume_logout_message(parse_qsl(forged), forged)


@pytest.mark.parametrize(
    ("posted", "reason"),
    [
        ("not base64 at all!", "not base64"),
        (base64.b64encode(b"<x/>").decode(), "not a samlp:Response"),
        (
            base64.b64encode(b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>').decode(),
            "not well-formed XML",
        ),
        ("A" * 300_000, "too large"),
    ],
    ids=["not base64", "not a response", "entity declaration", "too large"],
)
def test_hostile_posts_are_refused_in_one_line(
    app: Entcore, posted: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="entcore.saml"),
        pytest.raises(SamlRefused) as refused,
    ):
        app.saml("educonnect").sign_in(posted, None)
    assert reason in refused.value.reason
    assert "\n" not in refused.value.reason
    assert reason in caplog.text


def test_xmlsec1_is_there() -> None:
    """The pysaml2 peer needs it; on CI a missing peer fails, it does not skip."""
    assert shutil.which("xmlsec1"), "apt-get install -y xmlsec1"


def test_idp_initiated_logout_is_checked_and_answered(app: Entcore, ent: Ent) -> None:
    sp = app.saml("educonnect").service_provider
    server = ent.educonnect.server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        request_id, request = server.create_logout_request(
            "https://ent.test/auth/saml/educonnect/slo",
            ent.educonnect.entity_id,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text="transient-4f1c"),
            session_indexes=["session-1"],
        )
        signed = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(request),
            "https://ent.test/auth/saml/educonnect/slo",
            None,
            sign=True,
            sigalg=RSA_SHA256,
        )
        unsigned = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(request),
            "https://ent.test/auth/saml/educonnect/slo",
            None,
            sign=False,
        )
    raw = urlparse(dict(signed["headers"])["Location"]).query
    kind, message = sp.consume_logout_message(parse_qsl(raw), raw)
    assert kind == "LogoutRequest" and message.get("ID") == request_id
    answer = sp.logout_response(message)
    query = {k: v[0] for k, v in parse_qs(urlparse(answer).query).items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = server.parse_logout_request_response(
            query["SAMLResponse"], BINDING_HTTP_REDIRECT
        )
    assert response.response.in_response_to == request_id
    raw = urlparse(dict(unsigned["headers"])["Location"]).query
    with pytest.raises(SamlRefused, match="unsigned LogoutRequest"):
        sp.consume_logout_message(parse_qsl(raw), raw)
