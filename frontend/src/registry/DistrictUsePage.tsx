import { Alert, Box, Button, Card, CardContent, MenuItem, Stack, TextField, Typography } from "@mui/material";
import KeyIcon from "@mui/icons-material/Key";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Title, useGetList, useLocaleState, useNotify, useTranslate } from "react-admin";
import { apiGet, apiPost, errorText } from "../api/http";
import { CopyBlock } from "../common/CopyBlock";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { localized } from "../common/text";
import type { Challenge, Schemas } from "../common/types";
import { useRole } from "../common/usePermissionsRole";
import { OutcomeUpload } from "./OutcomeUpload";
import type { RegistryModel } from "./types";

export function mlflowSnippet(origin: string, slug: string, token: string): string {
  return [
    `export MLFLOW_TRACKING_URI=${origin}/mlflow`,
    `export MLFLOW_TRACKING_TOKEN=${token}`,
    `python -c "import mlflow; m = mlflow.pyfunc.load_model('models:/${slug}@champion'); print(m.metadata)"`,
  ].join("\n");
}

export function cliSnippet(slug: string): string {
  return [
    `dabiwu pull ${slug}@champion --out ./model`,
    `dabiwu leads run ${slug}@champion --input leads.csv --out ranked.csv`,
  ].join("\n");
}

function TokenMaker({ onToken }: { onToken: (token: string) => void }) {
  const translate = useTranslate();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  const make = async () => {
    setBusy(true);
    try {
      const answer = await apiPost<Schemas["ApiTokenOut"]>("/auth/api-tokens", { name: "district-pull" });
      if (answer.token) {
        onToken(answer.token);
        notify(translate("dabiwu.district.token_created"), { type: "success" });
      }
    } catch (err) {
      notify(errorText(err), { type: "error" });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button variant="outlined" size="small" startIcon={<KeyIcon />} disabled={busy} onClick={() => void make()} data-testid="create-api-token">
      {translate("dabiwu.district.create_token")}
    </Button>
  );
}

export function DistrictUsePage() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const role = useRole();
  const [chosen, setChosen] = useState<string>("");
  const [token, setToken] = useState<string | null>(null);
  const { data, isPending, error } = useGetList<Challenge>("challenges", { pagination: { page: 1, perPage: 100 } });
  const challenges = data ?? [];
  // Start on a challenge whose model has a champion: that is the one the snippets can load.
  const registry = useQuery({
    queryKey: ["registry-models"],
    queryFn: () => apiGet<RegistryModel[]>("/registry/models"),
    retry: false,
  });
  const championed = new Set((registry.data ?? []).filter((m) => m.champion_version != null).map((m) => m.slug));
  const first = challenges.find((c) => championed.has(c.slug)) ?? challenges[0];
  const slug = chosen || (first ? first.slug : "");
  const origin = window.location.origin;
  const tokenText = token ?? translate("dabiwu.district.token_placeholder");

  return (
    <Box sx={{ mt: 2 }} data-testid="district-use-page">
      <Title title={translate("dabiwu.menu.district_use")} />
      <Card>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            {translate("dabiwu.menu.district_use")}
          </Typography>
          <Typography sx={{ mb: 2 }}>{translate("dabiwu.district.intro")}</Typography>
          {role && role !== "district" && (
            <Alert severity="info" sx={{ mb: 2 }}>
              {translate("dabiwu.district.role_note")}
            </Alert>
          )}
          {isPending ? (
            <Loading />
          ) : error ? (
            <ErrorState error={error} />
          ) : !challenges.length ? (
            <EmptyState message={translate("dabiwu.challenge.empty")} />
          ) : (
            <Stack spacing={2}>
              <TextField
                select
                size="small"
                label={translate("dabiwu.district.choose_challenge")}
                value={slug}
                onChange={(e) => setChosen(e.target.value)}
                slotProps={{ htmlInput: { "data-testid": "district-challenge-select" } }}
                sx={{ maxWidth: 480 }}
              >
                {challenges.map((c) => (
                  <MenuItem key={c.id} value={c.slug}>
                    {localized(c as unknown as Record<string, unknown>, "title", locale)} ({c.slug})
                  </MenuItem>
                ))}
              </TextField>

              <Typography variant="h6">{translate("dabiwu.district.step_token")}</Typography>
              <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap" useFlexGap>
                <TokenMaker onToken={setToken} />
                <Typography variant="body2" color="text.secondary">
                  {token ? translate("dabiwu.district.token_once") : translate("dabiwu.district.token_help")}
                </Typography>
              </Stack>
              {token && (
                <Typography component="code" data-testid="api-token" sx={{ wordBreak: "break-all", fontFamily: "monospace" }}>
                  {token}
                </Typography>
              )}

              <Typography variant="h6">{translate("dabiwu.district.step_mlflow")}</Typography>
              <CopyBlock text={mlflowSnippet(origin, slug, tokenText)} testId="mlflow-snippet" />

              <Typography variant="h6">{translate("dabiwu.district.step_cli")}</Typography>
              <Typography variant="body2" color="text.secondary">
                {translate("dabiwu.district.cli_help", { origin })}
              </Typography>
              <CopyBlock text={cliSnippet(slug)} testId="cli-snippet" />
              <Typography variant="body2" color="text.secondary">
                {translate("dabiwu.district.outcomes_note")}
              </Typography>

              <Typography variant="h6">{translate("dabiwu.outcomes.title")}</Typography>
              {role === "district" ? (
                <OutcomeUpload key={slug} slug={slug} />
              ) : (
                <Alert severity="info">{translate("dabiwu.outcomes.district_only")}</Alert>
              )}
            </Stack>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
