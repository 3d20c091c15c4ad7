import { Button } from "@mui/material";
import CalculateIcon from "@mui/icons-material/Calculate";
import { useState } from "react";
import { useNotify, useTranslate } from "react-admin";
import { apiPost, errorText } from "../api/http";
import type { Schemas } from "../common/types";

/** Admin: score one submission again from its stored predictions (no model run). */
export function RescoreButton({ id, onDone }: { id: string; onDone: () => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const [last, setLast] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    try {
      const answer = await apiPost<Schemas["RescoreOut"]>(`/submissions/${encodeURIComponent(id)}/rescore`, {});
      setLast(answer.outcome);
      notify(translate("dabiwu.rescore.done", { outcome: translate(`dabiwu.rescore.${answer.outcome}`, { _: answer.outcome }) }), { type: "success" });
      onDone();
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="small" startIcon={<CalculateIcon />} disabled={busy} onClick={() => void run()} data-testid="rescore-submission" data-outcome={last ?? ""}>
      {translate("dabiwu.rescore.one")}
    </Button>
  );
}
