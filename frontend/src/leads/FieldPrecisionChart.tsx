import { Box, Typography } from "@mui/material";
import { useTranslate } from "react-admin";
import type { MonthPoint } from "./types";

const W = 560;
const H = 200;
const PAD = { left: 40, right: 12, top: 12, bottom: 28 };

/**
 * Field precision by month of outcome (cumulative, and each month's own as dots) against the contest's
 * precision@k confidence interval (the shaded band). A line that leaves the band below is what drift looks like.
 * Plain SVG: a dozen points need no chart library, and the box scales to a 390 px phone.
 */
export function FieldPrecisionChart({ points, band }: { points: MonthPoint[]; band: [number, number] | null }) {
  const translate = useTranslate();
  if (!points.length) {
    return (
      <Typography variant="body2" color="text.secondary" data-testid="field-chart-empty">
        {translate("dabiwu.field_board.chart_empty")}
      </Typography>
    );
  }
  const x = (i: number) => PAD.left + (points.length === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (points.length - 1));
  const y = (v: number) => PAD.top + (1 - v) * (H - PAD.top - PAD.bottom);
  const line = points.map((p, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(p.cumulative_precision).toFixed(1)}`).join(" ");
  return (
    <Box data-testid="field-chart" data-points={points.length} sx={{ width: "100%", maxWidth: W }}>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={translate("dabiwu.field_board.chart_title")}>
        {band && (
          <rect data-testid="field-chart-band" x={PAD.left} width={W - PAD.left - PAD.right} y={y(band[1])}
            height={Math.max(1, y(band[0]) - y(band[1]))} fill="#1976d2" opacity={0.12} />
        )}
        {[0, 0.25, 0.5, 0.75, 1].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} stroke="#ccc" strokeWidth={0.5} />
            <text x={PAD.left - 4} y={y(v) + 4} fontSize={10} textAnchor="end" fill="#666">{`${Math.round(v * 100)}%`}</text>
          </g>
        ))}
        <path d={line} fill="none" stroke="#1976d2" strokeWidth={2} />
        {points.map((p, i) => (
          <g key={p.month}>
            <circle cx={x(i)} cy={y(p.precision)} r={3} fill="#ed6c02" data-testid="field-chart-point" data-month={p.month} />
            <text x={x(i)} y={H - 8} fontSize={10} textAnchor="middle" fill="#666">{p.month}</text>
          </g>
        ))}
      </svg>
      <Typography variant="caption" color="text.secondary">
        {translate("dabiwu.field_board.chart_legend")}
      </Typography>
    </Box>
  );
}
