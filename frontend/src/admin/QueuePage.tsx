import { Alert, Box, Card, Chip, CardContent, Grid, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { Title, useTranslate } from "react-admin";
import { apiGet, errorStatus } from "../api/http";
import { parseApiDate, useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import type { Schemas } from "../common/types";

type QueueState = Schemas["QueueOut"];

function Stat({ label, value, testId, color }: { label: string; value: number; testId: string; color?: string }) {
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="body2" color="text.secondary">
          {label}
        </Typography>
        <Typography variant="h4" data-testid={testId} sx={{ color }}>
          {value}
        </Typography>
      </CardContent>
    </Card>
  );
}

export function QueuePage() {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const queue = useQuery({
    queryKey: ["admin-queue"],
    queryFn: () => apiGet<QueueState>("/admin/queue"),
    retry: false,
    refetchInterval: (query) => (query.state.error ? false : 5000),
  });

  let body;
  if (queue.isPending) body = <Loading />;
  else if (queue.isError)
    body =
      errorStatus(queue.error) === 404 ? (
        <Alert severity="info" data-testid="queue-unavailable">
          {translate("dabiwu.admin.queue_unavailable")}
        </Alert>
      ) : (
        <ErrorState error={queue.error} />
      );
  else {
    const data = queue.data;
    const now = Date.now();
    body = (
      <Box data-testid="queue-dashboard">
        <Grid container spacing={2} sx={{ mb: 2 }}>
          <Grid size={{ xs: 12, sm: 4, md: 2.4 }}>
            <Stat label={translate("dabiwu.admin.queued")} value={data.queued} testId="queue-queued" />
          </Grid>
          <Grid size={{ xs: 12, sm: 4, md: 2.4 }}>
            <Stat label={translate("dabiwu.admin.running")} value={data.running} testId="queue-running" />
          </Grid>
          <Grid size={{ xs: 12, sm: 4, md: 2.4 }}>
            <Stat
              label={translate("dabiwu.admin.stuck")}
              value={data.stuck}
              testId="queue-stuck"
              color={data.stuck > 0 ? "error.main" : undefined}
            />
          </Grid>
          {typeof data.done === "number" && (
            <Grid size={{ xs: 12, sm: 6, md: 2.4 }}>
              <Stat label={translate("dabiwu.admin.done")} value={data.done} testId="queue-done" />
            </Grid>
          )}
          {typeof data.failed === "number" && (
            <Grid size={{ xs: 12, sm: 6, md: 2.4 }}>
              <Stat label={translate("dabiwu.admin.failed")} value={data.failed} testId="queue-failed" />
            </Grid>
          )}
        </Grid>
        <Typography variant="h6">{translate("dabiwu.admin.workers")}</Typography>
        {data.workers?.length ? (
          <Table size="small" data-testid="queue-workers">
            <TableHead>
              <TableRow>
                <TableCell>{translate("dabiwu.admin.worker_id")}</TableCell>
                <TableCell>{translate("dabiwu.admin.heartbeat_at")}</TableCell>
                <TableCell>{translate("dabiwu.admin.heartbeat_age")}</TableCell>
                <TableCell>{translate("dabiwu.admin.job_id")}</TableCell>
                <TableCell align="right">{translate("dabiwu.admin.jobs_done")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {data.workers.map((w) => {
                const beat = parseApiDate(w.heartbeat_at);
                const age = beat ? Math.max(0, Math.round((now - beat.getTime()) / 1000)) : null;
                const alive = w.alive ?? (age !== null && age < 30);
                return (
                  <TableRow key={w.worker_id} data-testid="queue-worker" data-alive={String(alive)}>
                    <TableCell sx={{ fontFamily: "monospace" }}>
                      <Chip
                        size="small"
                        color={alive ? "success" : "error"}
                        label={translate(alive ? "dabiwu.admin.alive" : "dabiwu.admin.silent")}
                        sx={{ mr: 1 }}
                      />
                      {w.worker_id}
                      {w.kind ? ` (${w.kind})` : ""}
                    </TableCell>
                    <TableCell>{format(w.heartbeat_at, true)}</TableCell>
                    <TableCell>{age === null ? "—" : translate("dabiwu.admin.seconds_ago", { seconds: age })}</TableCell>
                    <TableCell sx={{ fontFamily: "monospace" }}>{w.current_job_id ?? "—"}</TableCell>
                    <TableCell align="right">{w.jobs_done ?? "—"}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        ) : (
          <EmptyState message={translate("dabiwu.admin.no_workers")} testId="queue-no-workers" />
        )}
      </Box>
    );
  }

  return (
    <Box sx={{ mt: 2 }}>
      <Title title={translate("dabiwu.menu.queue")} />
      <Card>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            {translate("dabiwu.menu.queue")}
          </Typography>
          {body}
        </CardContent>
      </Card>
    </Box>
  );
}
