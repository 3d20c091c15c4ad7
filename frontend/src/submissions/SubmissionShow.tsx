import { Alert, Box, Button, Card, CardContent, Grid, Stack, Table, TableBody, TableCell, TableRow, Typography } from "@mui/material";
import LeaderboardIcon from "@mui/icons-material/Leaderboard";
import type { ReactNode } from "react";
import { Show, useRecordContext, useShowContext, useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { isTerminal } from "../api/events";
import { useFormatDateTime } from "../common/dates";
import { Loading } from "../common/States";
import { StatusChip } from "../common/StatusChip";
import { formatBytes, formatScore, nameOf } from "../common/text";
import type { Submission } from "../common/types";
import { useRole } from "../common/usePermissionsRole";
import { FinalToggle } from "./FinalToggle";
import { MetricsPanel } from "./MetricsPanel";
import { RescoreButton } from "./RescoreButton";
import { PromoteButton } from "../registry/PromoteButton";
import { localizedField } from "../api/messages";
import { useChallengeBySlug } from "../common/useChallengeTitles";
import { useLiveSubmission } from "./useLiveSubmission";

function SubmissionTitle() {
  const record = useRecordContext<Submission>();
  const translate = useTranslate();
  return <span>{translate("dabiwu.submission.title", { id: record ? String(record.id).slice(0, 8) : "" })}</span>;
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <TableRow>
      <TableCell sx={{ color: "text.secondary", width: "35%" }}>{label}</TableCell>
      <TableCell>{children}</TableCell>
    </TableRow>
  );
}

