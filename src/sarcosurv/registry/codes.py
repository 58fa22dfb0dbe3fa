"""Code lists of the registry extract and the groupings the analysis uses.

Codes are matched after trimming white space and ignoring case; the canonical
spelling below is what a validated cohort holds.
"""

from __future__ import annotations

__all__ = [
    "CAUSE_OF_DEATH",
    "GRADE",
    "HISTOLOGY",
    "HISTOLOGY_TABLE1",
    "MOBILISATION",
    "NON_RELAPSE_CAUSES",
    "PREPARATIVE_REGIMEN",
    "REGIMEN_GROUP",
    "REMISSION",
    "REMISSION_GROUP",
    "SEX",
    "STEM_CELL_SOURCE",
    "VITAL_STATUS",
    "YES_NO_UNKNOWN",
]

#: WHO soft-tissue sarcoma subtypes seen in the EBMT extract (Heilig et al. 2020, Table 1).
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

#: Remission before ASCT -> the groups of Tables 2 and 3.
REMISSION_GROUP: dict[str, str] = {"CR/NED": "CR/NED", "PR": "PR+SD", "SD": "PR+SD", "PD": "PD"}

#: Preparative regimen -> the groups of Tables 2 and 3.
REGIMEN_GROUP: dict[str, str] = {
    "PEI/CEI": "Platinum based",
    "Other platinum based": "Platinum based",
    "Melphalan based": "Melphalan based",
    "Other": "Other",
}
