import { Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useLocaleState, useTranslate } from "react-admin";
import { apiGet } from "../api/http";
import { HistoryChart } from "../charts/lazy";
import type { HistorySeries } from "../charts/HistoryChart";
import { EmptyState, ErrorState, Loading } from "../common/States";

export function HistoryPanel({ slug }: { slug: string }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const history = useQuery({
    queryKey: ["history", slug],
    queryFn: () => apiGet<HistorySeries[]>(`/challenges/${encodeURIComponent(slug)}/history`),
    retry: false,
  });
  if (history.isPending) return <Loading />;
  if (history.isError) return <ErrorState error={history.error} />;
  const series = (history.data ?? []).filter((s) => s.points.length > 0);
  if (!series.length) return <EmptyState message={translate("dabiwu.leaderboard.history_empty")} testId="history-empty" />;
  return (
    <>
      <Typography variant="body2" color="text.secondary">
        {translate("dabiwu.leaderboard.history_help")}
      </Typography>
      <HistoryChart series={series} locale={locale} scoreLabel={translate("dabiwu.leaderboard.best_score")} />
    </>
  );
}
