import {
  Box,
  Button,
  Divider,
  Grid,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableRow,
  Typography,
} from "@mui/material";
import CloudUploadIcon from "@mui/icons-material/CloudUpload";
import LeaderboardIcon from "@mui/icons-material/Leaderboard";
import ListAltIcon from "@mui/icons-material/ListAlt";
import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { Show, useLocaleState, useRecordContext, useTranslate } from "react-admin";
import { useFormatDateTime } from "../common/dates";
import { Markdown } from "../common/Markdown";
import { Section } from "../common/Section";
import { Loading } from "../common/States";
import { PhaseChip } from "../common/StatusChip";
import { localized, pickLang } from "../common/text";
import type { Challenge } from "../common/types";
import { canDownloadData, useRole } from "../common/usePermissionsRole";
import { ChallengePageTitle, metricLabel } from "./ChallengeFields";
import { PhaseCountdown } from "./Countdown";
import { DataDictionary } from "./DataDictionary";
import { DownloadButtons } from "./DownloadButtons";

function KeyValues({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <Table size="small">
      <TableBody>
        {rows.map(([key, value]) => (
          <TableRow key={key}>
            <TableCell sx={{ color: "text.secondary", width: "45%" }}>{key}</TableCell>
            <TableCell>{value ?? "—"}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ChallengeDetail() {
  const challenge = useRecordContext<Challenge>();
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const format = useFormatDateTime();
  const role = useRole();
  if (!challenge) return <Loading />;
  const record = challenge as unknown as Record<string, unknown>;
  const slug = challenge.slug;
  const limits = challenge.limits;
  const secondary = challenge.metric.secondary;

  return (
    <Box sx={{ p: 2 }} data-testid="challenge-detail" data-slug={slug}>
      <Stack direction={{ xs: "column", md: "row" }} spacing={2} justifyContent="space-between" alignItems={{ md: "center" }}>
        <Box>
          <Typography variant="h5" data-testid="challenge-heading">
            {localized(record, "title", locale)}
          </Typography>
          <Stack direction="row" spacing={1} alignItems="center" sx={{ mt: 1 }} flexWrap="wrap" useFlexGap>
            <PhaseChip phase={challenge.phase} />
            <Typography variant="body2" color="text.secondary" sx={{ fontFamily: "monospace" }}>
              {slug}
            </Typography>
          </Stack>
        </Box>
        <PhaseCountdown challenge={challenge} />
      </Stack>

      <Stack direction="row" spacing={1} sx={{ my: 2 }} flexWrap="wrap" useFlexGap>
        {role === "team" && (
          <Button component={Link} to={`/submit/${slug}`} variant="contained" startIcon={<CloudUploadIcon />} data-testid="goto-upload">
            {translate("dabiwu.challenge.submit")}
          </Button>
        )}
        <Button component={Link} to={`/leaderboard/${slug}`} variant="outlined" startIcon={<LeaderboardIcon />} data-testid="goto-leaderboard">
          {translate("dabiwu.challenge.leaderboard")}
        </Button>
        {role !== "district" && (
          <Button
            component={Link}
            to={`/submissions?filter=${encodeURIComponent(JSON.stringify({ challenge: slug }))}`}
            variant="outlined"
            startIcon={<ListAltIcon />}
            data-testid="goto-submissions"
          >
            {translate(role === "team" ? "dabiwu.menu.my_submissions" : "dabiwu.menu.submissions")}
          </Button>
        )}
      </Stack>

      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 8 }}>
          <Stack spacing={2}>
            {pickLang(challenge.supervision_point, locale) && (
              <Section title={translate("dabiwu.challenge.supervision_point")}>
                <Typography>{pickLang(challenge.supervision_point, locale)}</Typography>
              </Section>
            )}
            {localized(record, "description", locale) && (
              <Section title={translate("dabiwu.challenge.description")}>
                <Typography sx={{ whiteSpace: "pre-wrap" }}>{localized(record, "description", locale)}</Typography>
              </Section>
            )}
            <Section title={translate("dabiwu.challenge.readme")} testId="challenge-readme">
              {challenge.readme ? (
                <Markdown source={challenge.readme} />
              ) : (
                <Typography color="text.secondary">{translate("dabiwu.challenge.no_readme")}</Typography>
              )}
            </Section>
            <Section title={translate("dabiwu.challenge.data_dictionary")}>
              <DataDictionary challenge={challenge} />
            </Section>
          </Stack>
        </Grid>
        <Grid size={{ xs: 12, md: 4 }}>
          <Stack spacing={2}>
            {canDownloadData(role) && (
              <Section title={translate("dabiwu.challenge.downloads")} testId="challenge-downloads">
                <DownloadButtons slug={slug} />
              </Section>
            )}
            <Section title={translate("dabiwu.challenge.schedule")}>
              <KeyValues
                rows={[
                  [translate("dabiwu.challenge.open"), format(challenge.phases.open)],
                  [translate("dabiwu.challenge.close"), format(challenge.phases.close)],
                  [translate("dabiwu.challenge.merger_deadline"), format(challenge.phases.merger_deadline)],
                ]}
              />
              <Typography variant="caption" color="text.secondary">
                {translate("dabiwu.common.beijing_time")}
              </Typography>
            </Section>
            <Section title={translate("dabiwu.challenge.evaluation")}>
              <KeyValues
                rows={[
                  [translate("dabiwu.challenge.metric"), <span key="m" data-testid="challenge-metric">{metricLabel(challenge.metric, translate)}</span>],
                  [
                    translate("dabiwu.challenge.secondary_metrics"),
                    Array.isArray(secondary) ? secondary.join(", ") : (secondary ?? "—"),
                  ],
                  [translate("dabiwu.challenge.dataset_version"), challenge.dataset_version ?? "—"],
                  [translate("dabiwu.challenge.runtime"), <span key="r" data-testid="challenge-runtime">{challenge.runtime || "—"}</span>],
                  [translate("dabiwu.challenge.train_rows"), challenge.train_rows?.toLocaleString() ?? "—"],
                  [translate("dabiwu.challenge.test_rows"), challenge.test_rows?.toLocaleString() ?? "—"],
                ]}
              />
            </Section>
            <Section title={translate("dabiwu.challenge.limits")}>
              <KeyValues
                rows={(["daily_submissions", "max_model_mb", "time_limit_s", "memory_mb", "team_size", "final_selections"] as const).map(
                  (key) => [translate(`dabiwu.challenge.limit.${key}`), limits[key] ?? "—"],
                )}
              />
            </Section>
            {!!challenge.rubric.length && (
              <Section title={translate("dabiwu.challenge.rubric")}>
                <KeyValues
                  rows={challenge.rubric.map((item) => [
                    (locale === "zh" ? item.zh || item.en : item.en || item.zh) ?? item.key,
                    item.weight === undefined ? "—" : item.weight <= 1 ? `${Math.round(item.weight * 100)}%` : String(item.weight),
                  ])}
                />
              </Section>
            )}
          </Stack>
        </Grid>
      </Grid>
      <Divider sx={{ mt: 2 }} />
    </Box>
  );
}

export function ChallengeShow() {
  return (
    <Show title={<ChallengePageTitle />} actions={false}>
      <ChallengeDetail />
    </Show>
  );
}
