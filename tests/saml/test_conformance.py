"""The built-in SSO providers pass the SSO provider conformance suite, and its sentences say why not."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from entcore import Asserted, Entcore, SSOContext
from entcore.demo import aaf_feed
from entcore.model import Profile
from entcore.plugins.agents import Agents
from entcore.plugins.educonnect import EduConnect
from entcore.read import ReadService
from entcore.testing import ConformanceError, SSOProviderConformance


@pytest.fixture(scope="module")
def demo_read(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadService]:
    """The demo AAF feed imported once, read through ``app.read`` (no academy prefix)."""
    from entcore.settings import load_settings

    folder = tmp_path_factory.mktemp("demo")
    settings = load_settings(
        None, environ={}, overrides={("store", "url"): f"sqlite:///{folder / 'x.db'}"}
    )
    app = Entcore(settings, load_entrypoints=False)
    app.directory.import_feed([aaf_feed()])
    yield app.read
    app.close()


@pytest.fixture
def sso_context() -> SSOContext:
    return SSOContext(settings={}, academy_prefix="")


@pytest.fixture
def accounts(demo_read: ReadService) -> ReadService:
    return demo_read


class TestEduConnect(SSOProviderConformance):
    @pytest.fixture
    def sso_provider(self) -> EduConnect:
        return EduConnect()

    @pytest.fixture
    def asserted(self) -> Asserted:
        return Asserted(
            "https://educonnect.education.gouv.fr/idp",
            "transient-1",
            {"FrEduCtRefId": ["{AAF}8|x|3100001"], "FrEduCtPersonAffiliation": ["eleve2d"]},
        )

    @pytest.fixture
    def expected_login(self) -> str:
        return "lucas.bocquerand"


class TestAgents(SSOProviderConformance):
    @pytest.fixture
    def sso_provider(self) -> Agents:
        return Agents()

    @pytest.fixture
    def asserted(self) -> Asserted:
        return Asserted(
            "https://portail.ac-grenoble.fr/idp",
            "transient-2",
            {"mail": ["not an e-mail"], "ctemail": ["melanie.ducrettaz@demo.entcore.test"]},
        )

    @pytest.fixture
    def expected_login(self) -> str:
        return "melanie.ducrettaz"


class Kindless(EduConnect):
    kind = "carrier-pigeon"


class Greedy(Agents):
    """Matches every profile: the suite must say so."""

    profiles = frozenset({Profile.TEACHER})

    def match(self, identity, accounts, context):  # type: ignore[no-untyped-def]
        return (*super().match(identity, accounts, context), *_relatives(accounts))


def _relatives(accounts: ReadService) -> tuple:  # type: ignore[type-arg]
    relative = accounts.account_by_external_id("3200001")
    assert relative is not None
    return (relative,)


def failure(check: Callable[[], object]) -> str:
    with pytest.raises(ConformanceError) as raised:
        check()
    return str(raised.value)


def test_sentences_say_what_is_wrong(accounts: ReadService, sso_context: SSOContext) -> None:
    suite = SSOProviderConformance()
    assert failure(lambda: suite.test_declares_kind_and_profiles(Kindless())) == (
        "SSO provider 'educonnect' (Kindless): expected `kind` to be one of cas, oidc, saml; "
        "found 'carrier-pigeon'"
    )
    asserted = Asserted("idp", "s", {"mail": ["melanie.ducrettaz@demo.entcore.test"]})
    assert failure(
        lambda: suite.test_matches_the_expected_account(
            Greedy(), asserted, sso_context, accounts, "melanie.ducrettaz"
        )
    ) == (
        "SSO provider 'agents' (Greedy): expected only accounts of the provider's profiles; "
        "found 'sandrine.bocquerand'"
    )
    assert "it refused (no account matches the EduConnect jointures)" in failure(
        lambda: suite.test_matches_the_expected_account(
            EduConnect(),
            Asserted("idp", "s", {"FrEduCtRefId": ["{AAF}08|x|nobody"]}),
            sso_context,
            accounts,
            "lucas.bocquerand",
        )
    )
