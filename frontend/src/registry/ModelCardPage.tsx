import {
  Alert, Box, Card, CardContent, Chip, Grid, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography,
} from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Title, useLocaleState, useTranslate } from "react-admin";
import { Link, useParams } from "react-router-dom";
import { apiGet } from "../api/http";
import { CopyBlock } from "../common/CopyBlock";
import { useFormatDateTime } from "../common/dates";
import { Markdown } from "../common/Markdown";
import { useChallengeTitles, useDistrictNames } from "../common/useChallengeTitles";
import { useRole } from "../common/usePermissionsRole";
import { DelistButton } from "./DelistButton";
import { FieldBoardPanel, useFieldBoard } from "../leads/FieldBoardPanel";
import { FieldPrecisionChart } from "../leads/FieldPrecisionChart";
import { HistoryTimeline } from "./HistoryTimeline";
import { ErrorState, Loading } from "../common/States";
import { formatScore } from "../common/text";
import { percent, type VersionDetail } from "./types";

function Stat({ label, value, testId, data }: { label: string; value: ReactNode; testId: string; data?: string | number | null }) {
  return (
    <Card variant="outlined" sx={{ height: "100%" }}>
      <CardContent>
        <Typography variant="body2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h5" data-testid={testId} data-value={data ?? ""}>
          {value}
        </Typography>
      </CardContent>
    </Card>
  );
}

/** Field precision of this version by month of outcome, against its contest interval (#17). */
function FieldOverTime({ slug, version }: { slug: string; version: number }) {
  const translate = useTranslate();
  const board = useFieldBoard(slug);
  const entry = board.data?.versions.find((v) => v.version === version);
  return (
    <Box data-testid="field-over-time">
      <Typography variant="h6">{translate("dabiwu.field_board.chart_title")}</Typography>
      {entry ? <FieldPrecisionChart points={entry.by_month} band={entry.contest.interval} /> : board.isPending ? null : (
        <Typography variant="body2" color="text.secondary">{translate("dabiwu.field_board.chart_empty")}</Typography>
      )}
    </Box>
  );
}

