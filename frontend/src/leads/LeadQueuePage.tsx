import {
  Alert, Box, Button, Card, CardContent, Checkbox, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, TableSortLabel, TextField, Typography,
} from "@mui/material";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Title, useNotify, useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { apiFetch, apiGet, apiPost, errorText } from "../api/http";
import { useChallengeTitles } from "../common/useChallengeTitles";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { LEAD_STATES, STATE_COLOR, type Assignee, type BulkItem, type Lead, type LeadState } from "./types";
import { Pager } from "../common/Pager";

export function useAssignees() {
  return useQuery({ queryKey: ["lead-assignees"], queryFn: () => apiGet<Assignee[]>("/leads/assignees"), retry: false });
}

export function StateChip({ state }: { state: LeadState }) {
  const translate = useTranslate();
  return <Chip size="small" color={STATE_COLOR[state]} label={translate(`dabiwu.leads.state.${state}`)} data-testid="lead-state" data-state={state} />;
}

function NativeSelect({ label, value, onChange, testId, children }: {
  label: string; value: string; onChange: (v: string) => void; testId: string; children: React.ReactNode;
}) {
  return (
    <TextField select size="small" label={label} value={value} onChange={(e) => onChange(e.target.value)}
      slotProps={{ select: { native: true }, htmlInput: { "data-testid": testId }, inputLabel: { shrink: true } }}
      fullWidth={false} sx={{ width: { xs: "100%", sm: 200 } }}>
      {children}
    </TextField>
  );
}

