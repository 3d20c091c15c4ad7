import { Box, Table, TableBody, TableCell, TableRow, Typography } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslate } from "react-admin";
import { formatScore } from "../common/text";
import type { Schemas } from "../common/types";

type Metrics = Schemas["SubmissionMetrics"];

/** The private split's headline figures, in this order, where they are defined. */
const PRIVATE_KEYS = ["average_precision", "roc_auc", "precision_at_k", "recall_at_k", "f1_best"] as const satisfies readonly (keyof Schemas["SplitMetrics"])[];

/**
 * The nested parts of a score (confidence intervals, worst districts, bootstrap settings, scoring run,
 * private split) as labelled sentences instead of a JSON dump.
 */
export function ScoringDetails({ metrics }: { metrics: Metrics }) {
  const translate = useTranslate();
  const name = (key: string) => translate(`dabiwu.metric.${key}`, { _: key });
  const rows: [string, string, ReactNode][] = [];

  for (const [key, pair] of Object.entries(metrics.ci ?? {})) {
    if (pair) rows.push([`ci-${key}`, `${translate("dabiwu.metric.ci")} · ${name(key)}`, `${formatScore(pair[0])} – ${formatScore(pair[1])}`]);
  }
  for (const [key, worst] of Object.entries(metrics.worst_district ?? {})) {
    if (worst) {
      rows.push([`worst-${key}`, `${translate("dabiwu.metric.worst_district")} · ${name(key)}`,
        translate("dabiwu.scoring.worst", { district: worst.district, value: formatScore(worst.value) })]);
    }
  }
  const b = metrics.bootstrap;
  if (b) {
    rows.push(["bootstrap", translate("dabiwu.scoring.bootstrap"), translate("dabiwu.scoring.bootstrap_text", {
      resamples: String(b.resamples),
      level: `${Math.round(b.level * 100)}%`,
      seed: String(b.seed),
    })]);
  }
  const s = metrics.scoring;
  if (s) {
    const parts = [
      s.scorer_version !== undefined && translate("dabiwu.scoring.scorer", { version: s.scorer_version }),
      translate("dabiwu.scoring.sandbox", { kind: s.sandbox_kind }),
      translate("dabiwu.scoring.runtime", { seconds: s.runtime_s.toFixed(1) }),
      translate("dabiwu.scoring.memory", { mb: Math.round(s.peak_mem_mb) }),
    ].filter(Boolean);
    rows.push(["scoring", translate("dabiwu.scoring.run"), parts.join(" · ")]);
    for (const key of ["dataset_sha256", "model_sha256"] as const) {
      const sha = s[key];
      if (sha) {
        rows.push([key, translate(`dabiwu.scoring.${key}`),
          <Box component="span" key={key} title={sha} sx={{ fontFamily: "monospace" }}>{sha.slice(0, 12)}…</Box>]);
      }
    }
  }
  const p = metrics.private;
  if (p) {
    const shown = PRIVATE_KEYS.filter((k) => typeof p[k] === "number");
    rows.push(["private", translate("dabiwu.scoring.private"), shown.map((k) => `${name(k)} ${formatScore(p[k])}`).join(" · ")]);
  }
  if (!rows.length) return null;
  return (
    <Box data-testid="scoring-details" sx={{ mt: 2 }}>
      <Typography variant="subtitle1" sx={{ fontWeight: 700 }} gutterBottom>
        {translate("dabiwu.scoring.title")}
      </Typography>
      <Table size="small">
        <TableBody>
          {rows.map(([key, label, value]) => (
            <TableRow key={key} data-detail={key}>
              <TableCell sx={{ width: "40%" }}>{label}</TableCell>
              <TableCell sx={{ overflowWrap: "anywhere" }}>{value}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
