"""Relationship codes of ``ENTElevePersRelEleve``, both generations.

The BCN nomenclature ``N_LIEN_ELEVE_RESPONSABLE`` changed: feeds of the 2010s
use one-digit codes (1 father, 2 mother…), newer feeds two-digit codes (10
mother, 20 father…).  The meaning of the *legal* flag changed with them: in the
old generation both ``1`` and ``2`` mean "legal representative" (first or
second); in the new one ``1`` is the legal representative and ``2`` the
*personne en charge*.
"""

from __future__ import annotations

import functools

from entcore.model import Relationship

OLD_GENERATION: dict[str, Relationship] = {
    "1": Relationship.FATHER,
    "2": Relationship.MOTHER,
    "3": Relationship.TUTOR,
    "4": Relationship.FAMILY,
    "5": Relationship.SOCIAL_SERVICES,
    "6": Relationship.OTHER,
    "7": Relationship.SELF,
}

NEW_GENERATION: dict[str, Relationship] = {
    "10": Relationship.MOTHER,
    "20": Relationship.FATHER,
    "37": Relationship.SIBLING,
    "38": Relationship.ASCENDANT,
    "39": Relationship.FAMILY,
    "41": Relationship.EDUCATOR,
    "42": Relationship.FOSTER_CARER,
    "43": Relationship.CHILDMINDER,
    "50": Relationship.TUTOR,
    "51": Relationship.SOCIAL_SERVICES,
    "70": Relationship.SELF,
    "90": Relationship.OTHER,
}


def _normalise(code: str) -> str:
    # Some exports pad codes ("01"); the tables are keyed without padding.
    stripped = code.strip().lstrip("0")
    return stripped or code.strip()


def is_old_generation(code: str) -> bool:
    """True for a one-digit code of the older nomenclature."""
    return _normalise(code) in OLD_GENERATION


def relationship(code: str) -> Relationship:
    """The relationship a code means; unknown or empty codes mean :attr:`Relationship.OTHER`."""
    normalised = _normalise(code)
    return OLD_GENERATION.get(normalised) or NEW_GENERATION.get(normalised, Relationship.OTHER)


def legal_flags(code: str, legal: str) -> tuple[bool, bool]:
    """``(legal representative, person in charge)`` for a relationship code and a legal field.

    Old generation: ``1`` and ``2`` both mean legal representative.  New
    generation (and unknown codes): ``1`` legal representative, ``2`` person in charge.
    """
    value = legal.strip()
    if is_old_generation(code):
        return value in ("1", "2"), False
    return value == "1", value == "2"


@functools.lru_cache(maxsize=1024)
def describe(code: str, legal: str) -> tuple[Relationship, str, bool, bool]:
    """``(relationship, stripped code, legal representative, person in charge)`` of a link.

    A feed uses a handful of code and flag combinations: the answers are cached.
    """
    is_legal, in_charge = legal_flags(code, legal)
    return relationship(code), code.strip(), is_legal, in_charge
