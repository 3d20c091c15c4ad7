import { Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow } from "@mui/material";
import { useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { useFormatDateTime } from "../common/dates";
import { formatScore } from "../common/text";
import type { LeaderboardRow } from "../common/types";
import { boardDomain, CiBar } from "./CiBar";

export function BoardTable({
  rows,
  testId,
  linkSubmissions,
  secondaryName,
}: {
  rows: LeaderboardRow[];
  testId: string;
  linkSubmissions: boolean;
  secondaryName?: string;
}) {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const domain = boardDomain(rows);
  const hasSecondary = rows.some(
    (r) =>
      typeof r.secondary === "number" ||
      (typeof r.secondary === "string" && r.secondary !== "") ||
      (!!r.secondary && typeof r.secondary === "object" && Object.keys(r.secondary).length > 0),
  );
  return (
    <TableContainer>
      <Table size="small" data-testid={testId}>
        <TableHead>
          <TableRow>
            <TableCell>{translate("dabiwu.leaderboard.rank")}</TableCell>
            <TableCell>{translate("dabiwu.leaderboard.team")}</TableCell>
            <TableCell>{translate("dabiwu.leaderboard.score")}</TableCell>
            <TableCell />
            {hasSecondary && (
              <TableCell>
                {translate("dabiwu.leaderboard.secondary")}
                {secondaryName ? ` (${translate(`dabiwu.metric.${secondaryName}`, { _: secondaryName })})` : ""}
              </TableCell>
            )}
            <TableCell align="right">{translate("dabiwu.leaderboard.submissions")}</TableCell>
            <TableCell>{translate("dabiwu.leaderboard.last_submission")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((row, index) => (
            <TableRow key={`${row.team_id ?? row.team}-${row.submission_id}`} data-testid="board-row" data-rank={row.rank} data-team={row.team}>
              <TableCell sx={{ fontWeight: row.rank === 1 ? 700 : 400 }}>{row.rank}</TableCell>
              <TableCell>
                {linkSubmissions && row.submission_id ? (
                  <Link to={`/submissions/${encodeURIComponent(row.submission_id)}/show`}>{row.team}</Link>
                ) : (
                  row.team
                )}
              </TableCell>
              <TableCell>
                <CiBar score={row.score} low={row.ci_low} high={row.ci_high} domain={domain} />
              </TableCell>
              <TableCell>
                {row.tied_with_leader && index > 0 ? (
                  <Chip size="small" color="warning" variant="outlined" data-testid="tied-chip" label={translate("dabiwu.leaderboard.tied")} />
                ) : null}
              </TableCell>
              {hasSecondary && <TableCell sx={{ fontFamily: "monospace" }}>{formatScore(row.secondary)}</TableCell>}
              <TableCell align="right">{row.submissions ?? "—"}</TableCell>
              <TableCell>{format(row.last_submission_at)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
