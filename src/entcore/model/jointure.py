"""Directory jointures: the key an account is stored under, and the académies' codes.

One function builds the key both ways in: the directory import stores every
structure and person under :func:`jointure_key` of the feed's key, and
identity providers that vouch for a feed key (EduConnect's ``{AAF}`` values)
look accounts up under the same :func:`jointure_key`, so the two can never
drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping


def jointure_key(academy_prefix: str, feed_key: str) -> str:
    """The key the store keeps for ``feed_key`` (AAF ``ENTPersonJointure``...).

    ``academy_prefix`` is the directory's ``academy_prefix`` setting (for
    example ``GRE-``; empty for a store holding one académie): several
    académies may then share one store without their keys colliding.
    """
    return academy_prefix + feed_key.strip()


#: The académies by the numeric code EduConnect gives in ``FrEduCtRefId`` (field 1
#: of ``{AAF}<code>|<unused>|<AAF id>``), as the Java reference names them.
ACADEMIES: Mapping[str, str] = {
    "00": "ETRANGER",
    "01": "PARIS",
    "02": "AIX-MARSEILLE",
    "03": "BESANCON",
    "04": "BORDEAUX",
    "05": "CAEN",
    "06": "CLERMONT-FERRAND",
    "07": "DIJON",
    "08": "GRENOBLE",
    "09": "LILLE",
    "10": "LYON",
    "11": "MONTPELLIER",
    "12": "NANCY-METZ",
    "13": "POITIERS",
    "14": "RENNES",
    "15": "STRASBOURG",
    "16": "TOULOUSE",
    "17": "NANTES",
    "18": "ORLEANS-TOURS",
    "19": "REIMS",
    "20": "AMIENS",
    "21": "ROUEN",
    "22": "LIMOGES",
    "23": "NICE",
    "24": "CRETEIL",
    "25": "VERSAILLES",
    "26": "ANTILLES-GUYANE",
    "27": "CORSE",
    "28": "LA_REUNION",
    "31": "MARTINIQUE",
    "32": "GUADELOUPE",
    "33": "GUYANE",
    "40": "NOUVELLE_CALEDONIE",
    "41": "POLYNESIE",
    "42": "WALLIS_ET_FUTUNA",
    "43": "MAYOTTE",
    "44": "ST_PIERRE_ET_MIQUELON",
    "54": "SIEC_ILE_DE_FRANCE",
    "61": "FRANCE_METRO",
    "62": "DOM",
    "63": "COM",
    "66": "FRANCE_METRO_+_DOM",
    "67": "FRANCE_METRO_+_DOM_+_COM",
    "70": "NORMANDIE",
    "91": "UNION_EUROPEENNE",
    "98": "AGRICOLE",
    "99": "NON_DEFINI_OU_SANS_OBJET",
}


def academy_code(code: str) -> str:
    """``code`` on two digits (EduConnect writes ``1`` or ``01``), as :data:`ACADEMIES` keys it."""
    code = code.strip()
    return code.zfill(2) if code.isdigit() else code
