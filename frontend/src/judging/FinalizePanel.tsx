import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Stack, Typography } from "@mui/material";
import GavelIcon from "@mui/icons-material/Gavel";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useRefresh, useTranslate } from "react-admin";
import { apiGet, apiPost, errorText, type Me } from "../api/http";
import type { Challenge, Schemas } from "../common/types";
import { FinalRanking } from "./FinalRanking";

type Finalized = Pick<Schemas["FinalizeOut"], "finalized_at" | "content_hash">;

/** Finalize (after a confirmation) freezes the boards and the final ranking; then the ranking is shown frozen. */
export function FinalizePanel({ challenge }: { challenge: Challenge }) {
  const translate = useTranslate();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const slug = challenge.slug;
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Finalized | null>(null);
  const finalized = challenge.phase === "finalized" || result !== null;
  // Only an admin or the head judge may finalize (the API says so too); other judges get a note instead.
  const me = useQuery({ queryKey: ["me"], queryFn: () => apiGet<Me>("/auth/me") });
  const mayFinalize = me.data?.role === "admin" || me.data?.is_head_judge === true;

  const finalize = async () => {
    setBusy(true);
    setError(null);
    try {
      const answer = await apiPost<Finalized>(`/challenges/${encodeURIComponent(slug)}/finalize`, {});
      setResult(answer);
      setAsking(false);
      await queryClient.invalidateQueries({ queryKey: ["leaderboard", slug] });
      await queryClient.invalidateQueries({ queryKey: ["shake-up", slug] });
      refresh(); // the challenge's phase is now "finalized"
    } catch (err) {
      setError(errorText(err));
      setAsking(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack spacing={2}>
      {!finalized && me.data && !mayFinalize && (
        <Alert severity="info" data-testid="finalize-not-allowed">
          {translate("dabiwu.judging.finalize_head_only")}
        </Alert>
      )}
      {!finalized && mayFinalize && (
        <Box>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {translate("dabiwu.judging.finalize_help")}
          </Typography>
          <Button variant="contained" color="warning" startIcon={<GavelIcon />} onClick={() => setAsking(true)} data-testid="finalize-button">
            {translate("dabiwu.judging.finalize")}
          </Button>
        </Box>
      )}
      {error && (
        <Alert severity="error" data-testid="finalize-error">
          {error}
        </Alert>
      )}
      {result && (
        <Alert severity="success" data-testid="finalize-result" data-hash={result.content_hash}>
          {translate("dabiwu.judging.finalized_ok", { hash: result.content_hash.slice(0, 12) })}
        </Alert>
      )}
      <FinalRanking slug={slug} finalized={finalized} />
      <Dialog open={asking} onClose={() => setAsking(false)}>
        <DialogTitle>{translate("dabiwu.judging.finalize_confirm_title")}</DialogTitle>
        <DialogContent>
          <DialogContentText>{translate("dabiwu.judging.finalize_confirm_text", { slug })}</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setAsking(false)} data-testid="finalize-cancel">
            {translate("ra.action.cancel")}
          </Button>
          <Button color="warning" variant="contained" disabled={busy} onClick={() => void finalize()} data-testid="finalize-confirm">
            {translate("dabiwu.judging.finalize")}
          </Button>
        </DialogActions>
      </Dialog>
    </Stack>
  );
}
