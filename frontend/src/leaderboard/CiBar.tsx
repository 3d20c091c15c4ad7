import { Box, Tooltip } from "@mui/material";
import { formatScore } from "../common/text";

/** A score with its bootstrap confidence interval, drawn on the board's common scale. */
export function CiBar({
  score,
  low,
  high,
  domain,
}: {
  score: number | null;
  low?: number | null;
  high?: number | null;
  domain: [number, number];
}) {
  if (score === null || score === undefined) return <span>—</span>;
  const [min, max] = domain;
  const span = max - min || 1;
  const pos = (v: number) => `${Math.min(100, Math.max(0, ((v - min) / span) * 100))}%`;
  const hasCi = typeof low === "number" && typeof high === "number";
  const label = hasCi ? `${formatScore(score)} [${formatScore(low)}, ${formatScore(high)}]` : formatScore(score);
  return (
    <Tooltip title={label}>
      <Box sx={{ display: "flex", alignItems: "center", gap: 1 }}>
        <Box component="span" sx={{ fontFamily: "monospace", minWidth: 56 }} data-testid="board-score">
          {formatScore(score)}
        </Box>
        <Box data-testid="ci-bar" sx={{ position: "relative", width: 140, height: 12, bgcolor: "grey.100", borderRadius: 1 }}>
          {hasCi && (
            <Box
              sx={{
                position: "absolute",
                top: 5,
                height: 2,
                bgcolor: "primary.light",
                left: pos(low as number),
                width: `calc(${pos(high as number)} - ${pos(low as number)})`,
              }}
            />
          )}
          <Box
            sx={{
              position: "absolute",
              top: 2,
              width: 8,
              height: 8,
              ml: "-4px",
              borderRadius: "50%",
              bgcolor: "primary.main",
              left: pos(score),
            }}
          />
        </Box>
      </Box>
    </Tooltip>
  );
}

export function boardDomain(rows: { score: number | null; ci_low?: number | null; ci_high?: number | null }[]): [number, number] {
  const values = rows.flatMap((r) => [r.score, r.ci_low, r.ci_high]).filter((v): v is number => typeof v === "number");
  if (!values.length) return [0, 1];
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = (max - min) * 0.05 || 0.01;
  return [min - pad, max + pad];
}
