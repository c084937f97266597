"""Sign-in through EduConnect and agents, driven by a pysaml2 IdP (a different SAML stack).

The positive paths match the demo académie's accounts; the negative matrix
checks that every forged, stale or misdirected response is refused with a
log line saying why, and that nothing is written but the log (the replay
cache holds only accepted assertions).
"""

from __future__ import annotations

import copy
import logging
import re
import warnings
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select

from entcore import Entcore, SignInRefused
from entcore.errors import SamlRefused
from entcore.store.saml_schema import SamlAssertionSeen, SamlRequest
from tests.saml.conftest import AGENTS_ACS, AGENTS_SP, EDU_ACS, EDU_SP, OTHER_SP, Ent
from tests.saml.idp import NameID, TestIdP, b64

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
DS = "http://www.w3.org/2000/09/xmldsig#"

STUDENT = {"FrEduCtRefId": ["{AAF}08|x|3100001"], "FrEduCtPersonAffiliation": ["eleve2d"]}
#: The demo relative 3200001 in Grenoble, who is also 4200001 in Lyon.
RELATIVE = {
    "FrEduCtRefId": ["{AAF}08|x|3200001", "{AAF}10|x|4200001", "ECT-ENT|1234"],
    # By OID name, as EduConnect may send it.
    "urn:oid:1.3.6.1.4.1.20326.10.999.1.7": ["resp2d"],
}


def seen(app: Entcore) -> int:
    with app.store.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(SamlAssertionSeen)).scalar_one()
        )


def outstanding(app: Entcore) -> int:
    with app.store.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(SamlRequest)).scalar_one())


def solicited(app: Entcore, idp: TestIdP, provider: str = "educonnect") -> str:
    """Send an AuthnRequest to ``idp``; the IdP parses it and gives its ID."""
    redirect = app.saml(provider).service_provider.authn_request("relay-1", idp=idp.entity_id)
    request_id, acs = idp.read_request(redirect.url)
    assert request_id == redirect.request_id
    assert acs == (EDU_ACS if provider == "educonnect" else AGENTS_ACS)
    return request_id


def edu_response(
    app: Entcore, ent: Ent, identity: dict[str, list[str]] = STUDENT, **options: object
) -> str:
    idp = options.pop("idp", ent.educonnect)
    assert isinstance(idp, TestIdP)
    request_id = options.pop("in_response_to", None) or solicited(app, ent.educonnect)
    return idp.response_xml(
        identity,
        in_response_to=str(request_id),
        destination=str(options.pop("destination", EDU_ACS)),
        audience=str(options.pop("audience", EDU_SP)),
        **options,  # type: ignore[arg-type]
    )


# -- positive paths ---------------------------------------------------------------------------


def test_student_of_the_demo_school_is_matched(app: Entcore, ent: Ent) -> None:
    result = app.saml("educonnect").sign_in(b64(edu_response(app, ent)), "relay-1")
    assert [account.login for account in result.accounts] == ["lucas.bocquerand"]
    assert result.accounts[0].external_id == "GRENOBLE-3100001"
    assert [s.uai for s in result.accounts[0].structures] == ["0749901K"]
    assert result.identity.issuer == "https://educonnect.test/idp"
    assert result.assertion.relay_state == "relay-1"
    assert seen(app) == 1 and outstanding(app) == 0


def test_relative_of_two_schools_gets_two_candidates(app: Entcore, ent: Ent) -> None:
    result = app.saml("educonnect").sign_in(b64(edu_response(app, ent, RELATIVE)), "relay-1")
    assert {a.external_id for a in result.accounts} == {"GRENOBLE-3200001", "LYON-4200001"}
    schools = {a.external_id: {c.login for c in a.children} for a in result.accounts}
    assert schools["LYON-4200001"] == {"emma.bocquerand"}
    assert "lucas.bocquerand" in schools["GRENOBLE-3200001"]


def test_encrypted_assertion_in_a_signed_response(app: Entcore, ent: Ent) -> None:
    xml = edu_response(app, ent, sign_response=True, encrypt_for=ent.sp_cert)
    assert "EncryptedAssertion" in xml
    result = app.saml("educonnect").sign_in(b64(xml), None)
    assert [a.login for a in result.accounts] == ["lucas.bocquerand"]


def test_teacher_matched_by_email_and_uai(app: Entcore, ent: Ent) -> None:
    request_id = solicited(app, ent.grenoble, "agents")
    xml = ent.grenoble.response_xml(
        {
            "ctemail": ["Melanie.Ducrettaz@demo.entcore.test"],
            "FrEduRne": ["0749901K$UAJ$PU$ADF$T3$CLG$340"],
        },
        in_response_to=request_id,
        destination=AGENTS_ACS,
        audience=AGENTS_SP,
    )
    result = app.saml("agents").sign_in(b64(xml), None)
    assert [a.login for a in result.accounts] == ["melanie.ducrettaz"]


