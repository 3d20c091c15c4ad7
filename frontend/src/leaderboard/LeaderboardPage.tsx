import { Alert, Box, Button, Card, CardContent, MenuItem, Stack, Tab, Tabs, TextField, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import DownloadIcon from "@mui/icons-material/Download";
import { Title, useGetList, useLocaleState, useNotify, useTranslate } from "react-admin";
import { useNavigate, useParams } from "react-router-dom";
import { downloadWithToken } from "../api/download";
import { apiGet, errorStatus, errorText } from "../api/http";
import { ScoreChart } from "../charts/lazy";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { PhaseChip } from "../common/StatusChip";
import { formatScore, localized } from "../common/text";
import type { Challenge, LeaderboardRow } from "../common/types";
import { canSeePrivate, useRole } from "../common/usePermissionsRole";
import { metricLabel } from "../challenges/ChallengeFields";
import { BoardTable } from "./BoardTable";

type Split = "public" | "private";

function useBoard(slug: string, split: Split, enabled: boolean) {
  return useQuery({
    queryKey: ["leaderboard", slug, split],
    queryFn: () => apiGet<LeaderboardRow[]>(`/challenges/${encodeURIComponent(slug)}/leaderboard?split=${split}`),
    enabled,
    retry: false,
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
  const board = useBoard(slug, split, true);
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
  const rows = board.data ?? [];
  if (!rows.length) return <EmptyState message={translate("dabiwu.leaderboard.empty")} testId={`${split}-board-empty`} />;
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
      <Stack direction="row" alignItems="center" justifyContent="space-between" spacing={2}>
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
  const [locale] = useLocaleState();
  const navigate = useNavigate();
  const role = useRole();
  const { slug } = useParams<{ slug?: string }>();
  const [tab, setTab] = useState<Split>("public");
  const { data, isPending, error } = useGetList<Challenge>("challenges", { pagination: { page: 1, perPage: 100 } });
  const challenges = data ?? [];
  const current = challenges.find((c) => (c.slug ?? c.id) === slug) ?? (slug ? undefined : challenges[0]);
  const currentSlug = current ? (current.slug ?? current.id) : "";
  const privateVisible = canSeePrivate(role) || current?.phase === "finalized";
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
                <TextField
                  select
                  size="small"
                  label={translate("dabiwu.leaderboard.choose_challenge")}
                  value={currentSlug}
                  onChange={(e) => navigate(`/leaderboard/${e.target.value}`)}
                  slotProps={{ htmlInput: { "data-testid": "leaderboard-challenge-select" } }}
                  sx={{ minWidth: 320 }}
                >
                  {challenges.map((c) => (
                    <MenuItem key={c.id} value={c.slug ?? c.id}>
                      {localized(c as unknown as Record<string, unknown>, "title", locale)}
                    </MenuItem>
                  ))}
                </TextField>
                {current && <PhaseChip phase={current.phase} />}
                {current && (
                  <Typography variant="body2" color="text.secondary">
                    {translate("dabiwu.challenge.metric")}: <code>{metricLabel(current.metric)}</code>
                  </Typography>
                )}
              </Stack>
              {!current ? (
                <Alert severity="error">{translate("dabiwu.upload.unknown_challenge", { slug: slug ?? "" })}</Alert>
              ) : (
                <>
                  <Tabs value={tab} onChange={(_, value: Split) => setTab(value)}>
                    <Tab value="public" label={translate("dabiwu.leaderboard.public")} data-testid="tab-public" />
                    <Tab value="private" label={translate("dabiwu.leaderboard.private")} data-testid="tab-private" />
                  </Tabs>
                  {tab === "public" ? (
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
