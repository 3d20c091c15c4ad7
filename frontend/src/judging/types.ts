import type { Schemas } from "../common/types";

export type Review = Schemas["ReviewOut"];
export type FinalRow = Schemas["FinalRow"];
export type RubricItem = Schemas["RubricItem"];

/** The same weighting as the server's blend: the weight-averaged rubric score, 0..10. */
export function rubricScore(scores: Record<string, number>, rubric: RubricItem[]): number {
  const total = rubric.reduce((sum, item) => sum + Number(item.weight), 0) || 1;
  return rubric.reduce((sum, item) => sum + Number(scores[item.key] ?? 0) * Number(item.weight), 0) / total;
}
