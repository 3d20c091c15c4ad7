import { Alert, Box, Button, Grid, Stack, Typography } from "@mui/material";
import UploadFileIcon from "@mui/icons-material/UploadFile";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLocaleState, useTranslate } from "react-admin";
import { apiFetch, errorText } from "../api/http";
import { CopyBlock } from "../common/CopyBlock";
import type { Schemas } from "../common/types";

type OutcomesResult = Schemas["OutcomesResult"];

/** The registry answers refused rows in both languages: {detail, detail_zh, column}. */
function refusal(err: unknown, locale: string): { text: string; column?: string } {
  const body = (err as { body?: { detail_zh?: string; column?: string | null } } | null)?.body;
  const text = locale === "zh" && body?.detail_zh ? body.detail_zh : errorText(err);
  return { text, column: body?.column ?? undefined };
}

const EXAMPLE = "lead_id,version,outcome,note\nL-000123,1,confirmed,已立案\nL-000456,1,rejected,\n";

/** A district reports what became of the leads a listed model gave it: a CSV upload. */
export function OutcomeUpload({ slug }: { slug: string }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<OutcomesResult | null>(null);
  const [error, setError] = useState<{ text: string; column?: string } | null>(null);

  const upload = async () => {
    if (!file) {
      setError({ text: translate("dabiwu.outcomes.need_file") });
      return;
    }
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      const { json } = await apiFetch<OutcomesResult>(`/registry/${encodeURIComponent(slug)}/outcomes.csv`, { method: "POST", body: form });
      setResult(json);
      await queryClient.invalidateQueries({ queryKey: ["registry-models"] });
      await queryClient.invalidateQueries({ queryKey: ["registry-version"] });
    } catch (err) {
      setError(refusal(err, locale));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack spacing={1.5} data-testid="outcome-upload">
      <Typography variant="body2" color="text.secondary">
        {translate("dabiwu.outcomes.help")}
      </Typography>
      <CopyBlock text={EXAMPLE} testId="outcomes-example" />
      <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap" useFlexGap>
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="outcomes-file"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setResult(null);
            setError(null);
          }}
        />
        <Button variant="contained" startIcon={<UploadFileIcon />} disabled={busy} onClick={() => void upload()} data-testid="outcomes-upload">
          {translate("dabiwu.outcomes.upload")}
        </Button>
      </Stack>
      {error && (
        <Alert severity="error" data-testid="outcomes-error" data-column={error.column ?? ""}>
          {error.text}
        </Alert>
      )}
      {result && (
        <Box data-testid="outcomes-result">
          <Alert severity="success" sx={{ mb: 1 }}>
            {translate("dabiwu.outcomes.done", { received: result.received })}
          </Alert>
          <Grid container spacing={2}>
            {(["received", "inserted", "updated", "unchanged"] as const).map((key) => (
              <Grid key={key} size={{ xs: 6, md: 3 }}>
                <Typography variant="body2" color="text.secondary">
                  {translate(`dabiwu.outcomes.${key}`)}
                </Typography>
                <Typography variant="h5" data-testid={`outcomes-${key}`} data-value={result[key]}>
                  {result[key]}
                </Typography>
              </Grid>
            ))}
          </Grid>
        </Box>
      )}
    </Stack>
  );
}
