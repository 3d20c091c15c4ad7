import { Alert, Box, Button, Card, CardContent, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import AutorenewIcon from "@mui/icons-material/Autorenew";
import CalculateIcon from "@mui/icons-material/Calculate";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Confirm, Title, useLocaleState, useRefresh, useTranslate } from "react-admin";
import { apiGet, apiPost, errorText } from "../api/http";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { localized } from "../common/text";
import type { Schemas } from "../common/types";

type Bundle = Schemas["BundleOut"];
type LoadResult = Schemas["BundleLoadOut"];
type RescoreResult = Schemas["RescoreChallengeOut"];

type Outcome = { slug: string; kind: "load"; result: LoadResult } | { slug: string; kind: "rescore"; result: RescoreResult } | { slug: string; kind: "error"; text: string };

/** Admin: the challenge bundles on the server, (re)loading one, and rescoring a whole challenge. */
export function BundlesPage() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const refresh = useRefresh();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const bundles = useQuery({ queryKey: ["admin-bundles"], queryFn: () => apiGet<Bundle[]>("/admin/bundles?page_size=500"), retry: false });

  // Rescoring a whole challenge re-computes every score: ask first.
  const [confirmRescore, setConfirmRescore] = useState<string | null>(null);
  const run = async (slug: string, kind: "load" | "rescore") => {
    setBusy(`${kind}:${slug}`);
    setOutcome(null);
    try {
      if (kind === "load") {
        const result = await apiPost<LoadResult>(`/admin/bundles/${encodeURIComponent(slug)}/load`, {});
        setOutcome({ slug, kind, result });
        await queryClient.invalidateQueries({ queryKey: ["admin-bundles"] });
        refresh(); // the challenge list may have gained one
      } else {
        const result = await apiPost<RescoreResult>(`/challenges/${encodeURIComponent(slug)}/rescore`, {});
        setOutcome({ slug, kind, result });
        await queryClient.invalidateQueries({ queryKey: ["leaderboard", slug] });
      }
    } catch (err) {
      setOutcome({ slug, kind: "error", text: errorText(err) });
    } finally {
      setBusy(null);
    }
  };

  let body;
  if (bundles.isPending) body = <Loading />;
  else if (bundles.isError) body = <ErrorState error={bundles.error} />;
  else if (!bundles.data.length) body = <EmptyState message={translate("dabiwu.bundles.empty")} testId="bundles-empty" />;
  else
    body = (
      <Box sx={{ overflowX: "auto" }}>
        <Table size="small" data-testid="bundle-list">
          <TableHead>
            <TableRow>
              <TableCell>{translate("dabiwu.challenge.title")}</TableCell>
              <TableCell>{translate("dabiwu.bundles.version")}</TableCell>
              <TableCell>{translate("dabiwu.bundles.loaded")}</TableCell>
              <TableCell align="right">{translate("dabiwu.bundles.dataset_versions")}</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {bundles.data.map((b) => (
              <TableRow key={b.folder} data-testid="bundle-row" data-slug={b.slug} data-loaded={b.loaded ? "true" : "false"} data-up-to-date={b.up_to_date ? "true" : "false"}>
                <TableCell>
                  <Typography variant="body2">{localized(b as unknown as Record<string, unknown>, "title", locale) || b.folder}</Typography>
                  <Typography variant="caption" color="text.secondary" sx={{ fontFamily: "monospace" }}>
                    challenges/{b.folder}
                  </Typography>
                  {b.error && (
                    <Alert severity="error" sx={{ mt: 1, whiteSpace: "pre-wrap" }} data-testid="bundle-error">
                      {b.error}
                    </Alert>
                  )}
                </TableCell>
                <TableCell sx={{ fontFamily: "monospace" }}>{b.version ?? "—"}</TableCell>
                <TableCell>
                  {!b.loaded ? (
                    <Chip size="small" label={translate("dabiwu.bundles.not_loaded")} />
                  ) : b.up_to_date ? (
                    <Chip size="small" color="success" label={translate("dabiwu.bundles.up_to_date", { version: b.loaded_version ?? "" })} />
                  ) : (
                    <Chip size="small" color="warning" label={translate("dabiwu.bundles.outdated", { version: b.loaded_version ?? "" })} />
                  )}
                </TableCell>
                <TableCell align="right">{b.dataset_versions}</TableCell>
                <TableCell align="right">
                  <Stack direction="row" spacing={1} justifyContent="flex-end" flexWrap="wrap" useFlexGap>
                    <Button size="small" variant="outlined" startIcon={<AutorenewIcon />} disabled={busy !== null || !!b.error}
                      onClick={() => void run(b.slug, "load")} data-testid="bundle-load">
                      {translate(b.loaded ? "dabiwu.bundles.reload" : "dabiwu.bundles.load")}
                    </Button>
                    <Button size="small" startIcon={<CalculateIcon />} disabled={busy !== null || !b.loaded}
                      onClick={() => setConfirmRescore(b.slug)} data-testid="rescore-challenge">
                      {translate("dabiwu.bundles.rescore")}
                    </Button>
                  </Stack>
                  <Confirm
                    isOpen={confirmRescore === b.slug}
                    title={translate("dabiwu.bundles.rescore_confirm_title", { slug: b.slug })}
                    content={translate("dabiwu.bundles.rescore_confirm_body")}
                    confirm={translate("dabiwu.bundles.rescore_confirm_yes")}
                    cancel={translate("dabiwu.bundles.rescore_confirm_no")}
                    onConfirm={() => {
                      setConfirmRescore(null);
                      void run(b.slug, "rescore");
                    }}
                    onClose={() => setConfirmRescore(null)}
                  />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    );

  return (
    <Box sx={{ mt: 2 }} data-testid="bundles-page">
      <Title title={translate("dabiwu.menu.bundles")} />
      <Card>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            {translate("dabiwu.menu.bundles")}
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            {translate("dabiwu.bundles.intro")}
          </Typography>
          {busy && <Loading testId="bundle-busy" />}
          {outcome?.kind === "error" && (
            <Alert severity="error" sx={{ mb: 2 }} data-testid="bundle-action-error">
              {outcome.text}
            </Alert>
          )}
          {outcome?.kind === "load" && (
            <Alert severity="success" sx={{ mb: 2 }} data-testid="bundle-load-result" data-slug={outcome.slug} data-created={outcome.result.created ? "true" : "false"}>
              {translate(outcome.result.created ? "dabiwu.bundles.loaded_new" : "dabiwu.bundles.loaded_same", {
                slug: outcome.slug,
                version: outcome.result.version,
                dataset: outcome.result.dataset_version,
                train: outcome.result.train_rows,
                test: outcome.result.test_rows,
              })}
            </Alert>
          )}
          {outcome?.kind === "rescore" && (
            <Alert severity="success" sx={{ mb: 2 }} data-testid="rescore-result" data-slug={outcome.slug}
              data-total={Object.values(outcome.result.outcomes).reduce((a, b) => a + b, 0)}>
              {translate("dabiwu.bundles.rescored", {
                slug: outcome.slug,
                outcomes: Object.entries(outcome.result.outcomes).map(([k, n]) => `${translate(`dabiwu.rescore.${k}`, { _: k })} ${n}`).join(", ") || "0",
              })}
            </Alert>
          )}
          {body}
        </CardContent>
      </Card>
    </Box>
  );
}
