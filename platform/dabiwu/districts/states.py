"""The states a lead moves through, the legal moves, and what each state counts as for field precision."""

from __future__ import annotations

NEW, VERIFYING, CASE_OPENED, NO_CASE, SUPERVISION_DOCUMENT, RECTIFIED = (
    "new", "verifying", "case_opened", "no_case", "supervision_document", "rectified")
STATES = (NEW, VERIFYING, CASE_OPENED, NO_CASE, SUPERVISION_DOCUMENT, RECTIFIED)

STATE_ZH = {NEW: "线索", VERIFYING: "核查中", CASE_OPENED: "立案", NO_CASE: "不立案",
            SUPERVISION_DOCUMENT: "监督文书", RECTIFIED: "整改完毕"}
STATE_EN = {NEW: "new lead", VERIFYING: "verifying", CASE_OPENED: "case opened", NO_CASE: "no case",
            SUPERVISION_DOCUMENT: "supervision document", RECTIFIED: "rectified"}

# Forward only: a decided lead is not reopened here (a wrong decision is corrected by the bulk outcome upload,
# which is what the registry's field precision reads).
NEXT: dict[str, tuple[str, ...]] = {
    NEW: (VERIFYING,),
    VERIFYING: (CASE_OPENED, NO_CASE),
    CASE_OPENED: (SUPERVISION_DOCUMENT,),
    SUPERVISION_DOCUMENT: (RECTIFIED,),
    NO_CASE: (),
    RECTIFIED: (),
}

# What a state means for field precision (lead_outcomes.outcome): a case was opened from every state past 立案.
OUTCOME_OF = {NEW: "pending", VERIFYING: "pending", CASE_OPENED: "confirmed", SUPERVISION_DOCUMENT: "confirmed",
              RECTIFIED: "confirmed", NO_CASE: "rejected"}
OPEN_STATES = (NEW, VERIFYING)
