export interface Adoption {
  districts: string[];
  pulls: number;
  leads_reported: number;
  cases_made: number;
}

export interface VersionSummary {
  registered_model: string;
  version: number;
  listed: boolean;
  is_champion: boolean;
  team: string;
  submission_id: string;
  public_score: number;
  private_score: number;
  private_ci: (number | null)[] | null;
  primary_metric: string;
  worst_district: { group?: string; value?: number; [key: string]: unknown } | null;
  model_sha256: string;
  runtime?: string; // the scoring runtime it was scored with
  approved_by: string | null;
  reason: string | null;
  override: boolean;
  promoted_at: string;
  delisted_at: string | null;
  adoption: Adoption;
  field_precision: number | null;
  drift: boolean | null;
  model_card: string;
}

export interface FieldTally {
  confirmed: number;
  rejected: number;
  pending: number;
  reported: number;
  field_precision: number | null;
  drift: boolean | null;
}

export interface VersionDetail extends VersionSummary {
  gate_report: Record<string, unknown>;
  field: FieldTally & {
    contest: { precision_at_k: number | null; k: number | null; interval: [number, number] | null; method: string | null };
    by_district: Record<string, FieldTally & { name_zh: string }>;
  };
  pull_uri: string;
}

export interface RegistryModel {
  slug: string;
  title_zh?: string;
  title_en?: string;
  registered_model: string;
  champion_version: number | null;
  max_listed?: number | null;
  listed?: VersionSummary[];
  delisted?: VersionSummary[];
}

export const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
