import {
  Alert, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Table, TableBody, TableCell, TableHead,
  TableRow, TextField, Typography,
} from "@mui/material";
import BlockIcon from "@mui/icons-material/Block";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useNotify, useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { apiFetch, apiPost, errorText } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { formatScore, nameOf } from "../common/text";
import type { Submission } from "../common/types";
import { Pager } from "../common/Pager";

/** The challenge's scored submissions, each with a disqualify button that asks for a reason. */
export function DisqualifyPanel({ slug }: { slug: string }) {
  const translate = useTranslate();
  const notify = useNotify();
  const format = useFormatDateTime();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(0);
  const [perPage, setPerPage] = useState(25);
  const [target, setTarget] = useState<Submission | null>(null);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<Record<string, string>>({});
  // Part of a team's name: new submissions keep arriving at the top, so a judge finds a team's rows by its name.
  const [teamInput, setTeamInput] = useState("");
  const [team, setTeam] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => {
      setTeam(teamInput.trim());
      setPage(0);
    }, 300);
    return () => clearTimeout(timer);
  }, [teamInput]);
  const submissions = useQuery({
    queryKey: ["judging-submissions", slug, team, page, perPage],
    queryFn: async () => {
      const teamParam = team ? `&team=${encodeURIComponent(team)}` : "";
      const { json, headers } = await apiFetch<Submission[]>(
        `/submissions?challenge=${encodeURIComponent(slug)}&status=scored${teamParam}&page=${page + 1}&page_size=${perPage}`,
      );
      return { rows: json ?? [], total: Number(headers.get("X-Total-Count") ?? (json ?? []).length), team };
    },
    retry: false,
    placeholderData: keepPreviousData, // the last rows stay while a new filter or page loads
  });

  const open = (s: Submission) => {
    setTarget(s);
    setReason("");
    setError(null);
  };
  const confirm = async () => {
    if (!target) return;
    setBusy(true);
    setError(null);
    try {
      await apiPost(`/submissions/${encodeURIComponent(target.id)}/disqualify`, { reason });
      setDone({ ...done, [target.id]: reason });
      setTarget(null);
      notify(translate("dabiwu.judging.disqualified_note", { team: nameOf(target.team) }), { type: "success" });
      await queryClient.invalidateQueries({ queryKey: ["leaderboard", slug] });
      await queryClient.invalidateQueries({ queryKey: ["final-ranking", slug] });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const filter = (
    <TextField
      size="small"
      value={teamInput}
      onChange={(e) => setTeamInput(e.target.value)}
      label={translate("dabiwu.judging.team_filter")}
      slotProps={{ htmlInput: { "data-testid": "judging-team-filter", maxLength: 128 } }}
      sx={{ mt: 1, mb: 1, minWidth: 260 }}
    />
  );
  const help = (
    <Typography variant="body2" color="text.secondary">
      {translate("dabiwu.judging.disqualify_help")}
    </Typography>
  );
  // The help and the filter stay first in every state, so the filter keeps its focus while its results load.
  if (submissions.isPending) return <>{help}{filter}<Loading /></>;
  if (submissions.isError) return <>{help}{filter}<ErrorState error={submissions.error} /></>;
  const { rows, total, team: shownTeam } = submissions.data; // shownTeam: the filter these rows answer
  if (!rows.length)
    return (
      <>
        {help}
        {filter}
        <EmptyState
          message={translate(team ? "dabiwu.judging.no_team_submissions" : "dabiwu.judging.no_submissions", { team })}
          testId="judging-submissions-empty"
        />
      </>
    );
  return (
    <>
      {help}
      {filter}
      <Table size="small" data-testid="judging-submissions" data-team-filter={shownTeam}>
        <TableHead>
          <TableRow>
            <TableCell>{translate("dabiwu.submission.id")}</TableCell>
            <TableCell>{translate("dabiwu.submission.team")}</TableCell>
            <TableCell align="right">{translate("dabiwu.submission.public_score")}</TableCell>
            <TableCell>{translate("dabiwu.submission.created_at")}</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((s) => {
            const reason = done[s.id] ?? s.disqualified_reason ?? undefined;
            return (
            <TableRow key={s.id} data-testid="judging-submission-row" data-id={s.id} data-team={nameOf(s.team)}>
              <TableCell>
                <Link to={`/submissions/${encodeURIComponent(s.id)}/show`}>
                  <code>{String(s.id).slice(0, 8)}</code>
                </Link>
              </TableCell>
              <TableCell>{nameOf(s.team)}</TableCell>
              <TableCell align="right">{formatScore(s.public_score)}</TableCell>
              <TableCell>{format(s.created_at)}</TableCell>
              <TableCell align="right">
                {reason !== undefined ? (
                  <Chip size="small" color="error" label={translate("dabiwu.judging.disqualified")} title={reason} data-testid="disqualified-chip" />
                ) : (
                  <Button size="small" color="error" startIcon={<BlockIcon />} onClick={() => open(s)} data-testid="disqualify-button">
                    {translate("dabiwu.judging.disqualify")}
                  </Button>
                )}
              </TableCell>
            </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Pager total={total} page={page} pageSize={perPage} onPage={setPage} onPageSize={setPerPage} />
      <Dialog open={target !== null} onClose={() => setTarget(null)} fullWidth maxWidth="sm">
        <DialogTitle>
          {translate("dabiwu.judging.disqualify_title", { team: target ? nameOf(target.team) : "", id: target ? String(target.id).slice(0, 8) : "" })}
        </DialogTitle>
        <DialogContent>
          <TextField
            autoFocus
            fullWidth
            multiline
            minRows={3}
            margin="dense"
            label={translate("dabiwu.judging.reason")}
            helperText={translate("dabiwu.judging.reason_help")}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            slotProps={{ htmlInput: { "data-testid": "disqualify-reason" } }}
          />
          {error && (
            <Alert severity="error" data-testid="disqualify-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setTarget(null)} data-testid="disqualify-keep">{translate("dabiwu.judging.disqualify_keep")}</Button>
          <Button color="error" variant="contained" disabled={busy} onClick={() => void confirm()} data-testid="disqualify-confirm">
            {translate("dabiwu.judging.disqualify_confirm")}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