function SubmissionDetail() {
  const submission = useRecordContext<Submission>();
  const { refetch } = useShowContext<Submission>();
  const translate = useTranslate();
  const format = useFormatDateTime();
  const role = useRole();
  const live = useLiveSubmission(submission?.id, submission?.status, () => void refetch());
  const challengeOf = useChallengeBySlug(submission ? submission.challenge : undefined);
  if (!submission) return <Loading />;

  const status = live.status ?? submission.status;
  const slug = submission.challenge;
  const challenge = challengeOf;
  const error = localizedField(live.error ? live : submission, "error");
  const queuePosition = live.queue_position ?? submission.queue_position;
  const eta = live.eta_seconds ?? submission.eta_seconds;
  const failed = status === "failed" || status === "rejected";

  return (
    <Box sx={{ p: 2 }} data-testid="submission-detail" data-status={status}>
      <Stack direction="row" spacing={2} alignItems="center" sx={{ mb: 2 }} flexWrap="wrap" useFlexGap>
        <StatusChip status={status} testId="submission-status" />
        {!isTerminal(status) && (
          <Typography variant="body2" color="text.secondary" data-testid="submission-queue">
            {queuePosition !== null && queuePosition !== undefined
              ? translate("dabiwu.submission.queue_position", { position: queuePosition })
              : translate("dabiwu.submission.live")}
            {eta !== null && eta !== undefined ? ` · ${translate("dabiwu.submission.eta", { seconds: Math.round(Number(eta)) })}` : ""}
          </Typography>
        )}
        <Box sx={{ flex: 1 }} />
        {role === "team" && <FinalToggle submission={submission} />}
        {role === "admin" && <RescoreButton id={String(submission.id)} onDone={() => void refetch()} />}
        {(role === "admin" || role === "judge") && status === "scored" && !submission.disqualified_reason && (
          <PromoteButton submissionId={String(submission.id)} finalized={challenge?.phase === "finalized"} onDone={() => void refetch()} />
        )}
        {slug && (
          <Button component={Link} to={`/leaderboard/${slug}`} size="small" startIcon={<LeaderboardIcon />}>
            {translate("dabiwu.challenge.leaderboard")}
          </Button>
        )}
      </Stack>

      {failed && (
        <Alert severity={status === "rejected" ? "warning" : "error"} sx={{ mb: 2 }} data-testid="submission-error">
          {error || translate("dabiwu.submission.no_error_text")}
          {submission.error_kind && (
            <Typography component="span" variant="caption" sx={{ ml: 1, fontFamily: "monospace" }}>
              [{submission.error_kind}]
            </Typography>
          )}
        </Alert>
      )}
      {submission.model_expired_at && (
        <Alert severity="info" sx={{ mb: 2 }} data-testid="submission-model-expired">
          {translate("dabiwu.submission.model_expired", { date: submission.model_expired_at.slice(0, 10) })}
        </Alert>
      )}
      {submission.disqualified_reason && (
        <Alert severity="error" sx={{ mb: 2 }} data-testid="submission-disqualified">
          {translate("dabiwu.submission.disqualified", { reason: submission.disqualified_reason })}
        </Alert>
      )}
      {failed && submission.log_tail && (
        <Card variant="outlined" sx={{ mb: 2 }}>
          <CardContent>
            <Typography variant="h6" gutterBottom>
              {translate("dabiwu.submission.log_tail")}
            </Typography>
            <Box
              component="pre"
              data-testid="log-tail"
              sx={{
                fontFamily: "monospace",
                fontSize: 12,
                whiteSpace: "pre-wrap",
                wordBreak: "break-all",
                bgcolor: "grey.900",
                color: "grey.100",
                p: 1.5,
                borderRadius: 1,
                maxHeight: 400,
                overflow: "auto",
                m: 0,
              }}
            >
              {submission.log_tail}
            </Box>
          </CardContent>
        </Card>
      )}

      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 5 }}>
          <Card variant="outlined">
            <CardContent>
              <Table size="small">
                <TableBody>
                  <Row label={translate("dabiwu.submission.id")}>
                    <code>{submission.id}</code>
                  </Row>
                  <Row label={translate("dabiwu.submission.challenge")}>
                    {slug ? <Link to={`/challenges/${encodeURIComponent(slug)}/show`}>{slug}</Link> : "—"}
                  </Row>
                  <Row label={translate("dabiwu.submission.team")}>{nameOf(submission.team) || "—"}</Row>
                  <Row label={translate("dabiwu.submission.public_score")}>
                    <span data-testid="submission-public-score">{formatScore(submission.public_score)}</span>
                  </Row>
                  <Row label={translate("dabiwu.submission.private_score")}>
                    {submission.private_score === null || submission.private_score === undefined
                      ? translate("dabiwu.submission.private_hidden")
                      : formatScore(submission.private_score)}
                  </Row>
                  <Row label={translate("dabiwu.submission.filename")}>{submission.filename || "—"}</Row>
                  <Row label={translate("dabiwu.submission.size")}>{formatBytes(submission.size_bytes)}</Row>
                  <Row label="sha256">
                    <Typography component="code" variant="caption" sx={{ wordBreak: "break-all" }}>
                      {submission.sha256 || "—"}
                    </Typography>
                  </Row>
                  {submission.description ? (
                    <Row label={translate("dabiwu.submission.description")}>{submission.description}</Row>
                  ) : null}
                  <Row label={translate("dabiwu.submission.created_at")}>{format(submission.created_at, true)}</Row>
                  <Row label={translate("dabiwu.submission.scored_at")}>{format(submission.scored_at, true)}</Row>
                </TableBody>
              </Table>
            </CardContent>
          </Card>
        </Grid>
        <Grid size={{ xs: 12, md: 7 }}>
          {status === "scored" ? (
            <MetricsPanel metrics={submission.metrics} />
          ) : (
            <Typography color="text.secondary" sx={{ p: 2 }}>
              {isTerminal(status) ? translate("dabiwu.submission.no_metrics") : translate("dabiwu.submission.metrics_pending")}
            </Typography>
          )}
        </Grid>
      </Grid>
    </Box>
  );
}

export function SubmissionShow() {
  return (
    <Show title={<SubmissionTitle />} actions={false}>
      <SubmissionDetail />
    </Show>
  );
}
