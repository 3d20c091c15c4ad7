import { Box, Button, Card, CardContent, Chip, Stack, Typography } from "@mui/material";
import AddIcon from "@mui/icons-material/Add";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Title, useTranslate } from "react-admin";
import { Link, useNavigate } from "react-router-dom";
import { apiFetch } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { DeliveryChip, EventChips, SecretDialog, WebhookFormDialog, type Webhook, type WebhookCreated } from "./webhookParts";
import { Pager } from "../common/Pager";

// A row per webhook, one line on a laptop (URL and events | active | last delivery), stacked on a phone.
const GRID = {
  display: "grid",
  gap: 1.5,
  alignItems: "start",
  gridTemplateColumns: { xs: "minmax(0, 1fr) auto", md: "minmax(0, 1fr) 140px 240px" },
} as const;

export function ActiveChip({ active }: { active: boolean }) {
  const translate = useTranslate();
  return (
    <Chip size="small" color={active ? "success" : "default"} variant={active ? "filled" : "outlined"} data-testid="webhook-active-chip"
      data-active={active ? "true" : "false"} label={translate(active ? "dabiwu.webhooks.active_on" : "dabiwu.webhooks.active_off")} />
  );
}

/** One webhook's newest delivery: its status, the receiver's HTTP answer and when; or that nothing was sent yet. */
function LastDeliveryCell({ webhook }: { webhook: Webhook }) {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const last = webhook.last_delivery;
  if (!last) return <Typography variant="body2" color="text.secondary" data-testid="webhook-last-never">{translate("dabiwu.webhooks.never")}</Typography>;
  return (
    <Stack spacing={0.5} alignItems="flex-start" data-testid="webhook-last" data-status={last.status}>
      <Stack direction="row" spacing={1} alignItems="center" useFlexGap flexWrap="wrap">
        <DeliveryChip status={last.status} testId="webhook-last-status" />
        <Typography variant="caption" sx={{ fontFamily: "monospace" }}>
          {last.last_status_code ?? (last.attempts ? translate("dabiwu.webhooks.no_answer") : "")}
        </Typography>
      </Stack>
      <Typography variant="caption" color="text.secondary">{format(last.created_at)}</Typography>
    </Stack>
  );
}

/** Admin: the outgoing webhooks, each with the events it sends and how its last delivery went; new ones are made here. */
export function WebhooksPage() {
  const translate = useTranslate();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(25);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<WebhookCreated | null>(null);
  const hooks = useQuery({
    queryKey: ["admin-webhooks", page, pageSize],
    queryFn: async () => {
      const answer = await apiFetch<Webhook[]>(`/admin/webhooks?page=${page + 1}&page_size=${pageSize}`);
      return { rows: answer.json, total: Number(answer.headers.get("X-Total-Count") ?? answer.json.length) };
    },
    retry: false,
  });

  const createButton = (
    <Button variant="contained" startIcon={<AddIcon />} onClick={() => setCreating(true)} data-testid="webhook-create">
      {translate("dabiwu.webhooks.create")}
    </Button>
  );
  const rows = hooks.data?.rows ?? [];
  let body;
  if (hooks.isPending) body = <Loading />;
  else if (hooks.isError) body = <ErrorState error={hooks.error} />;
  else if (!rows.length && page === 0)
    body = <EmptyState message={translate("dabiwu.webhooks.empty")} testId="webhooks-empty">{<Box sx={{ mt: 2 }}>{createButton}</Box>}</EmptyState>;
  else
    body = (
      <Box data-testid="webhook-list">
        <Box sx={{ ...GRID, display: { xs: "none", md: "grid" }, py: 1, borderBottom: 1, borderColor: "divider" }}>
          <Typography variant="subtitle2">{translate("dabiwu.webhooks.url")}</Typography>
          <Typography variant="subtitle2">{translate("dabiwu.webhooks.active")}</Typography>
          <Typography variant="subtitle2">{translate("dabiwu.webhooks.last_delivery")}</Typography>
        </Box>
        {rows.map((hook) => (
          <Box key={hook.id} sx={{ ...GRID, py: 1.5, borderBottom: 1, borderColor: "divider" }} data-testid="webhook-row" data-id={hook.id} data-url={hook.url}>
            <Box sx={{ minWidth: 0 }}>
              <Link to={`/admin/webhooks/${hook.id}`} data-testid="webhook-link">{hook.name}</Link>
              <Typography variant="body2" sx={{ fontFamily: "monospace", wordBreak: "break-all", my: 0.5 }} data-testid="webhook-url-text">
                {hook.url}
              </Typography>
              <EventChips events={hook.events} />
            </Box>
            <Box><ActiveChip active={hook.active} /></Box>
            <Box sx={{ gridColumn: { xs: "1 / -1", md: "auto" } }}><LastDeliveryCell webhook={hook} /></Box>
          </Box>
        ))}
        <Pager total={hooks.data?.total ?? 0} page={page} pageSize={pageSize} onPage={setPage} onPageSize={setPageSize} />
      </Box>
    );

  return (
    <Box sx={{ mt: 2 }} data-testid="webhooks-page">
      <Title title={translate("dabiwu.menu.webhooks")} />
      <Card>
        <CardContent>
          <Stack direction="row" spacing={2} useFlexGap flexWrap="wrap" alignItems="center" justifyContent="space-between" sx={{ mb: 1 }}>
            <Typography variant="h5">{translate("dabiwu.menu.webhooks")}</Typography>
            {rows.length > 0 && createButton}
          </Stack>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate("dabiwu.webhooks.intro")}</Typography>
          {body}
        </CardContent>
      </Card>
      {creating && (
        <WebhookFormDialog open onClose={() => setCreating(false)} onSaved={(saved) => {
          setCreating(false);
          setCreated(saved as WebhookCreated);
          void queryClient.invalidateQueries({ queryKey: ["admin-webhooks"] });
        }} />
      )}
      <SecretDialog secret={created?.secret ?? null} onClose={() => {
        const id = created?.id;
        setCreated(null);
        if (id) navigate(`/admin/webhooks/${id}`);
      }} />
    </Box>
  );
}