def test_unsolicited_spentityid_portal_is_accepted_when_configured(app: Entcore, ent: Ent) -> None:
    sp = app.saml("agents").service_provider
    url = sp.unsolicited_url(ent.nancy.entity_id, "https://ent.test/")
    assert "SPEntityID=urn%3Afs%3Aentcore%3Atest-agents%3A1.0" in url
    xml = ent.nancy.response_xml(
        {"mail": ["antoine.rossetaz@demo.entcore.test"]},
        in_response_to=None,
        destination=AGENTS_ACS,
        audience=AGENTS_SP,
    )
    result = app.saml("agents").sign_in(b64(xml), "https://ent.test/")
    assert [a.login for a in result.accounts] == ["antoine.rossetaz"]


def test_teacher_of_another_school_is_refused_with_a_french_message(app: Entcore, ent: Ent) -> None:
    request_id = solicited(app, ent.grenoble, "agents")
    xml = ent.grenoble.response_xml(
        {"mail": ["melanie.ducrettaz@demo.entcore.test"], "FrEduRne": ["0381234X$UAJ$PU"]},
        in_response_to=request_id,
        destination=AGENTS_ACS,
        audience=AGENTS_SP,
    )
    with pytest.raises(SignInRefused) as refused:
        app.saml("agents").sign_in(b64(xml), None)
    assert "aucun établissement" in refused.value.message


def test_unknown_student_gets_the_reference_message(app: Entcore, ent: Ent) -> None:
    xml = edu_response(app, ent, {"FrEduCtRefId": ["{AAF}08|x|9999999"]})
    with pytest.raises(SignInRefused) as refused:
        app.saml("educonnect").sign_in(b64(xml), None)
    assert refused.value.message.startswith("Votre compte académique n'est pas reconnu dans l'ENT")


def test_idp_initiated_refused_unless_configured(app: Entcore, ent: Ent) -> None:
    xml = ent.educonnect.response_xml(
        STUDENT, in_response_to=None, destination=EDU_ACS, audience=EDU_SP
    )
    with pytest.raises(SamlRefused, match="allow_idp_initiated"):
        app.saml("educonnect").sign_in(b64(xml), None)
    assert seen(app) == 0


# -- negative matrix --------------------------------------------------------------------------


def _tree(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode())


def _assertion(root: etree._Element) -> etree._Element:
    found = root.find(f"{{{SAML}}}Assertion")
    assert found is not None
    return found


def two_assertions(xml: str) -> str:
    root = _tree(xml)
    clone = copy.deepcopy(_assertion(root))
    clone.set("ID", "id-second")
    root.append(clone)
    return etree.tostring(root).decode()


