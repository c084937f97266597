"""The AAF 2D (second degree: collèges, lycées) attribute mapping, per category."""

from __future__ import annotations

from typing import TYPE_CHECKING

from entcore.model import ClassPeriod, ClassRef, Profile, RecordKind, Teaching, TeachingTarget
from entcore.plugins.aaf import rules, values
from entcore.plugins.aaf.rules import Attributes, CategorySpec, Composite, Fields

if TYPE_CHECKING:
    from datetime import date

# -- Structures -----------------------------------------------------------------------------


def _structure_lines(attributes: Attributes) -> Fields:
    lines = [
        *values.address_lines("street", attributes.get("street", ())),
        *values.present(attributes.get("postOfficeBox", ())),
    ]
    return {"address.lines": values.unique(lines)}


STRUCTURE = CategorySpec(
    kind=RecordKind.STRUCTURE,
    degree="2D",
    key="ENTStructureJointure",
    fields=rules.fields(
        ("ENTStructureUAI", "uai", values.uai),
        ("ENTStructureNomCourant", "name", values.structure_name),
        ("ENTStructureTypeStruct", "type", values.text),
        ("ENTServAcAcademie", "academy", values.text),
        ("ENTEtablissementContrat", "contract", values.text),
        ("ENTEtablissementMinistereTutelle", "ministry", values.text),
        ("ENTStructureSIREN", "siret", values.text),
        ("postalCode", "address.postal_code", values.text),
        ("l", "address.city", values.text),
        ("telephoneNumber", "phone", values.text),
        ("ENTStructureMailSI", "email", values.text),
        ("ENTEtablissementStructRattachFctl", "parents", values.texts),
        ("ENTStructureCodeTypeStruct", "extra.type_code", values.texts),
        ("ENTEtablissementCodeMinistereTutelle", "extra.ministry_code", values.texts),
        ("facsimileTelephoneNumber", "extra.fax", values.texts),
        ("ENTEtablissementBassin", "extra.basin", values.texts),
        ("ENTServAcCodeAcademie", "extra.academy_code", values.texts),
        ("ENTStructureClasses", "extra.class", values.texts),
        ("ENTStructureGroupes", "extra.group", values.texts),
    ),
    composites=(Composite(("address.lines",), ("street", "postOfficeBox"), _structure_lines),),
    # The legacy copy of the UAI says nothing ENTStructureUAI does not.
    ignored=frozenset({"ENTEtablissementUAI"}),
    make=rules.make_structure,
    required={"name": rules.MISSING_STRUCTURE_NAME},
)

# -- Nomenclatures --------------------------------------------------------------------------

SUBJECT = CategorySpec(
    kind=RecordKind.SUBJECT,
    degree="2D",
    key="ENTMatJointure",
    fields=rules.fields(("ENTLibelleMatiere", "label", values.text)),
    composites=(),
    ignored=frozenset({"ENTMatiereRattach"}),
    make=rules.make_subject,
    required={"label": rules.MISSING_LABEL},
)

MEF = CategorySpec(
    kind=RecordKind.MEF,
    degree="2D",
    key="ENTMefJointure",
    fields=rules.fields(
        ("ENTLibelleMef", "label", values.text),
        ("ENTMEFRattach", "attachment", values.text),
        ("ENTMEFSTAT11", "statistical", values.text),
    ),
    composites=(),
    ignored=frozenset({"ENTNivFormation", "ENTFiliere"}),
    make=rules.make_mef,
    required={"label": rules.MISSING_LABEL},
)

# -- People ---------------------------------------------------------------------------------

_PERSON_FIELDS = (
    ("ENTPersonDateNaissance", "birth_date", values.birth_date),
    ("ENTPersonNomPatro", "birth_name", values.text),
    ("sn", "last_name", values.text),
    ("givenName", "first_name", values.text),
    ("ENTPersonAutresPrenoms", "other_first_names", values.texts),
    ("personalTitle", "title", values.text),
    ("mail", "email", values.text),
    ("ENTPersonAdresse", "address.lines", values.address_lines),
    ("ENTPersonCodePostal", "address.postal_code", values.text),
    ("ENTPersonVille", "address.city", values.text),
    ("ENTPersonPays", "address.country", values.text),
    ("homePhone", "home_phone", values.text),
    ("telephoneNumber", "work_phone", values.text),
)


def _mobiles(attributes: Attributes) -> Fields:
    # The SMS number, when given, is the preferred mobile: it comes first.
    phones = values.present(
        (*attributes.get("ENTPersonMobileSMS", ()), *attributes.get("mobile", ()))
    )
    return {"mobile_phones": values.unique(phones)}


MOBILES = Composite(("mobile_phones",), ("ENTPersonMobileSMS", "mobile"), _mobiles)


