import type { Schemas } from "../common/types";

export type Adoption = Schemas["Adoption"];
export type VersionSummary = Schemas["VersionSummary"];

export type FieldReport = Schemas["FieldReport"];
export type VersionDetail = Schemas["VersionDetail"];

export type RegistryModel = Schemas["RegistryModelOut"];
export type RegistryEvent = Schemas["RegistryEventOut"];

export type GateCheck = Schemas["GateCheck"];
export type GateReport = Schemas["GateReport"];
export type PromoteOut = Schemas["PromoteOut"];

export const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
