import { Alert, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, TextField } from "@mui/material";
import RemoveCircleOutlineIcon from "@mui/icons-material/RemoveCircleOutline";
import { useState } from "react";
import { useNotify, useTranslate } from "react-admin";
import { apiPost, errorText } from "../api/http";

/** Judges take a version out of the registry, with a reason, after a confirmation that says what happens. */
export function DelistButton({ slug, version, title, onDone }: { slug: string; version: number; title: string; onDone?: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await apiPost(`/registry/${encodeURIComponent(slug)}/versions/${version}/delist`, { reason: reason.trim() || null });
      notify(translate("dabiwu.delist.done", { title, version }), { type: "success" });
      setOpen(false);
      onDone?.();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button size="small" color="warning" startIcon={<RemoveCircleOutlineIcon />} onClick={() => setOpen(true)} data-testid="delist-button">
        {translate("dabiwu.delist.button")}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} fullWidth maxWidth="sm" data-testid="delist-dialog">
        <DialogTitle>{translate("dabiwu.delist.title", { title, version })}</DialogTitle>
        <DialogContent>
          <DialogContentText>{translate("dabiwu.delist.body")}</DialogContentText>
          <TextField
            fullWidth multiline minRows={2} margin="dense" value={reason} onChange={(e) => setReason(e.target.value)}
            label={translate("dabiwu.delist.reason")} inputProps={{ "data-testid": "delist-reason", maxLength: 2000 }}
          />
          {error && <Alert severity="error" data-testid="delist-error" sx={{ mt: 1 }}>{error}</Alert>}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)} data-testid="delist-cancel">{translate("dabiwu.delist.cancel")}</Button>
          <Button color="warning" variant="contained" disabled={busy || !reason.trim()} onClick={() => void confirm()} data-testid="delist-confirm">
            {translate("dabiwu.delist.confirm")}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
