import {
  Alert, Box, Button, Checkbox, Dialog, DialogActions, DialogContent, DialogTitle, FormControlLabel, List, ListItem,
  ListItemIcon, ListItemText, TextField,
} from "@mui/material";
import CheckCircleIcon from "@mui/icons-material/CheckCircle";
import CancelIcon from "@mui/icons-material/Cancel";
import UploadIcon from "@mui/icons-material/Publish";
import { useState } from "react";
import { useLocaleState, useNotify, useTranslate } from "react-admin";
import { apiGet, apiPost, errorText } from "../api/http";
import { Loading } from "../common/States";
import type { GateCheck, GateReport, PromoteOut } from "./types";

/**
 * Judges list a scored submission in the model registry. The gate results (the same checks the promotion will
 * make) are shown first; a failed gate can only be overridden with a reason, and the buttons say what they do.
 */
export function PromoteButton({ submissionId, finalized, onDone }: { submissionId: string; finalized: boolean; onDone?: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [locale] = useLocaleState();
  const [open, setOpen] = useState(false);
  const [report, setReport] = useState<GateReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [override, setOverride] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);

  const start = async () => {
    setOpen(true);
    setReport(null);
    setError(null);
    setOverride(false);
    setReason("");
    try {
      setReport(await apiGet<GateReport>(`/submissions/${encodeURIComponent(submissionId)}/promotion-gates`));
    } catch (err) {
      setError(errorText(err));
    }
  };
  const confirm = async () => {
    setBusy(true);
    try {
      const out = await apiPost<PromoteOut>(
        `/submissions/${encodeURIComponent(submissionId)}/promote`,
        { reason: reason.trim() || null, override: !finalized && override },
      );
      notify(translate("dabiwu.promote.done", { name: out.registered_model, version: out.version }), { type: "success" });
      setOpen(false);
      onDone?.();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const failed = report ? !report.passed : false;
  // Gates are hard: a model that fails one is not listed. Before the final ranking, listing early is an explicit
  // choice with a reason (it goes into the audit log).
  const canConfirm = !!report && !busy && !failed && (finalized || (override && reason.trim().length > 0));
  const message = (c: GateCheck) => (locale === "zh" ? c.message_zh : c.message_en);

  return (
    <>
      <Button size="small" startIcon={<UploadIcon />} onClick={() => void start()} data-testid="promote-button">
        {translate("dabiwu.promote.button")}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm" data-testid="promote-dialog">
        <DialogTitle>{translate("dabiwu.promote.title")}</DialogTitle>
        <DialogContent>
          {!report && !error && <Loading />}
          {report && (
            <List dense data-testid="promote-gates" data-passed={String(report.passed)}>
              {report.checks.map((c) => (
                <ListItem key={c.name} data-testid="promote-gate" data-gate={c.name} data-passed={String(c.passed)} alignItems="flex-start">
                  <ListItemIcon sx={{ minWidth: 32, mt: 0.5 }}>
                    {c.passed ? <CheckCircleIcon color="success" fontSize="small" /> : <CancelIcon color="error" fontSize="small" />}
                  </ListItemIcon>
                  <ListItemText primary={translate(`dabiwu.promote.gate.${c.name}`, { _: c.name })} secondary={message(c)} />
                </ListItem>
              ))}
            </List>
          )}
          {failed && <Alert severity="warning" sx={{ mb: 1 }} data-testid="promote-failed">{translate("dabiwu.promote.failed_note")}</Alert>}
          {report && !failed && !finalized && (
            <Box>
              <Alert severity="info" sx={{ mb: 1 }}>{translate("dabiwu.promote.early_note")}</Alert>
              <FormControlLabel
                control={<Checkbox checked={override} onChange={(e) => setOverride(e.target.checked)} data-testid="promote-override" />}
                label={translate("dabiwu.promote.override")}
              />
            </Box>
          )}
          {report && !failed && (
            <TextField
              fullWidth multiline minRows={2} margin="dense" value={reason} onChange={(e) => setReason(e.target.value)}
              label={translate(finalized ? "dabiwu.promote.reason" : "dabiwu.promote.reason_required")}
              inputProps={{ "data-testid": "promote-reason", maxLength: 2000 }}
            />
          )}
          {error && <Alert severity="error" data-testid="promote-error" sx={{ mt: 1 }}>{error}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)} data-testid="promote-cancel">{translate("dabiwu.promote.cancel")}</Button>
          <Button variant="contained" disabled={!canConfirm} onClick={() => void confirm()} data-testid="promote-confirm">
            {translate("dabiwu.promote.confirm")}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
