import {
  Alert, Button, Checkbox, Chip, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, FormControl,
  FormControlLabel, FormGroup, FormHelperText, FormLabel, Stack, Switch, TextField, Typography,
} from "@mui/material";
import { useState } from "react";
import { useTranslate } from "react-admin";
import { apiFetch, apiPost, errorText } from "../api/http";
import { CopyBlock } from "../common/CopyBlock";
import type { Schemas } from "../common/types";

export type Webhook = Schemas["WebhookOut"];
export type WebhookCreated = Schemas["WebhookCreated"];
export type Delivery = Schemas["DeliveryOut"];
export type DeliveryStatus = Delivery["status"];
export type EventType = Schemas["WebhookIn"]["events"][number];

// Every event type the API accepts, in the order the form lists them: a kind the API adds (or drops) is a build
// error here until it is listed (the labels are dabiwu.notifications.events.* in zh.ts and en.ts).
const KINDS = {
  "registry.promoted": true,
  "registry.champion_replaced": true,
  "registry.delisted": true,
  "submission.scored": true,
  "submission.failed": true,
  "challenge.finalized": true,
} satisfies Record<EventType, true>;
export const EVENT_KINDS = Object.keys(KINDS) as EventType[];
export const DELIVERY_STATUSES: DeliveryStatus[] = ["pending", "sending", "delivered", "failed"];

const STATUS_COLOR: Record<DeliveryStatus, "default" | "info" | "success" | "error"> = {
  pending: "default",
  sending: "info",
  delivered: "success",
  failed: "error",
};

/** An event's name in the user's language (`ping` is the test delivery). */
export function useEventLabel() {
  const translate = useTranslate();
  return (event: string) =>
    event === "ping" ? translate("dabiwu.webhooks.event_ping") : translate(`dabiwu.notifications.events.${event}`, { _: event });
}

export function DeliveryChip({ status, testId = "delivery-status" }: { status: DeliveryStatus; testId?: string }) {
  const translate = useTranslate();
  return <Chip size="small" color={STATUS_COLOR[status]} label={translate(`dabiwu.webhooks.status.${status}`)} data-testid={testId} data-status={status} />;
}

const order = (event: string) => EVENT_KINDS.indexOf(event as EventType);

export function EventChips({ events }: { events: string[] }) {
  const label = useEventLabel();
  return (
    <Stack direction="row" spacing={0.5} useFlexGap flexWrap="wrap" data-testid="webhook-events">
      {[...events].sort((a, b) => order(a) - order(b)).map((e) => <Chip key={e} size="small" variant="outlined" label={label(e)} title={e} data-event={e} />)}
    </Stack>
  );
}

