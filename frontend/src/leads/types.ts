import type { Schemas } from "../common/types";

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

export type Lead = Schemas["LeadOut"];
export type LeadDetail = Schemas["LeadDetail"];
export type Assignee = Schemas["AssigneeOut"];
export type BulkItem = Schemas["BulkItem"];

export type MonthPoint = Schemas["MonthPoint"];
export type FieldBoardVersion = Schemas["FieldBoardVersion"];
export type FieldBoard = Schemas["FieldBoardOut"];
