import { Alert, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useTranslate } from "react-admin";
import { apiGet, errorStatus } from "../api/http";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { formatScore } from "../common/text";
import type { FinalRow } from "./types";

/** The final ranking: the private metric blended with the rubric. Frozen at finalize; a live preview before. */
export function FinalRanking({ slug, finalized }: { slug: string; finalized: boolean }) {
  const translate = useTranslate();
  const ranking = useQuery({
    queryKey: ["final-ranking", slug, finalized],
    queryFn: () => apiGet<FinalRow[]>(`/challenges/${encodeURIComponent(slug)}/final-ranking`),
    retry: false,
  });
  if (ranking.isPending) return <Loading />;
  if (ranking.isError) {
    if (errorStatus(ranking.error) === 403) return <Alert severity="info" data-testid="final-ranking-hidden">{translate("dabiwu.judging.final_hidden")}</Alert>;
    return <ErrorState error={ranking.error} />;
  }
  const rows = ranking.data ?? [];
  if (!rows.length) return <EmptyState message={translate("dabiwu.judging.no_finalists")} testId="final-ranking-empty" />;
  return (
    <Stack spacing={1}>
      <Alert severity={finalized ? "success" : "info"}>
        {translate(finalized ? "dabiwu.judging.final_frozen" : "dabiwu.judging.final_preview")}
      </Alert>
      <Table size="small" data-testid="final-ranking" data-frozen={finalized ? "true" : "false"}>
        <TableHead>
          <TableRow>
            <TableCell>{translate("dabiwu.leaderboard.rank")}</TableCell>
            <TableCell>{translate("dabiwu.leaderboard.team")}</TableCell>
            <TableCell align="right">{translate("dabiwu.judging.final_score")}</TableCell>
            <TableCell align="right">{translate("dabiwu.judging.metric_part")}</TableCell>
            <TableCell align="right">{translate("dabiwu.judging.rubric_part")}</TableCell>
            <TableCell align="right">{translate("dabiwu.submission.private_score")}</TableCell>
            <TableCell align="right">{translate("dabiwu.judging.private_rank_col")}</TableCell>
            <TableCell align="right">{translate("dabiwu.judging.reviews_count")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r) => (
            <TableRow key={r.team_id} data-testid="final-row" data-rank={r.rank} data-team={r.team}>
              <TableCell sx={{ fontWeight: r.rank === 1 ? 700 : 400 }}>{r.rank}</TableCell>
              <TableCell>{r.team}</TableCell>
              <TableCell align="right" sx={{ fontFamily: "monospace" }}>{formatScore(r.final_score)}</TableCell>
              <TableCell align="right" sx={{ fontFamily: "monospace" }}>{formatScore(r.metric_part)}</TableCell>
              <TableCell align="right" sx={{ fontFamily: "monospace" }}>{formatScore(r.rubric_part)}</TableCell>
              <TableCell align="right" sx={{ fontFamily: "monospace" }}>{formatScore(r.private_score)}</TableCell>
              <TableCell align="right">{r.private_rank}</TableCell>
              <TableCell align="right">
                {r.unreviewed ? <Chip size="small" color="warning" variant="outlined" label={translate("dabiwu.judging.unreviewed")} /> : r.reviews}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Stack>
  );
}