def class_periods(entries: str, exits: str) -> Composite:
    """Class entry and exit dates (``structure$dd/mm/yyyy$class``) merged per class."""

    def compose(attributes: Attributes) -> Fields:
        periods: dict[tuple[str, str], list[date | None]] = {}
        for name, position in ((entries, 0), (exits, 1)):
            for value in values.present(attributes.get(name, ())):
                structure, when, code = values.split(value, 3)
                if structure and code:
                    period = periods.setdefault((structure, code), [None, None])
                    period[position] = values.parse_date(name, when)
        return {
            "class_periods": tuple(
                ClassPeriod(structure, code, start, end)
                for (structure, code), (start, end) in periods.items()
            )
        }

    return Composite(("class_periods",), (entries, exits), compose)


# Attributes superseded by ENTElevePersRelEleve but still emitted by real exports.
_LEGACY_STUDENT = frozenset(
    {
        "ENTEleveParents",
        "ENTElevePere",
        "ENTEleveMere",
        "ENTEleveAutoriteParentale",
        "ENTElevePersRelEleve1",
        "ENTEleveQualitePersRelEleve1",
        "ENTElevePersRelEleve2",
        "ENTEleveQualitePersRelEleve2",
        "ENTEleveEnseignementsEtablissementsAccueil",
    }
)

STUDENT = CategorySpec(
    kind=RecordKind.STUDENT,
    degree="2D",
    key="ENTPersonJointure",
    fields=rules.fields(
        *_PERSON_FIELDS,
        ("ENTEleveINE", "ine", values.text),
        ("ENTPersonStructRattach", "structures", values.texts),
        ("ENTEleveClasses", "classes", values.class_refs),
        ("ENTEleveGroupes", "groups", values.class_refs),
        ("ENTElevePersRelEleve", "relatives", values.relatives),
        ("ENTEleveMEF", "mef", values.text),
        ("ENTEleveStructRattachId", "extra.attachment_id", values.texts),
        ("ENTEleveStructureRattachIdMEN", "extra.attachment_men_id", values.texts),
        ("ENTEleveBoursier", "extra.scholarship_holder", values.flags),
        ("ENTEleveRegime", "extra.accommodation", values.texts),
        ("ENTEleveTransport", "extra.transport", values.flags),
        ("ENTEleveStatutEleve", "extra.status", values.texts),
        ("ENTEleveLibelleMEF", "extra.mef_label", values.texts),
        ("ENTEleveNivFormation", "extra.level", values.texts),
        ("ENTEleveFiliere", "extra.sector", values.texts),
        ("ENTEleveEnseignements", "extra.subject_label", values.texts),
        ("ENTEleveCodeEnseignements", "extra.subject_code", values.texts),
        ("ENTEleveAdresseRel", "extra.address_relative", values.texts),
        ("ENTEleveDateEntreeStructRattach", "extra.structure_entry_date", values.iso_dates),
        ("ENTEleveDateSortieStructRattach", "extra.structure_exit_date", values.iso_dates),
    ),
    composites=(
        MOBILES,
        class_periods("ENTEleveDateEntreeClasses", "ENTEleveDateSortieClasses"),
    ),
    ignored=_LEGACY_STUDENT,
    make=rules.person_maker(Profile.STUDENT),
    required=rules.STUDENT_REQUIRED,
)

RELATIVE = CategorySpec(
    kind=RecordKind.RELATIVE,
    degree="2D",
    key="ENTPersonJointure",
    fields=rules.fields(
        *_PERSON_FIELDS,
        ("ENTPersonAdresseDiffusion", "extra.address_diffusion", values.flags),
        ("ENTAuxPersRelEleveEleve", "extra.student", values.texts),
    ),
    composites=(MOBILES,),
    ignored=frozenset(),
    make=rules.person_maker(Profile.RELATIVE),
    required=rules.PERSON_REQUIRED,
)

# -- Staff ----------------------------------------------------------------------------------

_TEACHER_FUNCTIONS = frozenset({"ENS", "DOC"})


def staff_profile_rule(function_says_teacher: str) -> Composite:
    """The staff profile, decided as the reference implementation does.

    ``ENTPersonCategorieEnseignant`` when present (O → teacher, N → personnel);
    else ``PersEducNatPresenceDevantEleves`` = O → teacher; else a teaching or
    documentation function → teacher; else personnel.  ``function_says_teacher``
    is ``"code"`` (2D: the function code is ``ENS`` or ``DOC``) or
    ``"substring"`` (1D: ``ENS`` or ``DOC`` anywhere in the value).
    """

    def from_category(attributes: Attributes) -> Profile | None:
        category = values.text("", attributes.get("ENTPersonCategorieEnseignant", ()))
        decided = None if category is None else values.flag(category)
        if decided is None:
            return None
        return Profile.TEACHER if decided else Profile.PERSONNEL

    def from_functions(attributes: Attributes) -> bool:
        functions = values.present(attributes.get("ENTPersonFonctions", ()))
        if function_says_teacher == "substring":
            return any("ENS" in value or "DOC" in value for value in functions)
        return any(values.split(value, 3)[1] in _TEACHER_FUNCTIONS for value in functions)

    def compose(attributes: Attributes) -> Fields:
        profile = from_category(attributes)
        if profile is None:
            presence = values.text("", attributes.get("PersEducNatPresenceDevantEleves", ()))
            teaches = presence is not None and values.flag(presence) is True
            profile = (
                Profile.TEACHER if teaches or from_functions(attributes) else Profile.PERSONNEL
            )
        return {"profile": profile}

    def partial(attributes: Attributes) -> Fields | None:
        profile = from_category(attributes)
        return None if profile is None else {"profile": profile}

    return Composite(
        ("profile",),
        ("ENTPersonCategorieEnseignant", "PersEducNatPresenceDevantEleves", "ENTPersonFonctions"),
        compose,
        partial,
    )