/** A question before something that cannot be undone, with buttons a test (and a reader) can tell apart. */
export function ConfirmDialog({ open, title, body, yes, no, danger, onYes, onNo, testId }: {
  open: boolean; title: string; body: string; yes: string; no: string; danger?: boolean; onYes: () => void; onNo: () => void; testId: string;
}) {
  return (
    <Dialog open={open} onClose={onNo} fullWidth maxWidth="xs" data-testid={testId}>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent><DialogContentText>{body}</DialogContentText></DialogContent>
      <DialogActions>
        <Button onClick={onNo} data-testid={`${testId}-no`}>{no}</Button>
        <Button variant="contained" color={danger ? "error" : "primary"} onClick={onYes} data-testid={`${testId}-yes`}>{yes}</Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * The signing secret, shown once (after creating a webhook or rotating its secret): it closes only through its
 * button, so a stray click beside it does not lose the secret.
 */
export function SecretDialog({ secret, onClose }: { secret: string | null; onClose: () => void }) {
  const translate = useTranslate();
  return (
    <Dialog open={secret !== null} fullWidth maxWidth="sm" data-testid="webhook-secret-dialog">
      <DialogTitle>{translate("dabiwu.webhooks.secret_title")}</DialogTitle>
      <DialogContent>
        <Alert severity="warning" sx={{ mb: 2 }} data-testid="webhook-secret-warning">{translate("dabiwu.webhooks.secret_warning")}</Alert>
        {secret && <CopyBlock text={secret} testId="webhook-secret" wrap />}
        <Typography variant="body2" color="text.secondary" sx={{ mt: 2 }}>{translate("dabiwu.webhooks.verify_help")}</Typography>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose} data-testid="webhook-secret-done">{translate("dabiwu.webhooks.secret_saved")}</Button>
      </DialogActions>
    </Dialog>
  );
}

const URL_RULE = /^https?:\/\/[^\s/]+/i;

/**
 * Create a webhook (the answer carries its secret: `onSaved` gets it to show once) or change one (`webhook` given).
 * The server checks the URL against DABIWU_WEBHOOK_ALLOWED_HOSTS; its refusal is shown in the form.
 */
export function WebhookFormDialog({ open, webhook, onClose, onSaved }: {
  open: boolean; webhook?: Webhook; onClose: () => void; onSaved: (saved: Webhook | WebhookCreated) => void;
}) {
  const translate = useTranslate();
  const [name, setName] = useState(webhook?.name ?? "");
  const [url, setUrl] = useState(webhook?.url ?? "");
  const [events, setEvents] = useState<EventType[]>(webhook?.events ?? []);
  const [active, setActive] = useState(webhook?.active ?? true);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [touched, setTouched] = useState(false);
  const urlBad = url.trim() !== "" && !URL_RULE.test(url.trim());
  const valid = name.trim() !== "" && URL_RULE.test(url.trim()) && events.length > 0;
  const toggle = (kind: EventType) =>
    setEvents(events.includes(kind) ? events.filter((e) => e !== kind) : EVENT_KINDS.filter((k) => k === kind || events.includes(k)));
  const save = async () => {
    setTouched(true);
    if (!valid) return;
    setBusy(true);
    setError(null);
    const body = { name: name.trim(), url: url.trim(), events, active };
    try {
      const saved = webhook
        ? (await apiFetch<Webhook>(`/admin/webhooks/${encodeURIComponent(webhook.id)}`, { method: "PATCH", body: JSON.stringify(body) })).json
        : await apiPost<WebhookCreated>("/admin/webhooks", body);
      onSaved(saved);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={onClose} fullWidth maxWidth="sm" data-testid="webhook-form">
      <DialogTitle>{translate(webhook ? "dabiwu.webhooks.edit_title" : "dabiwu.webhooks.create")}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          <TextField label={translate("dabiwu.webhooks.name")} value={name} onChange={(e) => setName(e.target.value)} required
            error={touched && !name.trim()} helperText={translate("dabiwu.webhooks.name_help")}
            slotProps={{ htmlInput: { maxLength: 128, "data-testid": "webhook-name" } }} />
          <TextField label={translate("dabiwu.webhooks.url")} value={url} onChange={(e) => setUrl(e.target.value)} required
            error={urlBad || (touched && !url.trim())}
            helperText={translate(urlBad ? "dabiwu.webhooks.url_rule" : "dabiwu.webhooks.url_help")}
            slotProps={{ htmlInput: { maxLength: 2048, inputMode: "url", "data-testid": "webhook-url" } }} />
          <FormControl error={touched && !events.length} component="fieldset">
            <FormLabel component="legend">{translate("dabiwu.webhooks.events")}</FormLabel>
            <FormGroup>
              {EVENT_KINDS.map((kind) => (
                <FormControlLabel key={kind} label={translate(`dabiwu.notifications.events.${kind}`)}
                  control={<Checkbox size="small" checked={events.includes(kind)} onChange={() => toggle(kind)}
                    slotProps={{ input: { "data-testid": "webhook-event", "data-event": kind } as object }} />} />
              ))}
            </FormGroup>
            <FormHelperText>{translate("dabiwu.webhooks.events_help")}</FormHelperText>
          </FormControl>
          <FormControlLabel label={translate("dabiwu.webhooks.active")}
            control={<Switch checked={active} onChange={(e) => setActive(e.target.checked)}
              slotProps={{ input: { "data-testid": "webhook-active" } as object }} />} />
          {error && <Alert severity="error" data-testid="webhook-form-error">{error}</Alert>}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} data-testid="webhook-cancel">{translate("dabiwu.webhooks.cancel")}</Button>
        <Button variant="contained" disabled={busy} onClick={() => void save()} data-testid="webhook-save">
          {translate("dabiwu.webhooks.save")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
