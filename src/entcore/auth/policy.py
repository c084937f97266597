"""Who may sign in with a password, and the French messages of refusals (wording of the slides)."""

from __future__ import annotations

from collections.abc import Collection

from entcore.model.directory import Profile

#: Where an account of a federated profile signs in, said to whoever tries a password.
FEDERATED_HINTS: dict[str, str] = {
    Profile.STUDENT: "Connectez-vous avec ÉduConnect.",
    Profile.RELATIVE: "Connectez-vous avec ÉduConnect.",
    Profile.TEACHER: "Connectez-vous par le portail de votre académie (guichet agents).",
    Profile.PERSONNEL: "Connectez-vous par le portail de votre académie (guichet agents).",
}

#: Bad login or password: one message whatever failed, so that nobody learns which logins exist.
GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."

#: A code that is unknown, used, expired or of another account: one message for all.
BAD_CODE = "Identifiant ou code incorrect, ou code expiré : demandez un nouveau code à l'administrateur de l'ENT."


def local_profile_refusal(profile: str, local_profiles: Collection[str]) -> str | None:
    """``None`` when ``profile`` may sign in with a password, else the French message saying where to sign in."""
    if profile in local_profiles:
        return None
    hint = FEDERATED_HINTS.get(
        profile,
        "La connexion par mot de passe n'est pas ouverte à votre profil : "
        "adressez-vous à l'administrateur de l'ENT.",
    )
    return f"La connexion par mot de passe n'est pas ouverte à votre profil. {hint}"


def password_problem(password: str, min_length: int) -> str | None:
    """``None`` when ``password`` is acceptable, else why not, in French.

    Length is the rule (NIST SP 800-63B, ANSSI): no composition rules, which
    push users to predictable patterns.  A password made of one repeated
    character is refused too.
    """
    if len(password) < min_length:
        return f"Le mot de passe doit contenir au moins {min_length} caractères."
    if len(password) > 1024:
        return "Le mot de passe est trop long (1 024 caractères au plus)."
    if len(set(password)) < 4:
        return "Le mot de passe est trop simple : variez les caractères."
    return None
