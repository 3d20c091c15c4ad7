import {
  Box, Button, Card, CardContent, List, ListItem, ListItemText, Stack, Table, TableBody, TableCell, TableHead,
  TableRow, TextField, Typography,
} from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Title, useNotify, useTranslate } from "react-admin";
import { Link, useParams } from "react-router-dom";
import { apiGet, apiPost, errorText } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { ErrorState, Loading } from "../common/States";
import { useChallengeTitles } from "../common/useChallengeTitles";
import { StateChip, useAssignees } from "./LeadQueuePage";
import type { LeadDetail, LeadState } from "./types";

/** One lead: who flagged it (every model version and run), its next legal moves, its assignee and its history. */
export function LeadDetailPage() {
  const translate = useTranslate();
  const notify = useNotify();
  const format = useFormatDateTime();
  const title = useChallengeTitles();
  const { id = "" } = useParams<{ id: string }>();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const assignees = useAssignees();
  const lead = useQuery({ queryKey: ["lead", id], queryFn: () => apiGet<LeadDetail>(`/leads/${encodeURIComponent(id)}`), retry: false });

  const act = async (path: string, body: unknown) => {
    setBusy(true);
    try {
      await apiPost(`/leads/${encodeURIComponent(id)}/${path}`, body);
      setReason("");
      await lead.refetch();
    } catch (error) {
      notify(errorText(error), { type: "error" });
      await lead.refetch();
    } finally {
      setBusy(false);
    }
  };
  const move = (state: LeadState) => act("transition", { state, reason: reason || null, expected_state: lead.data?.state });

  let body;
  if (lead.isPending) body = <Loading />;
  else if (lead.isError) body = <ErrorState error={lead.error} />;
  else {
    const d = lead.data;
    body = (
      <Stack spacing={2} data-testid="lead-detail" data-state={d.state}>
        <Stack direction="row" spacing={1} alignItems="center" useFlexGap flexWrap="wrap">
          <Typography variant="h5" sx={{ wordBreak: "break-all" }}>{d.merge_key}</Typography>
          <StateChip state={d.state} />
        </Stack>
        <Typography variant="body2" color="text.secondary">
          {title(d.challenge)} · {translate("dabiwu.leads.score")} {d.best_score.toFixed(4)}
          {d.reason ? ` · ${translate("dabiwu.leads.reason")}: ${d.reason}` : ""}
        </Typography>
        {d.next_states.length > 0 ? (
          <Stack direction="row" spacing={1} useFlexGap flexWrap="wrap" alignItems="center">
            {d.next_states.includes("no_case") && (
              <TextField size="small" label={translate("dabiwu.leads.reason")} value={reason} onChange={(e) => setReason(e.target.value)}
                helperText={translate("dabiwu.leads.reason_help")} slotProps={{ htmlInput: { "data-testid": "lead-reason" } }} />
            )}
            {d.next_states.map((s) => (
              <Button key={s} variant="contained" size="small" disabled={busy || (s === "no_case" && !reason.trim())}
                onClick={() => void move(s)} data-testid="lead-move" data-to={s}>
                {translate("dabiwu.leads.move", { state: translate(`dabiwu.leads.state.${s}`) })}
              </Button>
            ))}
          </Stack>
        ) : (
          <Typography variant="body2" data-testid="lead-closed">{translate("dabiwu.leads.closed")}</Typography>
        )}
        <TextField select size="small" label={translate("dabiwu.leads.assignee")} value={d.assignee_id ?? ""}
          onChange={(e) => void act("assign", { assignee_id: e.target.value ? Number(e.target.value) : null })}
          slotProps={{ select: { native: true }, htmlInput: { "data-testid": "lead-assign" }, inputLabel: { shrink: true } }}
          fullWidth={false} sx={{ width: { xs: "100%", sm: 280 } }} disabled={busy}>
          <option value="">{translate("dabiwu.leads.unassigned")}</option>
          {(assignees.data ?? []).map((a) => <option key={a.id} value={a.id}>{a.display_name || a.username}</option>)}
        </TextField>
        <Typography variant="h6">{translate("dabiwu.leads.flagged_by")}</Typography>
        <Box sx={{ overflowX: "auto" }}>
          <Table size="small" data-testid="lead-flags">
            <TableHead>
              <TableRow>
                <TableCell>{translate("dabiwu.registry.version")}</TableCell>
                <TableCell>{translate("dabiwu.leads.run")}</TableCell>
                <TableCell align="right">{translate("dabiwu.leads.score")}</TableCell>
                <TableCell align="right">{translate("dabiwu.leads.rank")}</TableCell>
                <TableCell>{translate("dabiwu.leads.flagged_at")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {d.flag_list.map((f) => (
                <TableRow key={`${f.version}-${f.run_label}`}>
                  <TableCell><Link to={`/registry/${encodeURIComponent(d.challenge)}/${f.version}`}>v{f.version}</Link></TableCell>
                  <TableCell sx={{ wordBreak: "break-all" }}>{f.run_label}</TableCell>
                  <TableCell align="right">{f.score.toFixed(4)}</TableCell>
                  <TableCell align="right">{f.rank ?? "—"}</TableCell>
                  <TableCell>{format(f.flagged_at)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
        <Typography variant="h6">{translate("dabiwu.leads.history")}</Typography>
        <List dense data-testid="lead-history" data-count={d.history.length}>
          {d.history.map((e, i) => (
            <ListItem key={i} data-testid="lead-history-item" data-to={e.to_state ?? ""}>
              <ListItemText
                primary={e.kind === "state"
                  ? translate("dabiwu.leads.history_move", {
                      from: translate(`dabiwu.leads.state.${e.from_state}`), to: translate(`dabiwu.leads.state.${e.to_state}`),
                    })
                  : translate("dabiwu.leads.history_assign", { who: e.assignee ?? translate("dabiwu.leads.unassigned") })}
                secondary={`${format(e.at)} · ${e.actor ?? "—"}${e.note ? ` · ${e.note}` : ""}`}
              />
            </ListItem>
          ))}
          {!d.history.length && <ListItem><ListItemText primary={translate("dabiwu.leads.no_history")} /></ListItem>}
        </List>
      </Stack>
    );
  }
  return (
    <Box sx={{ mt: 2 }}>
      <Title title={translate("dabiwu.leads.detail_title")} />
      <Card>
        <CardContent>
          <Box sx={{ mb: 1 }}>
            <Link to="/leads">← {translate("dabiwu.menu.leads")}</Link>
          </Box>
          {body}
        </CardContent>
      </Card>
    </Box>
  );
}
