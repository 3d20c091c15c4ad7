import {
  Box,
  Card,
  CardContent,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
} from "@mui/material";
import { useState } from "react";
import { useTranslate } from "react-admin";
import { DistrictBarChart, PrCurveChart } from "../charts/lazy";
import { formatScore } from "../common/text";
import type { Schemas } from "../common/types";
import { ScoringDetails } from "./ScoringDetails";

type Metrics = Schemas["SubmissionMetrics"];
type DistrictMetrics = Schemas["DistrictMetrics"];

/** A district's figures, in the order the scorer writes them (per district and for the whole split). */
const DISTRICT_KEYS = [
  "n", "positives", "k", "average_precision", "roc_auc", "precision_at_k", "recall_at_k", "hits_at_k", "f1_at_0_5",
  "f1_best", "best_threshold",
] as const satisfies readonly (keyof DistrictMetrics)[];
/** The split's own figures shown in the table; its nested parts are sentences (ScoringDetails) or charts. */
const SCALAR_KEYS = [...DISTRICT_KEYS, "per_district_withheld"] as const satisfies readonly (keyof Metrics)[];

function renderValue(value: number | string[] | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.join(", ");
  return Number.isInteger(value) ? String(value) : formatScore(value);
}

export function MetricsPanel({ metrics, primary }: { metrics: Metrics | null | undefined; primary?: string }) {
  const translate = useTranslate();
  const [chosen, setChosen] = useState<string | null>(null);
  if (!metrics || !Object.keys(metrics).length) {
    return (
      <Typography color="text.secondary" data-testid="metrics-empty">
        {translate("dabiwu.submission.no_metrics")}
      </Typography>
    );
  }
  const scalars = SCALAR_KEYS.filter((key) => metrics[key] !== undefined).map((key) => [key, metrics[key]] as const);
  const districts = Object.entries(metrics.per_district ?? {}).map(([district, values]) => ({ district, values }));
  const numericKeys = DISTRICT_KEYS.filter((key) => districts.some((row) => typeof row.values[key] === "number"));
  const preferred = [chosen, primary, "average_precision"].map((k) => numericKeys.find((key) => key === k)).find(Boolean)
    ?? numericKeys[0] ?? null;
  const curve = metrics.pr_curve;
  const metricName = (key: string) => translate(`dabiwu.metric.${key}`, { _: key });

  return (
    <Box sx={{ display: "grid", gap: 2 }}>
      <Card variant="outlined">
        <CardContent>
          <Typography variant="h6" gutterBottom>
            {translate("dabiwu.submission.metrics")}
          </Typography>
          <Table size="small" data-testid="metrics-table">
            <TableHead>
              <TableRow>
                <TableCell>{translate("dabiwu.submission.metric")}</TableCell>
                <TableCell>{translate("dabiwu.submission.value")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {scalars.map(([key, value]) => (
                <TableRow key={key} data-metric={key}>
                  <TableCell>
                    {metricName(key)}
                  </TableCell>
                  {/* Withheld districts can be a long list: wrap, do not clip. */}
                  <TableCell sx={{ fontFamily: "monospace", overflowWrap: "anywhere" }}>{renderValue(value)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <ScoringDetails metrics={metrics} />
        </CardContent>
      </Card>

      {districts.length > 0 && (
        <Card variant="outlined">
          <CardContent>
            <Typography variant="h6" gutterBottom>
              {translate("dabiwu.submission.per_district")}
            </Typography>
            {numericKeys.length > 1 && (
              <ToggleButtonGroup
                size="small"
                exclusive
                value={preferred}
                onChange={(_, value: string | null) => value && setChosen(value)}
                sx={{ mb: 1, flexWrap: "wrap" }}
              >
                {numericKeys.map((key) => (
                  <ToggleButton key={key} value={key}>
                    {metricName(key)}
                  </ToggleButton>
                ))}
              </ToggleButtonGroup>
            )}
            {preferred && (
              <DistrictBarChart
                metric={metricName(preferred)}
                data={districts.map((row) => ({ district: row.district, value: Number(row.values[preferred] ?? 0) }))}
              />
            )}
            {/* One column per metric: wider than the half-page card, so it scrolls instead of being cut off. */}
            <Box sx={{ overflowX: "auto" }}>
              <Table size="small" data-testid="district-table">
                <TableHead>
                  <TableRow>
                    <TableCell sx={{ whiteSpace: "nowrap" }}>{translate("dabiwu.submission.district")}</TableCell>
                    {numericKeys.map((key) => (
                      <TableCell key={key} sx={{ minWidth: 72 }}>{metricName(key)}</TableCell>
                    ))}
                  </TableRow>
                </TableHead>
                <TableBody>
                  {districts.map((row) => (
                    <TableRow key={row.district}>
                      <TableCell sx={{ whiteSpace: "nowrap" }}>{row.district}</TableCell>
                      {numericKeys.map((key) => (
                        <TableCell key={key} sx={{ fontFamily: "monospace" }}>
                          {renderValue(row.values[key])}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          </CardContent>
        </Card>
      )}

      {curve?.precision.length && curve.recall.length ? (
        <Card variant="outlined">
          <CardContent>
            <Typography variant="h6" gutterBottom>
              {translate("dabiwu.submission.pr_curve")}
            </Typography>
            <PrCurveChart
              precision={curve.precision}
              recall={curve.recall}
              labels={{ precision: translate("dabiwu.metric.precision"), recall: translate("dabiwu.metric.recall") }}
            />
          </CardContent>
        </Card>
      ) : null}
    </Box>
  );
}
