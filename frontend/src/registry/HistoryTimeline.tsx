import { Box, Chip, Stack, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useTranslate } from "react-admin";
import { apiGet } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { ErrorState, Loading } from "../common/States";
import type { RegistryEvent } from "./types";

const COLOR: Record<RegistryEvent["kind"], "primary" | "success" | "default" | "warning" | "error"> = {
  promoted: "success", delisted: "default", alias_moved: "primary", gates_passed: "success", gates_refused: "warning",
};

/** The model's history (newest first): who moved the champion, listed, delisted, and what the gates said. */
export function HistoryTimeline({ slug }: { slug: string }) {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const history = useQuery({
    queryKey: ["registry-history", slug],
    queryFn: () => apiGet<RegistryEvent[]>(`/registry/models/${encodeURIComponent(slug)}/history?page_size=50`),
    retry: false,
  });
  if (history.isPending) return <Loading />;
  if (history.isError) return <ErrorState error={history.error} />;
  if (history.data.length === 0) {
    return <Typography variant="body2" color="text.secondary">{translate("dabiwu.history.empty")}</Typography>;
  }
  const v = (n: number | null) => (n === null ? "—" : translate("dabiwu.history.version", { version: n }));
  return (
    <Stack component="ol" spacing={1.5} data-testid="history-timeline" sx={{ listStyle: "none", p: 0, m: 0 }}>
      {history.data.map((e) => (
        <Box component="li" key={e.id} data-testid="history-event" data-kind={e.kind} data-version={e.version ?? ""}
          sx={{ borderLeft: 3, borderColor: "divider", pl: 1.5 }}>
          <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap>
            <Typography variant="caption" color="text.secondary" sx={{ whiteSpace: "nowrap" }}>{format(e.at, true)}</Typography>
            <Chip size="small" color={COLOR[e.kind]} label={translate(`dabiwu.history.kinds.${e.kind}`)} />
            <Typography variant="body2">
              {e.kind === "alias_moved"
                ? translate("dabiwu.history.moved", { alias: e.alias ?? "", from: v(e.previous_version), to: v(e.version) })
                : e.kind === "gates_refused"
                  ? translate("dabiwu.history.refused", { submission: (e.detail.submission_id ?? "").slice(0, 8) })
                  : v(e.version)}
            </Typography>
            <Typography variant="caption" color="text.secondary">{translate("dabiwu.history.by", { actor: e.actor })}</Typography>
          </Stack>
          {e.reason && e.kind !== "gates_refused" && <Typography variant="body2" sx={{ wordBreak: "break-word" }}>{e.reason}</Typography>}
          {e.submission_id && (
            <Typography variant="caption" color="text.secondary" component="div" sx={{ wordBreak: "break-all" }} data-testid="history-lineage">
              {translate("dabiwu.history.lineage", {
                team: e.team ?? "—", submission: e.submission_id.slice(0, 8), dataset: e.dataset_version ?? "—",
                scorer: e.scorer_version ?? "—", runtime: e.runtime ?? "—",
              })}
              {e.model_sha256 ? ` · sha256 ${e.model_sha256.slice(0, 12)}…` : ""}
            </Typography>
          )}
        </Box>
      ))}
    </Stack>
  );
}
