export const LEAD_STATES = ["new", "verifying", "case_opened", "no_case", "supervision_document", "rectified"] as const;
export type LeadState = (typeof LEAD_STATES)[number];

/** The legal next states (the server enforces the same: dabiwu/districts/states.py). */
export const NEXT_STATES: Record<LeadState, LeadState[]> = {
  new: ["verifying"],
  verifying: ["case_opened", "no_case"],
  case_opened: ["supervision_document"],
  supervision_document: ["rectified"],
  no_case: [],
  rectified: [],
};

export const STATE_COLOR: Record<LeadState, "default" | "info" | "success" | "warning" | "primary" | "secondary"> = {
  new: "default",
  verifying: "info",
  case_opened: "primary",
  no_case: "warning",
  supervision_document: "secondary",
  rectified: "success",
};

export interface Lead {
  id: string;
  challenge: string;
  entity_id: string;
  merge_key: string;
  state: LeadState;
  reason: string | null;
  assignee_id: number | null;
  assignee: string | null;
  best_score: number;
  flags: number;
  versions: number[];
  created_at: string;
  state_changed_at: string;
}

export interface LeadDetail extends Lead {
  flag_list: { registered_model: string; version: number; run_label: string; score: number; rank: number | null; flagged_at: string }[];
  history: { kind: string; from_state: LeadState | null; to_state: LeadState | null; actor: string | null; assignee: string | null; note: string; at: string }[];
  next_states: LeadState[];
}

export interface Assignee {
  id: number;
  username: string;
  display_name: string;
}

export interface BulkItem {
  id: string;
  ok: boolean;
  code?: string | null;
  detail?: string | null;
  detail_zh?: string | null;
}

export interface Estimate {
  confirmed: number;
  rejected: number;
  pending: number;
  decided: number;
  naive_conversion: number | null;
  decided_conversion: number | null;
  conversion: number;
  interval: [number, number];
  resolved_share: number | null;
}

export interface MonthPoint {
  month: string;
  confirmed: number;
  rejected: number;
  precision: number;
  cumulative_precision: number;
}

export interface FieldBoardVersion extends Estimate {
  rank: number;
  registered_model: string;
  version: number;
  team: string;
  promoted_at: string;
  private_score: number;
  contest: { precision_at_k: number | null; k: number | null; interval: [number, number] | null };
  by_district: Record<string, Estimate & { name_zh: string; name_en: string }>;
  by_month: MonthPoint[];
}

export interface FieldBoard {
  slug: string;
  prior_mean: number;
  prior_leads: number;
  level: number;
  versions: FieldBoardVersion[];
}
