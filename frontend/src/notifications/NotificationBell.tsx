import NotificationsIcon from "@mui/icons-material/Notifications";
import { Badge, Box, Button, Divider, IconButton, List, ListItemButton, ListItemText, Popover, Tooltip, Typography } from "@mui/material";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type MouseEvent } from "react";
import { useLocaleState, useTranslate } from "react-admin";
import { useNavigate } from "react-router-dom";
import { apiFetch, apiPost, tokenStore } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import type { Schemas } from "../common/types";

export type NotificationRow = Schemas["NotificationOut"];

const POLL_MS = 30_000;

/** The bell in the top bar: the unread count, and the latest notifications in the user's language. */
export function NotificationBell() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const format = useFormatDateTime();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const signedIn = Boolean(tokenStore.get());
  const list = useQuery({
    queryKey: ["notifications"],
    queryFn: async () => {
      const answer = await apiFetch<NotificationRow[]>("/notifications?page_size=20");
      return { rows: answer.json, unread: Number(answer.headers.get("X-Unread-Count") ?? 0) };
    },
    enabled: signedIn,
    refetchInterval: POLL_MS,
    retry: false,
  });
  const unread = list.data?.unread ?? 0;
  const rows = list.data?.rows ?? [];
  const refresh = () => void client.invalidateQueries({ queryKey: ["notifications"] });

  const open = async (row: NotificationRow) => {
    if (!row.read_at) await apiPost(`/notifications/${encodeURIComponent(row.id)}/read`, {}).catch(() => undefined);
    refresh();
    setAnchor(null);
    if (row.link) navigate(row.link);
  };
  const readAll = async () => {
    await apiPost("/notifications/read-all", {}).catch(() => undefined);
    refresh();
  };

  return (
    <>
      <Tooltip title={translate("dabiwu.notifications.title")}>
        <IconButton color="inherit" data-testid="notification-bell" data-unread={unread}
          aria-label={translate("dabiwu.notifications.unread", { count: unread })}
          onClick={(event: MouseEvent<HTMLElement>) => setAnchor(event.currentTarget)}>
          <Badge color="error" badgeContent={unread} max={99} data-testid="notification-badge">
            <NotificationsIcon />
          </Badge>
        </IconButton>
      </Tooltip>
      <Popover open={Boolean(anchor)} anchorEl={anchor} onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: "bottom", horizontal: "right" }} transformOrigin={{ vertical: "top", horizontal: "right" }}>
        <Box sx={{ width: "min(380px, 92vw)" }} data-testid="notification-list">
          <Box sx={{ display: "flex", alignItems: "center", justifyContent: "space-between", px: 2, py: 1, gap: 1 }}>
            <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
              {translate("dabiwu.notifications.title")}
            </Typography>
            <Button size="small" onClick={readAll} disabled={unread === 0} data-testid="notifications-read-all">
              {translate("dabiwu.notifications.read_all")}
            </Button>
          </Box>
          <Divider />
          {rows.length === 0 ? (
            <Typography variant="body2" color="text.secondary" sx={{ p: 2 }} data-testid="notifications-empty">
              {translate("dabiwu.notifications.empty")}
            </Typography>
          ) : (
            <List dense disablePadding sx={{ maxHeight: "60vh", overflowY: "auto" }}>
              {rows.map((row) => (
                <ListItemButton key={row.id} onClick={() => void open(row)} data-testid="notification-item"
                  data-event={row.event} data-read={row.read_at ? "true" : "false"}
                  sx={{ alignItems: "flex-start", bgcolor: row.read_at ? undefined : "action.hover" }}>
                  <ListItemText
                    primary={locale === "zh" ? row.title_zh : row.title}
                    secondary={`${translate(`dabiwu.notifications.events.${row.event}`, { _: row.event })} · ${format(row.created_at)}`}
                    slotProps={{ primary: { sx: { fontWeight: row.read_at ? 400 : 600, wordBreak: "break-word" } } }}
                  />
                </ListItemButton>
              ))}
            </List>
          )}
        </Box>
      </Popover>
    </>
  );
}
