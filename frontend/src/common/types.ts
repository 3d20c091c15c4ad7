export interface Bilingual {
  zh?: string;
  en?: string;
}

export interface ChallengeColumn {
  name: string;
  type: string;
  zh?: string;
  en?: string;
  role?: string | null;
}

export interface Challenge {
  id: string;
  slug: string;
  title_zh: string;
  title_en: string;
  description_zh?: string;
  description_en?: string;
  supervision_point?: Bilingual | string | null;
  columns?: ChallengeColumn[];
  id_column?: string;
  label_column?: string;
  group_column?: string;
  metric?: { primary?: string; k?: number | null; secondary?: string[] | string | null };
  phases?: { open?: string; close?: string; merger_deadline?: string | null };
  phase?: string;
  limits?: Partial<Record<"daily_submissions" | "max_model_mb" | "time_limit_s" | "memory_mb" | "team_size" | "final_selections", number>>;
  rubric?: { key: string; zh?: string; en?: string; weight?: number }[];
  dataset_version?: string | number;
  runtime?: string; // the scoring runtime its models run in
  train_rows?: number;
  test_rows?: number;
  readme?: string;
}

export interface Submission {
  id: string;
  challenge: string | { slug?: string; id?: string | number; title_zh?: string };
  team: unknown;
  status: string;
  public_score: number | null;
  private_score: number | null;
  metrics?: Record<string, unknown> | null;
  error?: string | null;
  error_zh?: string | null;
  error_kind?: string | null;
  log_tail?: string | null;
  created_at: string;
  scored_at?: string | null;
  queue_position?: number | null;
  eta_seconds?: number | null;
  is_final?: boolean;
  filename?: string;
  size_bytes?: number;
  sha256?: string;
  description?: string;
  // Set when a judge disqualified it (the submission then leaves the boards).
  disqualified_reason?: string | null;
  // Set when the storage retention policy removed the model's files (scores and predictions stay).
  model_expired_at?: string | null;
}

export interface LeaderboardRow {
  rank: number;
  team: string;
  team_id?: number;
  submission_id: string;
  score: number | null;
  ci_low?: number | null;
  ci_high?: number | null;
  tied_with_leader?: boolean;
  secondary?: number | string | Record<string, unknown> | null;
  submissions?: number;
  last_submission_at?: string | null;
}

export interface Quota {
  limit: number;
  used: number;
  left: number;
  day: string;
}

export const challengeSlug = (value: Submission["challenge"]): string =>
  typeof value === "string" ? value : String(value?.slug ?? value?.id ?? "");
