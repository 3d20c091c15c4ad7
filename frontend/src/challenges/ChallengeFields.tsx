import { Typography } from "@mui/material";
import { useLocaleState, useRecordContext } from "react-admin";
import { PhaseChip } from "../common/StatusChip";
import { localized } from "../common/text";
import type { Challenge } from "../common/types";

export function ChallengeTitleField(_: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<Challenge>();
  const [locale] = useLocaleState();
  if (!record) return null;
  return (
    <Typography component="span" variant="body2" data-testid="challenge-title" data-slug={record.slug} sx={{ fontWeight: 500 }}>
      {localized(record as unknown as Record<string, unknown>, "title", locale)}
    </Typography>
  );
}

export function PhaseField(_: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<Challenge>();
  return record ? <PhaseChip phase={record.phase} /> : null;
}

export function metricLabel(metric: Challenge["metric"]): string {
  if (!metric?.primary) return "—";
  return metric.k ? `${metric.primary} @${metric.k}` : metric.primary;
}

export function MetricField(_: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<Challenge>();
  if (!record) return null;
  return (
    <Typography component="span" variant="body2" sx={{ fontFamily: "monospace" }}>
      {metricLabel(record.metric)}
    </Typography>
  );
}

export function ChallengePageTitle() {
  const record = useRecordContext<Challenge>();
  const [locale] = useLocaleState();
  return <span>{record ? localized(record as unknown as Record<string, unknown>, "title", locale) : ""}</span>;
}
