"""SAML 2.0 service provider (EduConnect, agents federations): the engine the web layer drives.

Independent of the application and of the web layer: it imports the model,
the store, the errors and :mod:`entcore.safexml` only.  XML signatures are
verified by ``signxml`` (lxml + cryptography, no libxmlsec binding whose
libxml2 must match lxml's), assertions decrypted with ``cryptography``.
"""

from entcore.saml.federation import SamlFederation, SignInResult
from entcore.saml.metadata import IdentityProvider, load_identity_providers
from entcore.saml.sp import AuthnRedirect, SamlAssertion, SamlServiceProvider, SamlSettings
from entcore.saml.state import SamlState

__all__ = [
    "AuthnRedirect",
    "IdentityProvider",
    "SamlAssertion",
    "SamlFederation",
    "SamlServiceProvider",
    "SamlSettings",
    "SamlState",
    "SignInResult",
    "load_identity_providers",
]
