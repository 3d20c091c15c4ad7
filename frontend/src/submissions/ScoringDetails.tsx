import { Box, Table, TableBody, TableCell, TableRow, Typography } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslate } from "react-admin";
import { formatScore } from "../common/text";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * The nested parts of a score (confidence intervals, worst districts, bootstrap settings, scoring run,
 * private split) as labelled sentences instead of a JSON dump. Unknown keys still show, as "key: value".
 */
export function ScoringDetails({ metrics }: { metrics: Obj }) {
  const translate = useTranslate();
  const name = (key: string) => translate(`dabiwu.metric.${key}`, { _: key });
  const rows: [string, string, ReactNode][] = [];

  if (isObj(metrics.ci)) {
    for (const [key, value] of Object.entries(metrics.ci)) {
      const pair = Array.isArray(value) ? value : isObj(value) ? [value.low, value.high] : null;
      if (pair) rows.push([`ci-${key}`, `${translate("dabiwu.metric.ci")} · ${name(key)}`, `${formatScore(pair[0])} – ${formatScore(pair[1])}`]);
    }
  }
  if (isObj(metrics.worst_district)) {
    for (const [key, value] of Object.entries(metrics.worst_district)) {
      if (isObj(value)) {
        rows.push([`worst-${key}`, `${translate("dabiwu.metric.worst_district")} · ${name(key)}`,
          translate("dabiwu.scoring.worst", { district: String(value.district ?? "—"), value: formatScore(value.value) })]);
      }
    }
  }
  if (isObj(metrics.bootstrap)) {
    const b = metrics.bootstrap;
    rows.push(["bootstrap", translate("dabiwu.scoring.bootstrap"), translate("dabiwu.scoring.bootstrap_text", {
      resamples: String(b.resamples ?? "—"),
      level: b.level !== undefined ? `${Math.round(Number(b.level) * 100)}%` : "—",
      seed: String(b.seed ?? "—"),
    })]);
  }
  if (isObj(metrics.scoring)) {
    const s = metrics.scoring;
    const parts = [
      s.scorer_version !== undefined && translate("dabiwu.scoring.scorer", { version: String(s.scorer_version) }),
      s.sandbox_kind !== undefined && translate("dabiwu.scoring.sandbox", { kind: String(s.sandbox_kind) }),
      s.runtime_s !== undefined && translate("dabiwu.scoring.runtime", { seconds: Number(s.runtime_s).toFixed(1) }),
      s.peak_mem_mb !== undefined && translate("dabiwu.scoring.memory", { mb: Math.round(Number(s.peak_mem_mb)) }),
    ].filter(Boolean);
    rows.push(["scoring", translate("dabiwu.scoring.run"), parts.join(" · ")]);
    for (const key of ["dataset_sha256", "model_sha256"]) {
      if (typeof s[key] === "string") {
        rows.push([key, translate(`dabiwu.scoring.${key}`),
          <Box component="span" key={key} title={s[key] as string} sx={{ fontFamily: "monospace" }}>{(s[key] as string).slice(0, 12)}…</Box>]);
      }
    }
  }
  if (isObj(metrics.private)) {
    const p = metrics.private;
    const shown = ["average_precision", "roc_auc", "precision_at_k", "recall_at_k", "f1_best"].filter((k) => typeof p[k] === "number");
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

export const DETAIL_KEYS = new Set(["ci", "worst_district", "bootstrap", "scoring", "private"]);
