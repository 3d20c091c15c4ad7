import { Typography } from "@mui/material";
import { useLocaleState, useRecordContext, useTranslate, type TranslateFunction } from "react-admin";
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

/** The primary metric as people read it: `average_precision` with k=300 -> 平均精度（前300条）. */
export function metricLabel(metric: Challenge["metric"], translate: TranslateFunction): string {
  if (!metric?.primary) return "—";
  const name = translate(`dabiwu.metric.${metric.primary}`, { _: metric.primary });
  if (!metric.k) return name;
  // Metrics whose name already says "at K" read better with K inside the name.
  return translate(`dabiwu.metric_k.${metric.primary}`, { k: metric.k, _: translate("dabiwu.metric_at_k", { name, k: metric.k }) });
}

export function useMetricLabel() {
  const translate = useTranslate();
  return (metric: Challenge["metric"]) => metricLabel(metric, translate);
}

export function MetricField(_: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<Challenge>();
  const label = useMetricLabel();
  if (!record) return null;
  return (
    <Typography component="span" variant="body2" data-testid="challenge-metric" title={record.metric?.primary}>
      {label(record.metric)}
    </Typography>
  );
}

export function ChallengePageTitle() {
  const record = useRecordContext<Challenge>();
  const [locale] = useLocaleState();
  return <span>{record ? localized(record as unknown as Record<string, unknown>, "title", locale) : ""}</span>;
}
