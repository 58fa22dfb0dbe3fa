"""The paper's groupings of the registry codes (Heilig et al., ESMO Open 2020).

Tables 1-3 of the paper do not show the extract's codes as they are: rare
subtypes are pooled, remission and regimen are grouped, transplant years fall
into eras. Every such rule of the paper is here, as data, so that
:mod:`sarcosurv.registry` stays free of any one study's choices.
"""

from __future__ import annotations

from ...registry.validation import Eligibility

__all__ = [
    "ELIGIBILITY",
    "HISTOLOGY_GROUPS",
    "HISTOLOGY_TABLE1",
    "RARE_SUBTYPE_MAX",
    "REGIMEN_GROUP",
    "REMISSION_CR",
    "REMISSION_GROUP",
    "YEAR_BINS",
    "YEAR_GROUPS",
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
