import {
  Box, Button, Card, CardContent, Collapse, FormControlLabel, IconButton, Stack, Switch, TextField, Tooltip, Typography,
} from "@mui/material";
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import DeleteIcon from "@mui/icons-material/Delete";
import EditIcon from "@mui/icons-material/Edit";
import ExpandLessIcon from "@mui/icons-material/ExpandLess";
import ExpandMoreIcon from "@mui/icons-material/ExpandMore";
import KeyIcon from "@mui/icons-material/Key";
import ReplayIcon from "@mui/icons-material/Replay";
import SendIcon from "@mui/icons-material/Send";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Title, useNotify, useTranslate } from "react-admin";
import { Link, useNavigate, useParams } from "react-router-dom";
import { apiFetch, apiGet, apiPost, errorText } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { ActiveChip } from "./WebhooksPage";
import {
  ConfirmDialog, DELIVERY_STATUSES, DeliveryChip, EventChips, SecretDialog, WebhookFormDialog, useEventLabel,
  type Delivery, type Webhook, type WebhookCreated,
} from "./webhookParts";
import { Pager } from "../common/Pager";

const ERROR_PREVIEW = 140;

// A row per delivery: on a laptop one line (time and event | status | next retry and error | actions), on a phone
// time and status side by side with the rest below.
const GRID = {
  display: "grid",
  columnGap: 2,
  rowGap: 1,
  alignItems: "start",
  gridTemplateColumns: { xs: "minmax(0, 1fr) auto", md: "190px 170px minmax(0, 1fr) auto" },
} as const;
const WIDE = { gridColumn: { xs: "1 / -1", md: "auto" } } as const;

/** One delivery: when, what, how it went; a failed one can be sent again; its attempts fold out. */
function DeliveryRow({ delivery, onRetry, busy }: { delivery: Delivery; onRetry: () => void; busy: boolean }) {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const label = useEventLabel();
  const [open, setOpen] = useState(false);
  const error = delivery.last_error ?? "";
  const code = delivery.last_status_code ?? (delivery.attempts ? translate("dabiwu.webhooks.no_answer") : "—");
  return (
    <Box sx={{ ...GRID, py: 1.5, borderBottom: 1, borderColor: "divider" }} data-testid="delivery-row" data-id={delivery.id}
      data-status={delivery.status} data-event={delivery.event} data-code={delivery.last_status_code ?? ""} data-attempts={delivery.attempts}>
      <Box>
        <Typography variant="body2">{format(delivery.created_at, true)}</Typography>
        <Typography variant="caption" color="text.secondary" data-testid="delivery-event">{label(delivery.event)}</Typography>
      </Box>
      <Stack spacing={0.5} alignItems={{ xs: "flex-end", md: "flex-start" }}>
        <DeliveryChip status={delivery.status} />
        <Typography variant="caption" sx={{ fontFamily: "monospace" }} data-testid="delivery-code">
          {translate("dabiwu.webhooks.http")}: {code}
        </Typography>
        <Typography variant="caption" data-testid="delivery-attempts">
          {translate("dabiwu.webhooks.attempts")}: {delivery.attempts}
        </Typography>
      </Stack>
      <Box sx={{ ...WIDE, minWidth: 0 }}>
        {delivery.status === "pending" && delivery.attempts > 0 && (
          <Typography variant="caption" component="div" data-testid="delivery-next">
            {translate("dabiwu.webhooks.next_retry")}: {format(delivery.next_attempt_at, true)}
          </Typography>
        )}
        {error && (
          <Typography variant="caption" component="div" color="error" sx={{ wordBreak: "break-word" }} title={error} data-testid="delivery-error">
            {error.length > ERROR_PREVIEW ? `${error.slice(0, ERROR_PREVIEW)}…` : error}
          </Typography>
        )}
      </Box>
      <Stack direction="row" spacing={1} alignItems="center" justifyContent="flex-end" sx={WIDE}>
        {delivery.status === "failed" && (
          <Button size="small" startIcon={<ReplayIcon />} disabled={busy} onClick={onRetry} data-testid="delivery-retry">
            {translate("dabiwu.webhooks.retry")}
          </Button>
        )}
        {delivery.log.length > 0 && (
          <Tooltip title={translate("dabiwu.webhooks.show_attempts")}>
            <IconButton size="small" onClick={() => setOpen(!open)} aria-label={translate("dabiwu.webhooks.show_attempts")}
              aria-expanded={open} data-testid="delivery-expand">
              {open ? <ExpandLessIcon fontSize="small" /> : <ExpandMoreIcon fontSize="small" />}
            </IconButton>
          </Tooltip>
        )}
      </Stack>
      {delivery.log.length > 0 && (
        <Box sx={{ gridColumn: "1 / -1", minWidth: 0 }}>
          <Collapse in={open} unmountOnExit>
            <Box data-testid="delivery-attempts-log">
              <Typography variant="subtitle2">{translate("dabiwu.webhooks.attempt_log")}</Typography>
              {delivery.log.map((attempt) => (
                <Box key={`${attempt.attempt}-${attempt.at}`} sx={{ mt: 0.5 }} data-testid="delivery-attempt">
                  <Typography variant="caption" component="div" sx={{ fontFamily: "monospace" }}>
                    {translate("dabiwu.webhooks.attempt_line", {
                      attempt: attempt.attempt, at: format(attempt.at, true), ms: attempt.ms,
                      code: attempt.status_code ?? translate("dabiwu.webhooks.no_answer"),
                    })}
                  </Typography>
                  {attempt.error && (
                    <Box component="pre" sx={{ m: 0, fontSize: 12, whiteSpace: "pre-wrap", wordBreak: "break-word", maxHeight: 160, overflowY: "auto", color: "error.main" }}>
                      {attempt.error}
                    </Box>
                  )}
                </Box>
              ))}
            </Box>
          </Collapse>
        </Box>
      )}
    </Box>
  );
}

