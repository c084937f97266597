"""The AAF 1D (first degree: écoles) attribute mapping, per category.

1D files share the 2D envelope but name people's attributes LDAP-style
(``ENTPersonNom`` for ``sn``…), write classes and groups as five ``$`` fields
(structure, two unused fields, identifier, label) and list relatives in
``ENTEleveAutoriteParentale``.  There are no subject or MEF files in 1D, and
no teaching attributes: the 2D specs serve if such files ever appear.
"""

from __future__ import annotations

from entcore.model import Profile, RecordKind
from entcore.plugins.aaf import rules, twod, values
from entcore.plugins.aaf.rules import Attributes, CategorySpec, Composite, Fields


def _structure_lines(attributes: Attributes) -> Fields:
    lines = [
        *values.address_lines("ENTStructureAdresse", attributes.get("ENTStructureAdresse", ())),
        *values.present(attributes.get("ENTStructureBoitePostale", ())),
    ]
    return {"address.lines": values.unique(lines)}


def _structure_email(attributes: Attributes) -> Fields:
    email = values.text("ENTStructureEmail", attributes.get("ENTStructureEmail", ()))
    if email is None:
        email = values.text("ENTStructureMailSI", attributes.get("ENTStructureMailSI", ()))
    return {"email": email}


STRUCTURE = CategorySpec(
    kind=RecordKind.STRUCTURE,
    degree="1D",
    key="ENTStructureJointure",
    fields=rules.fields(
        ("ENTStructureUAI", "uai", values.uai),
        ("ENTStructureNomCourant", "name", values.structure_name),
        ("ENTStructureTypeStruct", "type", values.text),
        ("ENTServAcAcademie", "academy", values.text),
        ("ENTEtablissementContrat", "contract", values.text),
        ("ENTEcoleMinistereTutelle", "ministry", values.text),
        ("ENTStructureSIREN", "siret", values.text),
        ("ENTStructureCodePostal", "address.postal_code", values.text),
        ("ENTStructureVille", "address.city", values.text),
        ("ENTStructureTelephone", "phone", values.text),
        ("ENTEtablissementStructRattachFctl", "parents", values.texts),
        ("ENTStructureCodeTypeStruct", "extra.type_code", values.texts),
        ("ENTEcoleCodeMinistereTutelle", "extra.ministry_code", values.texts),
        ("ENTStructureFax", "extra.fax", values.texts),
        ("ENTServAcCodeAcademie", "extra.academy_code", values.texts),
        ("ENTEcoleSecteur", "extra.sector", values.texts),
        ("ENTEcoleCirconscription", "extra.district", values.texts),
        ("ENTEcoleCommune", "extra.town", values.texts),
        ("ENTEcoleRPI", "extra.rpi", values.texts),
    ),
    composites=(
        Composite(
            ("address.lines",),
            ("ENTStructureAdresse", "ENTStructureBoitePostale"),
            _structure_lines,
        ),
        Composite(("email",), ("ENTStructureEmail", "ENTStructureMailSI"), _structure_email),
    ),
    # The legacy copy of the UAI says nothing ENTStructureUAI does not.
    ignored=frozenset({"ENTEtablissementUAI"}),
    make=rules.make_structure,
    required={"name": rules.MISSING_STRUCTURE_NAME},
)

_PERSON_FIELDS = (
    ("ENTPersonDateNaissance", "birth_date", values.birth_date),
    ("ENTPersonNomPatro", "birth_name", values.text),
    ("ENTPersonNom", "last_name", values.text),
    ("ENTPersonPrenom", "first_name", values.text),
    ("ENTPersonAutresPrenoms", "other_first_names", values.texts),
    ("ENTPersonCivilite", "title", values.text),
    ("ENTPersonMail", "email", values.text),
    ("ENTPersonAdresse", "address.lines", values.address_lines),
    ("ENTPersonCodePostal", "address.postal_code", values.text),
    ("ENTPersonVille", "address.city", values.text),
    ("ENTPersonPays", "address.country", values.text),
    ("ENTPersonStructRattach", "structures", values.texts),
    ("ENTPersonClasses", "classes", values.class_refs_1d),
    ("ENTPersonGroupes", "groups", values.class_refs_1d),
)

