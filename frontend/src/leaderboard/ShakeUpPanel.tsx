import { Alert, Box, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import ArrowDownwardIcon from "@mui/icons-material/ArrowDownward";
import ArrowUpwardIcon from "@mui/icons-material/ArrowUpward";
import { useQuery } from "@tanstack/react-query";
import { useTranslate } from "react-admin";
import { apiGet, errorStatus } from "../api/http";
import { EmptyState, ErrorState, Loading } from "../common/States";
import type { Schemas } from "../common/types";
import type { FinalRow } from "../judging/types";

type ShakeUpRow = Schemas["ShakeUpRow"];

function Change({ change }: { change: number | null }) {
  const translate = useTranslate();
  if (change === null) return <Typography variant="body2" color="text.secondary">{translate("dabiwu.leaderboard.shake_new")}</Typography>;
  if (change === 0) return <Typography variant="body2" color="text.secondary">=</Typography>;
  const up = change > 0;
  return (
    <Stack direction="row" alignItems="center" spacing={0.5} sx={{ color: up ? "success.main" : "error.main" }}>
      {up ? <ArrowUpwardIcon fontSize="small" /> : <ArrowDownwardIcon fontSize="small" />}
      <span>{Math.abs(change)}</span>
    </Stack>
  );
}

/** How each team moved from its public rank to its private rank (positive = climbed). */
export function ShakeUpPanel({ slug, finalized }: { slug: string; finalized: boolean }) {
  const translate = useTranslate();
  const shake = useQuery({
    queryKey: ["shake-up", slug, finalized],
    queryFn: () => apiGet<ShakeUpRow[]>(`/challenges/${encodeURIComponent(slug)}/shake-up`),
    retry: false,
  });
  // After finalize the judges' rubric moves teams once more: private rank -> final rank.
  const final = useQuery({
    queryKey: ["final-ranking", slug, finalized],
    queryFn: () => apiGet<FinalRow[]>(`/challenges/${encodeURIComponent(slug)}/final-ranking`),
    enabled: finalized,
    retry: false,
  });
  const finalRank = new Map((final.data ?? []).map((r) => [r.team_id, r.rank]));
  const showFinal = finalized && finalRank.size > 0;
  if (shake.isPending) return <Loading />;
  if (shake.isError) {
    if (errorStatus(shake.error) === 403) return <Alert severity="info" data-testid="shake-up-hidden">{translate("dabiwu.leaderboard.shake_hidden")}</Alert>;
    return <ErrorState error={shake.error} />;
  }
  const rows = shake.data ?? [];
  if (!rows.length) return <EmptyState message={translate("dabiwu.leaderboard.empty")} testId="shake-up-empty" />;
  const moved = rows.filter((r) => r.change !== null && r.change !== 0).length;
  return (
    <Stack spacing={1}>
      {!finalized && <Alert severity="info">{translate("dabiwu.leaderboard.shake_preview")}</Alert>}
      <Typography variant="body2" color="text.secondary" data-testid="shake-up-summary" data-moved={moved}>
        {translate("dabiwu.leaderboard.shake_summary", { moved, total: rows.length })}
      </Typography>
      <Box sx={{ overflowX: "auto" }}>
        <Table size="small" data-testid="shake-up">
          <TableHead>
            <TableRow>
              <TableCell>{translate("dabiwu.leaderboard.private_rank")}</TableCell>
              <TableCell>{translate("dabiwu.leaderboard.team")}</TableCell>
              <TableCell>{translate("dabiwu.leaderboard.public_rank")}</TableCell>
              <TableCell>{translate("dabiwu.leaderboard.change")}</TableCell>
              {showFinal && <TableCell>{translate("dabiwu.leaderboard.final_rank")}</TableCell>}
              {showFinal && <TableCell>{translate("dabiwu.leaderboard.final_change")}</TableCell>}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((r) => (
              <TableRow
                key={r.team_id}
                data-testid="shake-row"
                data-team={r.team}
                data-private-rank={r.private_rank}
                data-public-rank={r.public_rank ?? ""}
                data-change={r.change ?? ""}
                data-final-rank={finalRank.get(r.team_id) ?? ""}
              >
                <TableCell sx={{ fontWeight: r.private_rank === 1 ? 700 : 400 }}>{r.private_rank}</TableCell>
                <TableCell>{r.team}</TableCell>
                <TableCell>{r.public_rank ?? "—"}</TableCell>
                <TableCell>
                  <Change change={r.change} />
                </TableCell>
                {showFinal && <TableCell sx={{ fontWeight: finalRank.get(r.team_id) === 1 ? 700 : 400 }}>{finalRank.get(r.team_id) ?? "—"}</TableCell>}
                {showFinal && (
                  <TableCell>
                    <Change change={finalRank.has(r.team_id) ? r.private_rank - (finalRank.get(r.team_id) as number) : null} />
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Stack>
  );
}