/** The delivery log of one webhook, newest first, filtered by status and paged; refreshed while anything is in flight. */
function DeliveryLog({ webhookId }: { webhookId: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState("");
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(25);
  const [busy, setBusy] = useState(false);
  const params = new URLSearchParams({ page: String(page + 1), page_size: String(pageSize) });
  if (status) params.set("status", status);
  const log = useQuery({
    queryKey: ["webhook-deliveries", webhookId, params.toString()],
    queryFn: async () => {
      const answer = await apiFetch<Delivery[]>(`/admin/webhooks/${encodeURIComponent(webhookId)}/deliveries?${params}`);
      return { rows: answer.json, total: Number(answer.headers.get("X-Total-Count") ?? answer.json.length) };
    },
    retry: false,
    refetchInterval: (query) =>
      query.state.data?.rows.some((d) => d.status === "pending" || d.status === "sending") ? 3000 : false,
  });
  const retry = async (delivery: Delivery) => {
    setBusy(true);
    try {
      await apiPost(`/admin/webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(delivery.id)}/retry`, {});
      notify(translate("dabiwu.webhooks.retried"), { type: "success" });
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(false);
      await queryClient.invalidateQueries({ queryKey: ["webhook-deliveries", webhookId] });
    }
  };

  const rows = log.data?.rows ?? [];
  let body;
  if (log.isPending) body = <Loading />;
  else if (log.isError) body = <ErrorState error={log.error} />;
  else if (!rows.length)
    body = <EmptyState message={translate(status ? "dabiwu.webhooks.deliveries_empty_filtered" : "dabiwu.webhooks.deliveries_empty")} testId="deliveries-empty" />;
  else
    body = (
      <Box data-testid="delivery-log">
        <Box sx={{ ...GRID, display: { xs: "none", md: "grid" }, py: 1, borderBottom: 1, borderColor: "divider" }}>
          <Typography variant="subtitle2">{translate("dabiwu.webhooks.time")} · {translate("dabiwu.webhooks.event")}</Typography>
          <Typography variant="subtitle2">{translate("dabiwu.webhooks.status_filter")}</Typography>
          <Typography variant="subtitle2">{translate("dabiwu.webhooks.next_retry")} · {translate("dabiwu.webhooks.last_error")}</Typography>
          <span />
        </Box>
        {rows.map((d) => <DeliveryRow key={d.id} delivery={d} busy={busy} onRetry={() => void retry(d)} />)}
        <Pager total={log.data?.total ?? 0} page={page} pageSize={pageSize} onPage={setPage} onPageSize={setPageSize} />
      </Box>
    );
  return (
    <Card sx={{ mt: 2 }}>
      <CardContent>
        <Stack direction="row" spacing={2} useFlexGap flexWrap="wrap" alignItems="center" justifyContent="space-between" sx={{ mb: 2 }}>
          <Typography variant="h6">{translate("dabiwu.webhooks.deliveries")}</Typography>
          <TextField select size="small" label={translate("dabiwu.webhooks.status_filter")} value={status}
            onChange={(e) => { setStatus(e.target.value); setPage(0); }}
            slotProps={{ select: { native: true }, htmlInput: { "data-testid": "delivery-filter-status" }, inputLabel: { shrink: true } }}
            sx={{ width: { xs: "100%", sm: 180 } }}>
            <option value="">{translate("dabiwu.webhooks.all")}</option>
            {DELIVERY_STATUSES.map((s) => <option key={s} value={s}>{translate(`dabiwu.webhooks.status.${s}`)}</option>)}
          </TextField>
        </Stack>
        {body}
      </CardContent>
    </Card>
  );
}

/** Admin: one webhook: pause or resume it, change it, send a test delivery, rotate its secret, delete it, read its log. */
export function WebhookDetailPage() {
  const { id = "" } = useParams();
  const translate = useTranslate();
  const notify = useNotify();
  const navigate = useNavigate();
  const format = useFormatDateTime();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState<"rotate" | "delete" | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = `/admin/webhooks/${encodeURIComponent(id)}`;
  const hook = useQuery({ queryKey: ["admin-webhook", id], queryFn: () => apiGet<Webhook>(path), retry: false });
  const refresh = () => Promise.all([
    queryClient.invalidateQueries({ queryKey: ["admin-webhook", id] }),
    queryClient.invalidateQueries({ queryKey: ["admin-webhooks"] }),
    queryClient.invalidateQueries({ queryKey: ["webhook-deliveries", id] }),
  ]);
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    try {
      await work();
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(false);
      await refresh();
    }
  };
  const setActive = (active: boolean) => act(async () => {
    await apiFetch(path, { method: "PATCH", body: JSON.stringify({ active }) });
    notify(translate(active ? "dabiwu.webhooks.turned_on" : "dabiwu.webhooks.turned_off"), { type: "success" });
  });
  const ping = () => act(async () => {
    await apiPost(`${path}/ping`, {});
    notify(translate("dabiwu.webhooks.ping_done"), { type: "info" });
  });
  const rotate = () => act(async () => {
    setAsking(null);
    setSecret((await apiPost<WebhookCreated>(`${path}/rotate-secret`, {})).secret);
  });
  const remove = async () => {
    setAsking(null);
    setBusy(true);
    try {
      await apiFetch(path, { method: "DELETE" });
      notify(translate("dabiwu.webhooks.deleted"), { type: "success" });
      queryClient.removeQueries({ queryKey: ["admin-webhook", id] });
      await queryClient.invalidateQueries({ queryKey: ["admin-webhooks"] });
      navigate("/admin/webhooks");
    } catch (err) {
      notify(errorText(err), { type: "error" });
      setBusy(false);
    }
  };

  const back = (
    <Button component={Link} to="/admin/webhooks" startIcon={<ArrowBackIcon />} size="small" data-testid="webhook-back">
      {translate("dabiwu.webhooks.back")}
    </Button>
  );
  if (hook.isPending) return <Loading />;
  if (hook.isError) return <Box sx={{ mt: 2 }}>{back}<ErrorState error={hook.error} /></Box>;
  const w = hook.data;
  return (
    <Box sx={{ mt: 2 }} data-testid="webhook-detail" data-id={w.id} data-active={w.active ? "true" : "false"}>
      <Title title={`${translate("dabiwu.menu.webhooks")} · ${w.name}`} />
      {back}
      <Card sx={{ mt: 1 }}>
        <CardContent>
          <Stack direction="row" spacing={1} useFlexGap flexWrap="wrap" alignItems="center" sx={{ mb: 1 }}>
            <Typography variant="h5" sx={{ wordBreak: "break-word" }} data-testid="webhook-title">{w.name}</Typography>
            <ActiveChip active={w.active} />
          </Stack>
          <Typography variant="body2" sx={{ fontFamily: "monospace", wordBreak: "break-all", mb: 1 }} data-testid="webhook-url-text">{w.url}</Typography>
          <EventChips events={w.events} />
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
            {translate("dabiwu.webhooks.secret_prefix")}: <Box component="span" sx={{ fontFamily: "monospace" }} data-testid="webhook-secret-prefix">{w.secret_prefix}…</Box>
            {" · "}{translate("dabiwu.webhooks.created_at")}: {format(w.created_at)}
          </Typography>
          <Stack direction="row" spacing={1} useFlexGap flexWrap="wrap" alignItems="center" sx={{ mt: 2 }}>
            <FormControlLabel label={translate("dabiwu.webhooks.active")}
              control={<Switch checked={w.active} disabled={busy} onChange={(e) => void setActive(e.target.checked)}
                slotProps={{ input: { "data-testid": "webhook-active-toggle" } as object }} />} />
            <Button size="small" variant="outlined" startIcon={<SendIcon />} disabled={busy} onClick={() => void ping()} data-testid="webhook-ping">
              {translate("dabiwu.webhooks.ping")}
            </Button>
            <Button size="small" startIcon={<EditIcon />} disabled={busy} onClick={() => setEditing(true)} data-testid="webhook-edit">
              {translate("dabiwu.webhooks.edit")}
            </Button>
            <Button size="small" startIcon={<KeyIcon />} disabled={busy} onClick={() => setAsking("rotate")} data-testid="webhook-rotate">
              {translate("dabiwu.webhooks.rotate")}
            </Button>
            <Button size="small" color="error" startIcon={<DeleteIcon />} disabled={busy} onClick={() => setAsking("delete")} data-testid="webhook-delete">
              {translate("dabiwu.webhooks.delete")}
            </Button>
          </Stack>
        </CardContent>
      </Card>
      <DeliveryLog webhookId={w.id} />
      {editing && (
        <WebhookFormDialog open webhook={w} onClose={() => setEditing(false)} onSaved={() => {
          setEditing(false);
          notify(translate("dabiwu.webhooks.saved"), { type: "success" });
          void refresh();
        }} />
      )}
      <ConfirmDialog open={asking === "rotate"} testId="webhook-rotate-confirm" title={translate("dabiwu.webhooks.rotate_confirm_title", { name: w.name })}
        body={translate("dabiwu.webhooks.rotate_confirm_body")} yes={translate("dabiwu.webhooks.rotate_yes")} no={translate("dabiwu.webhooks.rotate_no")}
        onYes={() => void rotate()} onNo={() => setAsking(null)} />
      <ConfirmDialog open={asking === "delete"} testId="webhook-delete-confirm" danger title={translate("dabiwu.webhooks.delete_confirm_title", { name: w.name })}
        body={translate("dabiwu.webhooks.delete_confirm_body")} yes={translate("dabiwu.webhooks.delete_yes")} no={translate("dabiwu.webhooks.delete_no")}
        onYes={() => void remove()} onNo={() => setAsking(null)} />
      <SecretDialog secret={secret} onClose={() => setSecret(null)} />
    </Box>
  );
}