/** The district's work queue: its own leads, filtered and sorted by score, selected and updated in bulk. */
export function LeadQueuePage() {
  const translate = useTranslate();
  const notify = useNotify();
  const format = useFormatDateTime();
  const title = useChallengeTitles();
  const queryClient = useQueryClient();
  const [state, setState] = useState("");
  const [assignee, setAssignee] = useState("");
  const [sort, setSort] = useState<"-score" | "score">("-score");
  const [page, setPage] = useState(0);
  const [pageSize, setPageSize] = useState(25);
  const [selected, setSelected] = useState<string[]>([]);
  const [bulkState, setBulkState] = useState("");
  const [bulkAssignee, setBulkAssignee] = useState("");
  const [bulkReason, setBulkReason] = useState("");
  const [refused, setRefused] = useState<BulkItem[]>([]);
  const assignees = useAssignees();
  const params = new URLSearchParams({ sort, page: String(page + 1), page_size: String(pageSize) });
  if (state) params.set("state", state);
  if (assignee) params.set("assignee", assignee);
  const leads = useQuery({
    queryKey: ["leads", params.toString()],
    queryFn: async () => {
      const answer = await apiFetch<Lead[]>(`/leads?${params}`);
      return { rows: answer.json, total: Number(answer.headers.get("X-Total-Count") ?? answer.json.length) };
    },
    retry: false,
  });

  const applyBulk = async () => {
    const body: Record<string, unknown> = { ids: selected };
    if (bulkState) body.state = bulkState;
    if (bulkReason) body.reason = bulkReason;
    if (bulkAssignee === "none") body.unassign = true;
    else if (bulkAssignee) body.assignee_id = Number(bulkAssignee);
    try {
      const results = await apiPost<BulkItem[]>("/leads/bulk", body);
      const failed = results.filter((r) => !r.ok);
      setRefused(failed);
      notify(translate("dabiwu.leads.bulk_done", { ok: results.length - failed.length, failed: failed.length }),
        { type: failed.length ? "warning" : "success" });
      setSelected([]);
      await queryClient.invalidateQueries({ queryKey: ["leads"] });
    } catch (error) {
      notify(errorText(error), { type: "error" });
    }
  };

  const rows = leads.data?.rows ?? [];
  const allChecked = rows.length > 0 && rows.every((r) => selected.includes(r.id));
  let body;
  if (leads.isPending) body = <Loading />;
  else if (leads.isError) body = <ErrorState error={leads.error} />;
  else if (!rows.length) body = <EmptyState message={translate("dabiwu.leads.empty")} testId="leads-empty" />;
  else
    body = (
      <Box sx={{ overflowX: "auto" }}>
        <Table size="small" data-testid="lead-queue">
          <TableHead>
            <TableRow>
              <TableCell padding="checkbox">
                <Checkbox checked={allChecked} onChange={() => setSelected(allChecked ? [] : rows.map((r) => r.id))}
                  slotProps={{ input: { "aria-label": translate("dabiwu.leads.select_all") } }} data-testid="lead-select-all" />
              </TableCell>
              <TableCell>{translate("dabiwu.leads.entity")}</TableCell>
              <TableCell sortDirection={sort === "-score" ? "desc" : "asc"}>
                <TableSortLabel active direction={sort === "-score" ? "desc" : "asc"} data-testid="lead-sort-score"
                  onClick={() => setSort(sort === "-score" ? "score" : "-score")}>
                  {translate("dabiwu.leads.score")}
                </TableSortLabel>
              </TableCell>
              <TableCell>{translate("dabiwu.leads.state_label")}</TableCell>
              <TableCell>{translate("dabiwu.leads.assignee")}</TableCell>
              <TableCell>{translate("dabiwu.leads.models")}</TableCell>
              <TableCell>{translate("dabiwu.leads.changed")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((lead) => (
              <TableRow key={lead.id} data-testid="lead-row" data-id={lead.id} data-entity={lead.entity_id} data-score={lead.best_score}>
                <TableCell padding="checkbox">
                  <Checkbox checked={selected.includes(lead.id)} data-testid="lead-select"
                    onChange={() => setSelected(selected.includes(lead.id) ? selected.filter((s) => s !== lead.id) : [...selected, lead.id])} />
                </TableCell>
                <TableCell>
                  <Link to={`/leads/${lead.id}`} data-testid="lead-link">{lead.merge_key}</Link>
                  <Typography variant="caption" component="div" color="text.secondary">{title(lead.challenge)}</Typography>
                </TableCell>
                <TableCell>{lead.best_score.toFixed(4)}</TableCell>
                <TableCell><StateChip state={lead.state} /></TableCell>
                <TableCell>{lead.assignee ?? "—"}</TableCell>
                <TableCell>{lead.versions.map((v) => `v${v}`).join(" ")}</TableCell>
                <TableCell>{format(lead.state_changed_at)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Pager total={leads.data?.total ?? 0} page={page} pageSize={pageSize} onPage={setPage} onPageSize={setPageSize} />
      </Box>
    );

  return (
    <Box sx={{ mt: 2 }}>
      <Title title={translate("dabiwu.menu.leads")} />
      <Card>
        <CardContent>
          <Typography variant="h5" gutterBottom>{translate("dabiwu.menu.leads")}</Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>{translate("dabiwu.leads.intro")}</Typography>
          <Stack direction="row" spacing={1} useFlexGap flexWrap="wrap" sx={{ mb: 2 }}>
            <NativeSelect label={translate("dabiwu.leads.state_label")} value={state} testId="lead-filter-state"
              onChange={(v) => { setState(v); setPage(0); }}>
              <option value="">{translate("dabiwu.leads.all")}</option>
              {LEAD_STATES.map((s) => <option key={s} value={s}>{translate(`dabiwu.leads.state.${s}`)}</option>)}
            </NativeSelect>
            <NativeSelect label={translate("dabiwu.leads.assignee")} value={assignee} testId="lead-filter-assignee"
              onChange={(v) => { setAssignee(v); setPage(0); }}>
              <option value="">{translate("dabiwu.leads.all")}</option>
              <option value="me">{translate("dabiwu.leads.mine")}</option>
              <option value="none">{translate("dabiwu.leads.unassigned")}</option>
              {(assignees.data ?? []).map((a) => <option key={a.id} value={String(a.id)}>{a.display_name || a.username}</option>)}
            </NativeSelect>
          </Stack>
          {selected.length > 0 && (
            <Stack direction="row" spacing={1} useFlexGap flexWrap="wrap" alignItems="center" sx={{ mb: 2 }} data-testid="lead-bulk-bar">
              <Typography variant="body2">{translate("dabiwu.leads.selected", { n: selected.length })}</Typography>
              <NativeSelect label={translate("dabiwu.leads.move_to")} value={bulkState} onChange={setBulkState} testId="lead-bulk-state">
                <option value="">—</option>
                {LEAD_STATES.map((s) => <option key={s} value={s}>{translate(`dabiwu.leads.state.${s}`)}</option>)}
              </NativeSelect>
              <NativeSelect label={translate("dabiwu.leads.assign_to")} value={bulkAssignee} onChange={setBulkAssignee} testId="lead-bulk-assignee">
                <option value="">—</option>
                <option value="none">{translate("dabiwu.leads.unassigned")}</option>
                {(assignees.data ?? []).map((a) => <option key={a.id} value={String(a.id)}>{a.display_name || a.username}</option>)}
              </NativeSelect>
              {bulkState === "no_case" && (
                <TextField size="small" label={translate("dabiwu.leads.reason")} value={bulkReason}
                  onChange={(e) => setBulkReason(e.target.value)} slotProps={{ htmlInput: { "data-testid": "lead-bulk-reason" } }} />
              )}
              <Button variant="contained" size="small" disabled={!bulkState && !bulkAssignee} onClick={() => void applyBulk()}
                data-testid="lead-bulk-apply">
                {translate("dabiwu.leads.apply")}
              </Button>
            </Stack>
          )}
          {refused.length > 0 && (
            <Alert severity="warning" sx={{ mb: 2 }} data-testid="lead-bulk-refused" onClose={() => setRefused([])}>
              {refused.slice(0, 5).map((r) => (
                <div key={r.id}>{r.id.slice(0, 8)}: {translate("dabiwu.leads.refused_line", { zh: r.detail_zh ?? "", en: r.detail ?? "" })}</div>
              ))}
            </Alert>
          )}
          {body}
        </CardContent>
      </Card>
    </Box>
  );
}
