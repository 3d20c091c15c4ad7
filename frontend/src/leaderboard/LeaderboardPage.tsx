import { Alert, Box, Button, Card, CardContent, Stack, Tab, Tabs, Typography } from "@mui/material";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import DownloadIcon from "@mui/icons-material/Download";
import { Title, useNotify, useTranslate } from "react-admin";
import { useNavigate, useParams } from "react-router-dom";
import { downloadWithToken } from "../api/download";
import { apiFetch, errorStatus, errorText } from "../api/http";
import { ScoreChart } from "../charts/lazy";
import { ChallengeSelect, useChallengeFromRoute } from "../common/ChallengeSelect";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { PhaseChip } from "../common/StatusChip";
import { formatScore } from "../common/text";
import type { LeaderboardRow } from "../common/types";
import { canSeePrivate, useRole } from "../common/usePermissionsRole";
import { metricLabel } from "../challenges/ChallengeFields";
import { FinalRanking } from "../judging/FinalRanking";
import { BoardTable } from "./BoardTable";
import { HistoryPanel } from "./HistoryPanel";
import { ShakeUpPanel } from "./ShakeUpPanel";
import { Pager } from "../common/Pager";

type Split = "public" | "private";
type TabName = Split | "history" | "shakeup" | "final";

export const BOARD_PAGE_SIZES = [25, 50, 100];

/**
 * One page of a board. The API pages with page/page_size and X-Total-Count; an older server
 * answers the whole board without the header, and then the page is cut here.
 */
function useBoard(slug: string, split: Split, page: number, perPage: number) {
  return useQuery({
    queryKey: ["leaderboard", slug, split, page, perPage],
    queryFn: async () => {
      const { json, headers } = await apiFetch<LeaderboardRow[]>(
        `/challenges/${encodeURIComponent(slug)}/leaderboard?split=${split}&page=${page + 1}&page_size=${perPage}`,
      );
      const rows = Array.isArray(json) ? json : [];
      const header = headers.get("X-Total-Count");
      if (header === null) return { rows: rows.slice(page * perPage, (page + 1) * perPage), total: rows.length };
      return { rows, total: Number(header) };
    },
    retry: false,
    placeholderData: keepPreviousData,
    refetchInterval: split === "public" ? 30_000 : false,
  });
}

function ExportCsv({ slug, split }: { slug: string; split: Split }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await downloadWithToken(`/challenges/${encodeURIComponent(slug)}/leaderboard.csv?split=${split}`, `${slug}-${split}-leaderboard.csv`);
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="small" startIcon={<DownloadIcon />} disabled={busy} onClick={() => void run()} data-testid={`export-${split}-board`}>
      {translate("dabiwu.leaderboard.export_csv")}
    </Button>
  );
}

function Board({
  slug,
  split,
  linkSubmissions,
  secondaryName,
}: {
  slug: string;
  split: Split;
  linkSubmissions: boolean;
  secondaryName?: string;
}) {
  const translate = useTranslate();
  const [page, setPage] = useState(0);
  const [perPage, setPerPage] = useState(100);
  const board = useBoard(slug, split, page, perPage);
  if (board.isPending) return <Loading />;
  if (board.isError) {
    if (split === "private" && errorStatus(board.error) === 403) {
      return (
        <Alert severity="info" data-testid="private-note">
          {translate("dabiwu.leaderboard.private_note")}
        </Alert>
      );
    }
    return <ErrorState error={board.error} />;
  }
  const { rows, total } = board.data;
  if (!rows.length && page === 0) return <EmptyState message={translate("dabiwu.leaderboard.empty")} testId={`${split}-board-empty`} />;
  const chartData = rows
    .filter((r) => typeof r.score === "number")
    .map((r) => {
      const score = r.score as number;
      const low = typeof r.ci_low === "number" ? r.ci_low : score;
      const high = typeof r.ci_high === "number" ? r.ci_high : score;
      return {
        team: r.team,
        score,
        error: [Math.max(0, score - low), Math.max(0, high - score)] as [number, number],
        ci: `[${formatScore(low)}, ${formatScore(high)}]`,
      };
    });
  return (
    <Stack spacing={2}>
      <BoardTable rows={rows} testId={`${split}-board`} linkSubmissions={linkSubmissions} secondaryName={secondaryName} />
      <Pager testId="board-pagination" total={total} page={page} pageSize={perPage} sizes={BOARD_PAGE_SIZES}
        onPage={setPage} onPageSize={setPerPage} />
      <Stack direction="row" alignItems="center" justifyContent="space-between" spacing={2} flexWrap="wrap" useFlexGap>
        <Typography variant="caption" color="text.secondary">
          {translate("dabiwu.leaderboard.ci_note")}
        </Typography>
        <ExportCsv slug={slug} split={split} />
      </Stack>
      {chartData.length > 0 && (
        <Box>
          <Typography variant="subtitle1">{translate("dabiwu.leaderboard.chart")}</Typography>
          <ScoreChart data={chartData} scoreLabel={translate("dabiwu.leaderboard.score")} />
        </Box>
      )}
    </Stack>
  );
}

