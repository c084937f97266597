"""An ENT with the demo académie (Grenoble) and a second one (Lyon), and pysaml2 IdPs for it.

- EduConnect-like IdP ``https://educonnect.test/idp``.
- Agents-like IdPs, one per académie: Grenoble (SP-initiated) and Nancy-Metz
  (the unsolicited "SPEntityID" style).
- A rogue IdP with EduConnect's entity ID and other keys.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from entcore import Entcore
from entcore.demo import aaf_feed
from entcore.model import (
    PersonRecord,
    Profile,
    Relationship,
    RelativeLink,
    StructureRecord,
)
from entcore.testing import RecordFeed
from tests.saml.idp import TestIdP, keypair

EDU_ACS = "https://ent.test/auth/saml/educonnect/acs"
AGENTS_ACS = "https://ent.test/auth/saml/agents/acs"
EDU_SP = "urn:fi:ent:test-edu:1.0"
AGENTS_SP = "urn:fs:entcore:test-agents:1.0"
OTHER_SP = "urn:fi:ent:someone-else:1.0"

#: The Lyon records: a second school where the demo relative 3200001 also has a child.
LYON = [
    StructureRecord("LY1", "COLLEGE DES CANUTS", uai="0691234A", academy="LYON"),
    PersonRecord("4200001", Profile.RELATIVE, "BOCQUERAND", "Sandrine"),
    PersonRecord(
        "4100001",
        Profile.STUDENT,
        "BOCQUERAND",
        "Emma",
        structures=("LY1",),
        relatives=(RelativeLink("4200001", Relationship.MOTHER, "20", legal=True),),
    ),
]


class Ent:
    """The configuration and IdPs of one test ENT; ``app()`` builds an application on its store."""

    def __init__(self, folder: Path, factory: Callable[..., Entcore]) -> None:
        self.folder = folder
        self._factory = factory
        self.sp_key, self.sp_cert = keypair(folder, "sp")
        self.educonnect = TestIdP(folder / "edu", "https://educonnect.test/idp", "educonnect")
        self.rogue = TestIdP(folder / "rogue", "https://educonnect.test/idp", "rogue")
        self.grenoble = TestIdP(folder / "gre", "https://agents.ac-grenoble.test/idp", "grenoble")
        self.nancy = TestIdP(folder / "nan", "https://portail.ac-nancy-metz.test/sso", "nancy")
        self.config = f"""
[directory]
academy_prefix = "GRENOBLE-"

[educonnect]
idp_metadata = "{self.educonnect.metadata_file}"
entity_id = "{EDU_SP}"
key_file = "{self.sp_key}"
cert_file = "{self.sp_cert}"
acs_url = "{EDU_ACS}"
slo_url = "https://ent.test/auth/saml/educonnect/slo"
clock_skew_seconds = 60
academy_prefixes = ["08=GRENOBLE-", "10=LYON-"]

[agents]
idp_metadata = ["{self.grenoble.metadata_file}", "{self.nancy.metadata_file}"]
entity_id = "{AGENTS_SP}"
key_file = "{self.sp_key}"
cert_file = "{self.sp_cert}"
acs_url = "{AGENTS_ACS}"
allow_idp_initiated = true
"""

    def app(self, config: str | None = None) -> Entcore:
        return self._factory(config=self.config if config is None else config)

    def populate(self) -> Entcore:
        """Import the demo AAF feed (Grenoble), then the Lyon records under ``LYON-``."""
        app = self.app()
        app.directory.import_feed([aaf_feed()])
        lyon = self.app(
            self.config.replace('academy_prefix = "GRENOBLE-"', 'academy_prefix = "LYON-"')
        )
        lyon.directory.run_feed(RecordFeed(LYON), source="records")
        return app


@pytest.fixture
def ent(tmp_path: Path, entcore_app_factory: Callable[..., Entcore]) -> Ent:
    return Ent(tmp_path, entcore_app_factory)


@pytest.fixture
def app(ent: Ent) -> Entcore:
    """The populated application, with the IdPs trusting our SPs' metadata."""
    app = ent.populate()
    edu = app.saml("educonnect").service_provider.metadata_xml()
    agents = app.saml("agents").service_provider.metadata_xml()
    # Another SP the IdPs also know: lets them issue assertions for the wrong audience.
    other = edu.replace(EDU_SP.encode(), OTHER_SP.encode())
    for idp in (ent.educonnect, ent.rogue):
        idp.trust(edu, other)
    for idp in (ent.grenoble, ent.nancy):
        idp.trust(agents)
    return app