/** One listed version: its card, contest scores, adoption by districts and precision in the field. */
export function ModelCardPage() {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const { slug = "", version = "" } = useParams<{ slug: string; version: string }>();
  const title = useChallengeTitles();
  const role = useRole();
  const districtName = useDistrictNames();
  const [locale] = useLocaleState();
  const detail = useQuery({
    queryKey: ["registry-version", slug, version],
    queryFn: () => apiGet<VersionDetail>(`/registry/models/${encodeURIComponent(slug)}/versions/${encodeURIComponent(version)}`),
    retry: false,
  });

  let body;
  if (detail.isPending) body = <Loading />;
  else if (detail.isError) body = <ErrorState error={detail.error} />;
  else {
    const d = detail.data;
    const ci = d.private_ci && d.private_ci[0] !== null ? ` [${formatScore(d.private_ci[0])}, ${formatScore(d.private_ci[1])}]` : "";
    const districts = Object.entries(d.field.by_district ?? {});
    body = (
      <Stack spacing={2} data-testid="model-card" data-name={d.registered_model} data-version={d.version}>
        <Stack direction="row" spacing={1} alignItems="center" flexWrap="wrap" useFlexGap>
          <Typography variant="h5" data-testid="model-card-title">
            {translate("dabiwu.registry.card_title", { title: title(slug), version: d.version })}
          </Typography>
          <Typography variant="caption" color="text.secondary" sx={{ fontFamily: "monospace" }}>
            {d.registered_model}
          </Typography>
          {d.is_champion && <Chip color="primary" size="small" label={translate("dabiwu.registry.champion")} />}
          {!d.listed && <Chip color="default" size="small" label={translate("dabiwu.registry.delisted")} />}
          {d.override && <Chip color="warning" size="small" variant="outlined" label={translate("dabiwu.registry.override")} />}
          {d.listed && (role === "judge" || role === "admin") && (
            <DelistButton slug={slug} version={d.version} title={title(slug)} onDone={() => void detail.refetch()} />
          )}
        </Stack>
        <Typography variant="body2" color="text.secondary">
          {translate("dabiwu.registry.card_line", { team: d.team, by: d.approved_by ?? "—", at: format(d.promoted_at) })}
          {d.reason ? ` · ${d.reason}` : ""}
        </Typography>
        <Grid container spacing={2}>
          <Grid size={{ xs: 6, md: 3 }}>
            <Stat label={`${translate("dabiwu.submission.private_score")} (${translate(`dabiwu.metric.${d.primary_metric}`, { _: d.primary_metric })})`}
              value={<>{formatScore(d.private_score)}<Typography component="span" variant="caption">{ci}</Typography></>} testId="card-private-score" data={d.private_score} />
          </Grid>
          <Grid size={{ xs: 6, md: 3 }}>
            <Stat label={translate("dabiwu.registry.pulls")} value={d.adoption.pulls} testId="adoption-pulls" data={d.adoption.pulls} />
          </Grid>
          <Grid size={{ xs: 6, md: 3 }}>
            <Stat label={translate("dabiwu.registry.leads_reported")} value={`${d.adoption.cases_made} / ${d.adoption.leads_reported}`} testId="leads-reported" data={d.adoption.leads_reported} />
          </Grid>
          <Grid size={{ xs: 6, md: 3 }}>
            <Stat label={translate("dabiwu.registry.field_precision")} value={percent(d.field_precision)} testId="field-precision" data={d.field_precision} />
          </Grid>
        </Grid>
        <Typography variant="body2" data-testid="adoption-districts" data-count={d.adoption.districts.length}>
          {translate("dabiwu.registry.adopted_by")}: {d.adoption.districts.length ? d.adoption.districts.map(districtName).join("、") : "—"}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {translate("dabiwu.registry.cases_made_help", { confirmed: d.field.confirmed, rejected: d.field.rejected, pending: d.field.pending })}
        </Typography>
        {d.drift === true && (
          <Alert severity="warning" data-testid="drift-flag" data-drift="true">
            {translate("dabiwu.registry.drift", { contest: percent(d.field.contest?.precision_at_k) })}
          </Alert>
        )}
        {d.drift === false && (
          <Alert severity="success" data-testid="drift-flag" data-drift="false">
            {translate("dabiwu.registry.no_drift")}
          </Alert>
        )}
        {d.drift === null && (
          <Typography variant="body2" color="text.secondary" data-testid="drift-flag" data-drift="">
            {translate("dabiwu.registry.drift_unknown")}
          </Typography>
        )}
        {districts.length > 0 && (
          <Table size="small" data-testid="field-table">
            <TableHead>
              <TableRow>
                <TableCell>{translate("dabiwu.submission.district")}</TableCell>
                <TableCell align="right">{translate("dabiwu.registry.confirmed")}</TableCell>
                <TableCell align="right">{translate("dabiwu.registry.rejected")}</TableCell>
                <TableCell align="right">{translate("dabiwu.registry.pending")}</TableCell>
                <TableCell align="right">{translate("dabiwu.registry.field_precision")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {districts.map(([code, t]) => (
                <TableRow key={code} data-testid="field-row" data-district={code}>
                  <TableCell>{locale === "zh" ? t.name_zh || districtName(code) : districtName(code)}</TableCell>
                  <TableCell align="right">{t.confirmed}</TableCell>
                  <TableCell align="right">{t.rejected}</TableCell>
                  <TableCell align="right">{t.pending}</TableCell>
                  <TableCell align="right">{percent(t.field_precision)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        <FieldOverTime slug={slug} version={d.version} />
        <FieldBoardPanel slug={slug} highlight={d.version} />
        <Typography variant="h6">{translate("dabiwu.registry.pull")}</Typography>
        <CopyBlock text={`dabiwu pull ${d.registered_model}/${d.version} --out ./model\n# mlflow: ${d.pull_uri}`} testId="pull-uri" />
        <Typography variant="h6">{translate("dabiwu.registry.model_card")}</Typography>
        <Box data-testid="model-card-text" sx={{ border: 1, borderColor: "divider", borderRadius: 1, p: 2 }}>
          <Markdown source={d.model_card || translate("dabiwu.registry.no_card")} />
        </Box>
        <Typography variant="caption" color="text.secondary" sx={{ fontFamily: "monospace", wordBreak: "break-all" }}>
          sha256 {d.model_sha256}
        </Typography>
        <Typography variant="body2" data-testid="model-runtime">
          {translate("dabiwu.challenge.runtime")}: {d.runtime || "—"}
        </Typography>
        <Typography variant="h6">{translate("dabiwu.history.title")}</Typography>
        <HistoryTimeline slug={d.registered_model} />
      </Stack>
    );
  }
  return (
    <Box sx={{ mt: 2 }}>
      <Title title={translate("dabiwu.registry.model_card")} />
      <Card>
        <CardContent>
          <Box sx={{ mb: 1 }}>
            <Link to="/registry">← {translate("dabiwu.menu.registry")}</Link>
          </Box>
          {body}
        </CardContent>
      </Card>
    </Box>
  );
}