def wrap_in_object(xml: str) -> str:
    """XSW: an evil assertion in front, the signed original hidden in its Signature's Object."""
    root = _tree(xml)
    original = _assertion(root)
    evil = copy.deepcopy(original)
    evil.set("ID", "id-evil")
    name_id = evil.find(f"{{{SAML}}}Subject/{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "someone-else"
    signature = evil.find(f"{{{DS}}}Signature")
    assert signature is not None
    etree.SubElement(signature, f"{{{DS}}}Object").append(original)
    root.append(evil)
    return etree.tostring(root).decode()


def same_id_evil_first(xml: str) -> str:
    """XSW: an unsigned evil assertion bearing the signed one's ID, placed before it."""
    root = _tree(xml)
    original = _assertion(root)
    evil = copy.deepcopy(original)
    signature = evil.find(f"{{{DS}}}Signature")
    assert signature is not None
    evil.remove(signature)
    extensions = etree.Element(f"{{{SAMLP}}}Extensions")
    extensions.append(original)
    root.insert(1, extensions)
    root.append(evil)
    return etree.tostring(root).decode()


def wrapped_response(xml: str) -> str:
    """XSW on a signed response: a new root carries the signature; the signed response hides inside."""
    original = _tree(xml)
    evil = copy.deepcopy(original)
    evil.set("ID", "id-evil-response")
    signature = evil.find(f"{{{DS}}}Signature")
    assert signature is not None
    name_id = evil.find(f"{{{SAML}}}Assertion/{{{SAML}}}Subject/{{{SAML}}}NameID")
    assert name_id is not None
    name_id.text = "someone-else"
    _assertion(evil).set("ID", "id-evil-assertion")
    original.remove(original.find(f"{{{DS}}}Signature"))
    etree.SubElement(signature, f"{{{DS}}}Object").append(original)
    return etree.tostring(evil).decode()


def comment_in_name_id(xml: str) -> str:
    """The signature still verifies (canonicalisation drops comments): the SP must refuse."""
    return xml.replace(">transient-4f1c<", ">transient<!-- -->-4f1c<")


NEGATIVE = {
    "unsigned": (
        {"sign_assertion": False},
        None,
        timedelta(0),
        "neither the response nor the assertion is signed",
    ),
    "signed by another key": (
        {"rogue": True},
        None,
        timedelta(0),
        "does not verify with the IdP's keys",
    ),
    "wrong audience": (
        {"audience": OTHER_SP},
        None,
        timedelta(0),
        "Audience is not our entity ID",
    ),
    "expired": ({}, None, timedelta(hours=1), "expired"),
    "not yet valid": ({}, None, timedelta(minutes=-30), "not yet valid"),
    "unknown InResponseTo": (
        {"in_response_to": "ENT_never_sent"},
        None,
        timedelta(0),
        "InResponseTo names no outstanding request",
    ),
    "wrong Destination": (
        {"destination": "https://evil.test/acs"},
        None,
        timedelta(0),
        "Destination is not our ACS URL",
    ),
    "two assertions": ({}, two_assertions, timedelta(0), "exactly one assertion"),
    "wrapping: original hidden in Object": (
        {},
        wrap_in_object,
        timedelta(0),
        "exactly one assertion|nested elsewhere",
    ),
    "wrapping: duplicated ID": ({}, same_id_evil_first, timedelta(0), "duplicated ID"),
    "wrapping: signed response moved": (
        {"sign_response": True, "sign_assertion": False},
        wrapped_response,
        timedelta(0),
        "covers another element|nested elsewhere|exactly one",
    ),
    "comment in NameID": ({}, comment_in_name_id, timedelta(0), "comment"),
}


@pytest.mark.parametrize("case", list(NEGATIVE), ids=list(NEGATIVE))
def test_negative_matrix(
    app: Entcore, ent: Ent, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    options, tamper, shift, reason = NEGATIVE[case]
    options = dict(options)
    if options.pop("rogue", False):
        options["idp"] = ent.rogue
    xml = edu_response(app, ent, **options)
    if tamper is not None:
        xml = tamper(xml)
    before = outstanding(app)
    with (
        caplog.at_level(logging.WARNING, logger="entcore.saml"),
        pytest.raises(SamlRefused) as refused,
    ):
        app.saml("educonnect").sign_in(b64(xml), "relay-1", now=datetime.now(UTC) + shift)
    assert re.search(reason, refused.value.reason), refused.value.reason
    assert refused.value.message.startswith("La réponse du service d'authentification")
    assert any(
        r.name == "entcore.saml" and refused.value.reason in r.getMessage() for r in caplog.records
    )
    # Nothing written: no assertion remembered, the request still outstanding.
    assert seen(app) == 0
    assert outstanding(app) == before


def test_replay_refused_also_by_a_second_application(
    app: Entcore, ent: Ent, caplog: pytest.LogCaptureFixture
) -> None:
    posted = b64(edu_response(app, ent))
    app.saml("educonnect").sign_in(posted, None)
    with pytest.raises(SamlRefused, match="replayed"):
        app.saml("educonnect").sign_in(posted, None)
    other = ent.app()  # another process on the same database
    with (
        caplog.at_level(logging.WARNING, logger="entcore.saml"),
        pytest.raises(SamlRefused, match="replayed"),
    ):
        other.saml("educonnect").sign_in(posted, None)
    assert "replayed" in caplog.text
    assert seen(other) == 1


def test_request_answered_once_across_applications(app: Entcore, ent: Ent) -> None:
    request_id = solicited(app, ent.educonnect)
    first = ent.educonnect.response_xml(
        STUDENT, in_response_to=request_id, destination=EDU_ACS, audience=EDU_SP
    )
    second = ent.educonnect.response_xml(
        STUDENT, in_response_to=request_id, destination=EDU_ACS, audience=EDU_SP
    )
    ent.app().saml("educonnect").sign_in(b64(first), None)
    with pytest.raises(SamlRefused, match="InResponseTo"):
        app.saml("educonnect").sign_in(b64(second), None)


def test_sha1_signatures_are_refused(app: Entcore, ent: Ent) -> None:
    request_id = solicited(app, ent.educonnect)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = ent.educonnect.server.create_authn_response(
            STUDENT,
            in_response_to=request_id,
            destination=EDU_ACS,
            sp_entity_id=EDU_SP,
            name_id=NameID(text="x"),
            sign_assertion=True,
        )
    with pytest.raises(SamlRefused, match="does not verify"):
        app.saml("educonnect").sign_in(b64(str(response)), None)