STUDENT = CategorySpec(
    kind=RecordKind.STUDENT,
    degree="1D",
    key="ENTPersonJointure",
    fields=rules.fields(
        *_PERSON_FIELDS,
        ("ENTEleveINE", "ine", values.text),
        ("ENTEleveAutoriteParentale", "relatives", values.relatives_1d),
        ("ENTEleveStructRattachId", "extra.attachment_id", values.texts),
        ("ENTEleveNiveau", "extra.level", values.texts),
        ("ENTEleveCycle", "extra.cycle", values.texts),
        ("ENTEleveTypeClasse", "extra.class_type", values.texts),
        ("ENTEleveRestaurantScolaire", "extra.canteen", values.flags),
        ("ENTEleveTransport", "extra.transport", values.flags),
        ("ENTEleveGarderieMatin", "extra.morning_care", values.flags),
        ("ENTEleveGarderieSoir", "extra.evening_care", values.flags),
        ("ENTEleveEtudesSurveillees", "extra.supervised_study", values.flags),
        ("ENTEleveDateEntreeStructRattach", "extra.structure_entry_date", values.iso_dates),
        ("ENTEleveDateSortieStructRattach", "extra.structure_exit_date", values.iso_dates),
    ),
    composites=(twod.class_periods("ENTEleveDateEntreeClasses", "ENTEleveDateSortieClasses"),),
    ignored=frozenset(),
    make=rules.person_maker(Profile.STUDENT),
    required=rules.STUDENT_REQUIRED,
)

RELATIVE = CategorySpec(
    kind=RecordKind.RELATIVE,
    degree="1D",
    key="ENTPersonJointure",
    fields=rules.fields(
        *_PERSON_FIELDS,
        ("ENTPersonTelPerso", "home_phone", values.text),
        ("ENTPersRelEleveTelPro", "work_phone", values.text),
        ("ENTPersRelEleveTelMobile", "mobile_phones", values.texts),
        ("ENTPersonAdresseDiffusion", "extra.address_diffusion", values.flags),
        ("ENTPersRelEleveEleve", "extra.student", values.texts),
    ),
    composites=(),
    ignored=frozenset(),
    make=rules.person_maker(Profile.RELATIVE),
    required=rules.PERSON_REQUIRED,
)

STAFF = CategorySpec(
    kind=RecordKind.STAFF,
    degree="1D",
    key="ENTPersonJointure",
    fields=rules.fields(
        *_PERSON_FIELDS,
        ("ENTPersonFonctions", "functions", values.functions),
        ("ENTEnsFonctionDir", "extra.direction", values.texts),
        ("ENTPersonCategorieEnseignant", "extra.teacher_corps", values.flags),
        ("PersEducNatPresenceDevantEleves", "extra.teaches_pupils", values.flags),
    ),
    composites=(twod.staff_profile_rule("substring"),),
    ignored=frozenset(
        {
            "ENTEnsSpecialites",
            "ENTPersonStructRattachDate",
            "ENTPersonFonctionsDate",
            "ENTEnsFonctionDirDate",
            "ENTPersonCategorieEnseignantDate",
        }
    ),
    make=rules.person_maker(None),
    required=rules.PERSON_REQUIRED,
)

#: File-name category → spec; 1D feeds have no subject or MEF files of their own.
SPECS: dict[str, CategorySpec] = {
    "EtabEducNat": STRUCTURE,
    "MatiereEducNat": twod.SUBJECT,
    "MefEducNat": twod.MEF,
    "PersRelEleve": RELATIVE,
    "Eleve": STUDENT,
    "PersEducNat": STAFF,
}

#: Attribute names only 1D files use: seeing one tells a file is 1D.
MARKERS = frozenset(
    {
        "ENTPersonNom",
        "ENTPersonPrenom",
        "ENTPersonCivilite",
        "ENTPersonMail",
        "ENTPersonClasses",
        "ENTPersonGroupes",
        "ENTPersonTelPerso",
        "ENTPersRelEleveTelPro",
        "ENTPersRelEleveTelMobile",
        "ENTPersRelEleveEleve",
        "ENTEleveNiveau",
        "ENTEleveCycle",
        "ENTStructureAdresse",
        "ENTStructureCodePostal",
        "ENTStructureVille",
        "ENTEcoleMinistereTutelle",
        "ENTEcoleCommune",
        "ENTEcoleCirconscription",
    }
)
