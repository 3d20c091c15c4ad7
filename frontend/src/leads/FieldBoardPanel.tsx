import { Box, Table, TableBody, TableCell, TableHead, TableRow, Tooltip, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useLocaleState, useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { apiGet } from "../api/http";
import { ErrorState, Loading } from "../common/States";
import { useChallengeTitles, useDistrictNames } from "../common/useChallengeTitles";
import { percent } from "../registry/types";
import type { FieldBoard } from "./types";

const range = (i: [number, number] | null | undefined) => (i ? `${percent(i[0])}–${percent(i[1])}` : "—");

export function useFieldBoard(slug: string) {
  return useQuery({
    queryKey: ["field-board", slug],
    queryFn: () => apiGet<FieldBoard>(`/registry/${encodeURIComponent(slug)}/field-board`),
    retry: false,
    enabled: !!slug,
  });
}

/**
 * The field board of one supervision point: listed versions ranked by lead→case conversion as districts report
 * it, corrected for leads still under review (see docs/judge.md), with each district's interval. `highlight`
 * marks one version (on its model card).
 */
export function FieldBoardPanel({ slug, highlight }: { slug: string; highlight?: number }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const districtName = useDistrictNames();
  const challengeTitle = useChallengeTitles();
  const board = useFieldBoard(slug);
  if (board.isPending) return <Loading />;
  if (board.isError) return <ErrorState error={board.error} />;
  const versions = board.data.versions;
  return (
    <Box data-testid="field-board" data-slug={slug}>
      <Typography variant="h6">{translate("dabiwu.field_board.title", { title: challengeTitle(slug) })}</Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        {translate("dabiwu.field_board.help", { prior: percent(board.data.prior_mean), leads: board.data.prior_leads })}
      </Typography>
      <Box sx={{ overflowX: "auto" }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>{translate("dabiwu.field_board.rank")}</TableCell>
              <TableCell>{translate("dabiwu.registry.version")}</TableCell>
              <TableCell align="right">{translate("dabiwu.field_board.conversion")}</TableCell>
              <TableCell align="right">{translate("dabiwu.field_board.interval")}</TableCell>
              <TableCell align="right">{translate("dabiwu.field_board.naive")}</TableCell>
              <TableCell align="right">{translate("dabiwu.field_board.counts")}</TableCell>
              <TableCell>{translate("dabiwu.field_board.districts")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {versions.map((v) => (
              <TableRow key={v.version} data-testid="field-board-row" data-version={v.version} data-rank={v.rank}
                selected={highlight === v.version}>
                <TableCell>{v.rank}</TableCell>
                <TableCell>
                  <Link to={`/registry/${encodeURIComponent(slug)}/${v.version}`}>v{v.version}</Link> · {v.team}
                </TableCell>
                <TableCell align="right" data-testid="field-board-conversion" data-value={v.conversion}>{percent(v.conversion)}</TableCell>
                <TableCell align="right">{range(v.interval)}</TableCell>
                <TableCell align="right">{percent(v.naive_conversion)}</TableCell>
                <TableCell align="right">{`${v.confirmed} / ${v.rejected} / ${v.pending}`}</TableCell>
                <TableCell>
                  {Object.entries(v.by_district).map(([code, d]) => (
                    <Tooltip key={code} title={`${d.confirmed} / ${d.rejected} / ${d.pending}`}>
                      <Typography variant="caption" component="div" data-testid="field-board-district" data-district={code}>
                        {(locale === "zh" ? d.name_zh : d.name_en) || districtName(code)}: {percent(d.conversion)} ({range(d.interval)})
                      </Typography>
                    </Tooltip>
                  ))}
                  {!Object.keys(v.by_district).length && "—"}
                </TableCell>
              </TableRow>
            ))}
            {!versions.length && (
              <TableRow>
                <TableCell colSpan={7}>{translate("dabiwu.field_board.empty")}</TableCell>
              </TableRow>
            )}
          </TableBody>
        </Table>
      </Box>
      <Typography variant="caption" color="text.secondary">{translate("dabiwu.field_board.counts_help")}</Typography>
    </Box>
  );
}
