export interface Review {
  id: number;
  team_id: number;
  judge: string;
  scores: Record<string, number>;
  comment: string;
  updated_at: string;
}

export interface FinalRow {
  rank: number;
  team: string;
  team_id: number;
  submission_id: string;
  private_score: number;
  private_rank: number;
  metric_part: number;
  rubric_part: number;
  final_score: number;
  reviews: number;
  unreviewed: boolean;
}

export interface RubricItem {
  key: string;
  zh?: string;
  en?: string;
  weight?: number;
}

/** The same weighting as the server's blend: the weight-averaged rubric score, 0..10. */
export function rubricScore(scores: Record<string, number>, rubric: RubricItem[]): number {
  const total = rubric.reduce((sum, item) => sum + Number(item.weight ?? 1), 0) || 1;
  return rubric.reduce((sum, item) => sum + Number(scores[item.key] ?? 0) * Number(item.weight ?? 1), 0) / total;
}
