import { FormControlLabel, Switch, Tooltip } from "@mui/material";
import { useEffect, useState } from "react";
import { useNotify, useRefresh, useTranslate } from "react-admin";
import { apiPost, errorText } from "../api/http";
import type { Submission } from "../common/types";

/** Marks a scored submission as one of the team's final selections for the private board. */
export function FinalToggle({ submission }: { submission: Submission }) {
  const translate = useTranslate();
  const notify = useNotify();
  const refresh = useRefresh();
  const [checked, setChecked] = useState(!!submission.is_final);
  const [busy, setBusy] = useState(false);
  const enabled = submission.status === "scored";
  useEffect(() => setChecked(!!submission.is_final), [submission.is_final]);

  const toggle = async (next: boolean) => {
    setBusy(true);
    try {
      const answer = await apiPost<Submission>(`/submissions/${encodeURIComponent(submission.id)}/final`, { is_final: next });
      setChecked(answer.is_final);
      notify(translate(next ? "dabiwu.submission.final_on" : "dabiwu.submission.final_off"), { type: "success" });
      refresh();
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Tooltip title={enabled ? translate("dabiwu.submission.final_help") : translate("dabiwu.submission.final_needs_scored")}>
      <FormControlLabel
        control={
          <Switch
            checked={checked}
            disabled={!enabled || busy}
            onChange={(e) => void toggle(e.target.checked)}
            slotProps={{ input: { "data-testid": "final-toggle" } as Record<string, string> }}
          />
        }
        label={translate("dabiwu.submission.final_toggle")}
      />
    </Tooltip>
  );
}
