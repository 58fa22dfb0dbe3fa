"""Code lists of the registry extract.

Codes are matched after trimming white space and ignoring case; the canonical
spelling below is what a validated cohort holds. How a study groups them (for
example the rare subtypes into "other") belongs to the study, not here.
"""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

__all__ = [
    "CAUSE_OF_DEATH",
    "GRADE",
    "HISTOLOGY",
    "MOBILISATION",
    "NON_RELAPSE_CAUSES",
    "PREPARATIVE_REGIMEN",
    "REMISSION",
    "SEX",
    "STEM_CELL_SOURCE",
    "VITAL_STATUS",
    "YES_NO_UNKNOWN",
]

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

#: Groupings that moved to the study that uses them (removed in 0.3).
_moved = moved_attributes(
    __name__,
    {
        name: f"sarcosurv.studies.heilig2020.codes:{name}"
        for name in ("HISTOLOGY_TABLE1", "REMISSION_GROUP", "REGIMEN_GROUP")
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
