"""The EBMT sarcoma extract's code lists and the paper's groupings (Heilig et al., 2020).

The code lists are the allowed values of the extract's coded columns
(:data:`~sarcosurv.studies.heilig2020.SCHEMA`); codes are matched after
trimming white space and ignoring case, and the spelling below is what a
validated cohort holds.

Tables 1-3 of the paper do not show the extract's codes as they are: rare
subtypes are pooled, remission and regimen are grouped, transplant years fall
into eras. Every such rule of the paper is here, as data, so that
:mod:`sarcosurv.registry` stays free of any one study's choices.
"""

from __future__ import annotations

from ...registry.eligibility import Eligibility

__all__ = [
    "CAUSE_OF_DEATH",
    "ELIGIBILITY",
    "GRADE",
    "HISTOLOGY",
    "HISTOLOGY_GROUPS",
    "HISTOLOGY_TABLE1",
    "MOBILISATION",
    "NON_RELAPSE_CAUSES",
    "PREPARATIVE_REGIMEN",
    "RARE_SUBTYPE_MAX",
    "REGIMEN_GROUP",
    "REMISSION",
    "REMISSION_CR",
    "REMISSION_GROUP",
    "SEX",
    "STEM_CELL_SOURCE",
    "VITAL_STATUS",
    "YEAR_BINS",
    "YEAR_GROUPS",
    "YES_NO_UNKNOWN",
]

#: Inclusion criteria of the paper: adults, first ASCT in 1996-2016.
ELIGIBILITY = Eligibility(min_age=18.0, first_asct_years=(1996, 2016))

#: Subtype -> the row of Table 1 it is counted in (angiosarcoma includes
#: haemangio- and lymphangiosarcoma; the rarest subtypes are "Other STS").
HISTOLOGY_TABLE1: dict[str, str] = {
    "Leiomyosarcoma": "Leiomyosarcoma",
    "Synovial sarcoma": "Synovial sarcoma",
    "Angiosarcoma": "Angiosarcoma",
    "Haemangiosarcoma": "Angiosarcoma",
    "Lymphangiosarcoma": "Angiosarcoma",
    "Liposarcoma": "Liposarcoma",
    "Desmoplastic small round cell tumour": "Desmoplastic small round cell tumour",
    "Fibrosarcoma": "Other STS",
    "Malignant fibrous histiocytoma": "Other STS",
    "Sarcoma NOS": "Other STS",
    "Malignant peripheral nerve sheath tumour": "Other STS",
    "Fibromyxoid sarcoma": "Other STS",
    "Sarcoma not further subclassified": "Other STS",
}

#: Table 1 rows with this many cases or fewer join "Other sarcoma" in Tables 2 and 3.
RARE_SUBTYPE_MAX = 10

#: Histology groups of Tables 2 and 3, in the paper's order.
HISTOLOGY_GROUPS: tuple[str, ...] = (
    "Leiomyosarcoma",
    "Liposarcoma",
    "Synovial sarcoma",
    "Angiosarcoma",
    "Other sarcoma",
)

#: Remission before ASCT -> the groups of Tables 2 and 3.
REMISSION_GROUP: dict[str, str] = {"CR/NED": "CR/NED", "PR": "PR+SD", "SD": "PR+SD", "PD": "PD"}

#: Remission before ASCT -> complete response or not (Figure 1B).
REMISSION_CR: dict[str, str] = {"CR/NED": "CR", "PR": "non-CR", "SD": "non-CR", "PD": "non-CR"}

#: Preparative regimen -> the groups of Tables 2 and 3.
REGIMEN_GROUP: dict[str, str] = {
    "PEI/CEI": "Platinum based",
    "Other platinum based": "Platinum based",
    "Melphalan based": "Melphalan based",
    "Other": "Other",
}

#: Eras of the first ASCT (Table 1 and 2): right-closed bins of the calendar year.
YEAR_GROUPS: tuple[str, ...] = ("1996-2000", "2001-2005", "2006-2016")
YEAR_BINS: tuple[int, ...] = (1995, 2000, 2005, 2016)


# Code lists of the EBMT sarcoma extract (sarcosurv.registry.codes until 0.1).

#: WHO soft-tissue sarcoma subtypes of the EBMT sarcoma extract.
HISTOLOGY: tuple[str, ...] = (
    "Leiomyosarcoma",
    "Synovial sarcoma",
    "Angiosarcoma",
    "Haemangiosarcoma",
    "Lymphangiosarcoma",
    "Liposarcoma",
    "Desmoplastic small round cell tumour",
    "Fibrosarcoma",
    "Malignant fibrous histiocytoma",
    "Sarcoma NOS",
    "Malignant peripheral nerve sheath tumour",
    "Fibromyxoid sarcoma",
    "Sarcoma not further subclassified",
)

SEX: tuple[str, ...] = ("Male", "Female")
GRADE: tuple[str, ...] = ("1", "2", "3", "unknown")
YES_NO_UNKNOWN: tuple[str, ...] = ("yes", "no", "unknown")
REMISSION: tuple[str, ...] = ("CR/NED", "PR", "SD", "PD", "unknown")
PREPARATIVE_REGIMEN: tuple[str, ...] = (
    "PEI/CEI",
    "Other platinum based",
    "Melphalan based",
    "Other",
    "unknown",
)
MOBILISATION: tuple[str, ...] = (
    "Chemotherapy + G-CSF",
    "G-CSF alone",
    "Other",
    "unknown",
)
STEM_CELL_SOURCE: tuple[str, ...] = ("PBSC", "Bone marrow", "PBSC + bone marrow", "unknown")
VITAL_STATUS: tuple[str, ...] = ("alive", "dead")
CAUSE_OF_DEATH: tuple[str, ...] = (
    "Relapse/progression",
    "Infection",
    "Secondary malignancy",
    "Toxicity",
    "Other non-relapse",
    "unknown",
)
#: Causes that make a death without prior progression non-relapse mortality.
NON_RELAPSE_CAUSES: frozenset[str] = frozenset(
    {"Infection", "Secondary malignancy", "Toxicity", "Other non-relapse"}
)
