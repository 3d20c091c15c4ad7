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
import { formatScore, nameOf } from "../common/text";
import { DETAIL_KEYS, ScoringDetails } from "./ScoringDetails";

type Metrics = Record<string, unknown>;

const CURVE_KEYS = new Set(["per_district", "pr_curve"]);

function renderValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : formatScore(value);
  if (typeof value === "string" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(renderValue).join(", ")}]`;
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if ("low" in obj && "high" in obj) return `[${renderValue(obj.low)}, ${renderValue(obj.high)}]`;
    if ("name" in obj || "district" in obj) return nameOf(obj.name ?? obj.district);
    return Object.entries(obj)
      .map(([k, v]) => `${k}: ${renderValue(v)}`)
      .join(", ");
  }
  return String(value);
}

/** per_district arrives as {district: {metric: value}}; a list of {district, ...} is accepted too. */
function districtRows(perDistrict: unknown): { district: string; values: Record<string, unknown> }[] {
  if (Array.isArray(perDistrict)) {
    return perDistrict
      .filter((row) => row && typeof row === "object")
      .map((row) => {
        const { district, ...values } = row as Record<string, unknown>;
        return { district: nameOf(district), values };
      });
  }
  if (perDistrict && typeof perDistrict === "object") {
    return Object.entries(perDistrict as Record<string, unknown>).map(([district, values]) => ({
      district,
      values: values && typeof values === "object" ? (values as Record<string, unknown>) : { value: values },
    }));
  }
  return [];
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
  const scalars = Object.entries(metrics).filter(([key]) => !CURVE_KEYS.has(key) && !DETAIL_KEYS.has(key));
  const districts = districtRows(metrics.per_district);
  const numericKeys = Array.from(
    new Set(districts.flatMap((row) => Object.entries(row.values).filter(([, v]) => typeof v === "number").map(([k]) => k))),
  );
  const preferred = [chosen, primary, "average_precision", numericKeys[0]].find((k) => k && numericKeys.includes(k)) ?? null;
  const curve = metrics.pr_curve as { precision?: number[]; recall?: number[] } | undefined;
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
                  {/* Nested values (bootstrap, scoring: sha256s) are long unbroken strings: wrap, do not clip. */}
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

      {curve?.precision?.length && curve.recall?.length ? (
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