export function LeaderboardPage() {
  const translate = useTranslate();
  const navigate = useNavigate();
  const role = useRole();
  const { slug } = useParams<{ slug?: string }>();
  const [tab, setTab] = useState<TabName>("public");
  const { challenges, current, currentSlug, isPending, error } = useChallengeFromRoute(slug);
  const finalized = current?.phase === "finalized";
  const privateVisible = canSeePrivate(role) || finalized;
  const secondary = current?.metric?.secondary;
  const secondaryName = Array.isArray(secondary) ? secondary[0] : (secondary ?? undefined);

  return (
    <Box sx={{ mt: 2 }} data-testid="leaderboard-page">
      <Title title={translate("dabiwu.menu.leaderboard")} />
      <Card>
        <CardContent>
          {isPending ? (
            <Loading />
          ) : error ? (
            <ErrorState error={error} />
          ) : !challenges.length ? (
            <EmptyState message={translate("dabiwu.challenge.empty")} />
          ) : (
            <Stack spacing={2}>
              <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap" useFlexGap>
                <ChallengeSelect
                  challenges={challenges}
                  value={currentSlug}
                  onChange={(next) => navigate(`/leaderboard/${next}`)}
                  label={translate("dabiwu.leaderboard.choose_challenge")}
                  testId="leaderboard-challenge-select"
                />
                {current && <PhaseChip phase={current.phase} />}
                {current && (
                  <Typography variant="body2" color="text.secondary">
                    {translate("dabiwu.challenge.metric")}: <span data-testid="challenge-metric">{metricLabel(current.metric, translate)}</span>
                  </Typography>
                )}
              </Stack>
              {!current ? (
                <Alert severity="error">{translate("dabiwu.upload.unknown_challenge", { slug: slug ?? "" })}</Alert>
              ) : (
                <>
                  <Tabs value={tab} onChange={(_, value: TabName) => setTab(value)} variant="scrollable">
                    <Tab value="public" label={translate("dabiwu.leaderboard.public")} data-testid="tab-public" />
                    <Tab value="private" label={translate("dabiwu.leaderboard.private")} data-testid="tab-private" />
                    <Tab value="history" label={translate("dabiwu.leaderboard.history")} data-testid="tab-history" />
                    {privateVisible && <Tab value="shakeup" label={translate("dabiwu.leaderboard.shake_up")} data-testid="tab-shakeup" />}
                    {finalized && <Tab value="final" label={translate("dabiwu.judging.final_ranking")} data-testid="tab-final" />}
                  </Tabs>
                  {tab === "history" ? (
                    <HistoryPanel key={`${currentSlug}-history`} slug={currentSlug} />
                  ) : tab === "shakeup" && privateVisible ? (
                    <ShakeUpPanel key={`${currentSlug}-shakeup`} slug={currentSlug} finalized={finalized} />
                  ) : tab === "final" && finalized ? (
                    <FinalRanking key={`${currentSlug}-final`} slug={currentSlug} finalized />
                  ) : tab === "public" || tab === "shakeup" || tab === "final" ? (
                    <Board key={`${currentSlug}-public`} slug={currentSlug} split="public" linkSubmissions={canSeePrivate(role)} secondaryName={secondaryName} />
                  ) : privateVisible ? (
                    <Board key={`${currentSlug}-private`} slug={currentSlug} split="private" linkSubmissions={canSeePrivate(role)} secondaryName={secondaryName} />
                  ) : (
                    <Alert severity="info" data-testid="private-note">
                      {translate("dabiwu.leaderboard.private_note")}
                    </Alert>
                  )}
                </>
              )}
            </Stack>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