def _teachings(attributes: Attributes) -> Fields:
    # Subject-specific assignments first; the subject-less legacy lists only add
    # the classes and groups they do not already cover.
    result = values.teachings(
        attributes.get("ENTAuxEnsClassesMatieres", ()), TeachingTarget.CLASS
    ) + values.teachings(attributes.get("ENTAuxEnsGroupesMatieres", ()), TeachingTarget.GROUP)
    # Keys hold "is a class" rather than the target: an enum member hashes in
    # Python, and a target is a class or a group.
    covered = {(item.structure, item.target is TeachingTarget.CLASS, item.code) for item in result}
    for name, target in (
        ("ENTAuxEnsClasses", TeachingTarget.CLASS),
        ("ENTAuxEnsGroupes", TeachingTarget.GROUP),
    ):
        is_class = target is TeachingTarget.CLASS
        for ref in values.class_refs(name, attributes.get(name, ())):
            key = (ref.structure, is_class, ref.code)
            if key not in covered:
                covered.add(key)
                result.append(Teaching(ref.structure, target, ref.code, None))
    # values.unique() on the same kind of key: equal keys, equal teachings.
    distinct: dict[tuple[str, bool, str, str | None], Teaching] = {}
    for item in result:
        distinct.setdefault(
            (item.structure, item.target is TeachingTarget.CLASS, item.code, item.subject), item
        )
    teachings = tuple(distinct.values())
    return {
        "teachings": teachings,
        "classes": values.unique(
            ClassRef(item.structure, item.code)
            for item in teachings
            if item.target is TeachingTarget.CLASS
        ),
        "groups": values.unique(
            ClassRef(item.structure, item.code)
            for item in teachings
            if item.target is TeachingTarget.GROUP
        ),
    }


STAFF = CategorySpec(
    kind=RecordKind.STAFF,
    degree="2D",
    key="ENTPersonJointure",
    fields=rules.fields(
        *_PERSON_FIELDS,
        ("ENTPersonStructRattach", "structures", values.texts),
        ("ENTPersonFonctions", "functions", values.functions),
        ("ENTAuxEnsClassesPrincipal", "head_teacher_of", values.class_refs),
        ("ENTAuxEnsMEF", "mefs", values.mef_refs),
        ("ENTAuxEnsCategoDiscipline", "extra.discipline_category", values.texts),
        ("ENTAuxEnsMatiereEnseignEtab", "extra.subject_taught", values.texts),
        ("PersEducNatPresenceDevantEleves", "extra.teaches_pupils", values.flags),
        ("ENTPersonCategorieEnseignant", "extra.teacher_corps", values.flags),
        ("ENTEnsFonctionDir", "extra.direction", values.texts),
        ("ENTPersonSTSId", "extra.sts_id", values.texts),
    ),
    composites=(
        MOBILES,
        staff_profile_rule("code"),
        Composite(
            ("teachings", "classes", "groups"),
            (
                "ENTAuxEnsClassesMatieres",
                "ENTAuxEnsGroupesMatieres",
                "ENTAuxEnsClasses",
                "ENTAuxEnsGroupes",
            ),
            _teachings,
        ),
    ),
    # Deprecated in 2D by the reference implementation (validity dates, post discipline).
    ignored=frozenset(
        {
            "ENTAuxEnsDisciplinesPoste",
            "ENTPersonStructRattachDate",
            "ENTAuxEnsCategoDisciplineDate",
            "ENTAuxEnsMEFDate",
            "ENTAuxEnsClassesMatieresDate",
            "ENTAuxEnsGroupesMatieresDate",
            "ENTAuxEnsClassesPrincipalDate",
            "ENTPersonFonctionsDate",
            "ENTPersonCategorieEnseignantDate",
        }
    ),
    make=rules.person_maker(None),
    required=rules.PERSON_REQUIRED,
)

#: File-name category → spec.
SPECS: dict[str, CategorySpec] = {
    "EtabEducNat": STRUCTURE,
    "MatiereEducNat": SUBJECT,
    "MefEducNat": MEF,
    "PersRelEleve": RELATIVE,
    "Eleve": STUDENT,
    "PersEducNat": STAFF,
}

#: Attribute names only 2D files use: seeing one tells a file is 2D.
MARKERS = frozenset(
    {
        "sn",
        "givenName",
        "personalTitle",
        "mail",
        "street",
        "postalCode",
        "l",
        "ENTEleveClasses",
        "ENTEleveGroupes",
        "ENTElevePersRelEleve",
        "ENTAuxEnsClassesMatieres",
        "ENTEtablissementMinistereTutelle",
    }
)
