import { Alert, Box, Card, CardContent, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { Title, useLocaleState, useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { apiGet, errorStatus } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { localized } from "../common/text";
import { FieldBoardPanel } from "../leads/FieldBoardPanel";

import { percent, type RegistryModel, type VersionSummary as RegistryVersion } from "./types";

const listedOf = (m: RegistryModel) => (Array.isArray(m.listed) ? m.listed : []);
const newestFirst = (versions: RegistryVersion[]) => [...versions].sort((a, b) => b.version - a.version);

/** What the CLI accepts: NAME@champion, else NAME/VERSION (there is no "latest" alias). */
function pullRef(m: RegistryModel): string {
  if (m.champion_version !== null && m.champion_version !== undefined) return `${m.registered_model}@champion`;
  const newest = newestFirst(listedOf(m))[0];
  return newest ? `${m.registered_model}/${newest.version}` : m.registered_model;
}

export function RegistryPage() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const format = useFormatDateTime();
  const models = useQuery({
    queryKey: ["registry-models"],
    queryFn: () => apiGet<RegistryModel[]>("/registry/models"),
    retry: false,
  });

  let body;
  if (models.isPending) body = <Loading />;
  else if (models.isError && errorStatus(models.error) !== 404) body = <ErrorState error={models.error} />;
  else {
    // Every challenge has a registered model name; only those with a listed version hold a model.
    const rows = (models.isError ? [] : (models.data ?? [])).filter((m) => listedOf(m).length > 0);
    body = !rows.length ? (
      <EmptyState message={translate("dabiwu.registry.empty")} testId="registry-empty">
        <Typography variant="body2" sx={{ mt: 1 }}>
          {translate("dabiwu.registry.empty_hint")}
        </Typography>
      </EmptyState>
    ) : (
      <Box sx={{ overflowX: "auto" }}>
        <Table size="small" data-testid="registry-list">
          <TableHead>
            <TableRow>
              <TableCell>{translate("dabiwu.registry.name")}</TableCell>
              <TableCell>{translate("dabiwu.registry.version")}</TableCell>
              <TableCell>{translate("dabiwu.registry.aliases")}</TableCell>
              <TableCell>{translate("dabiwu.registry.team")}</TableCell>
              <TableCell>{translate("dabiwu.registry.updated")}</TableCell>
              <TableCell align="right">{translate("dabiwu.registry.pulls")}</TableCell>
              <TableCell align="right">{translate("dabiwu.registry.leads_reported")}</TableCell>
              <TableCell align="right">{translate("dabiwu.registry.field_precision")}</TableCell>
              <TableCell>{translate("dabiwu.registry.drift_column")}</TableCell>
              <TableCell>{translate("dabiwu.registry.pull")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((m) => {
              const versions = newestFirst(listedOf(m));
              const champion = versions.find((v) => v.is_champion || v.version === m.champion_version);
              const shown = champion ?? versions[0];
              return (
                <TableRow key={m.registered_model} data-testid="registry-row" data-name={m.registered_model}>
                  <TableCell>
                    <Typography variant="body2">{localized(m as unknown as Record<string, unknown>, "title", locale)}</Typography>
                    <Typography variant="caption" color="text.secondary" sx={{ fontFamily: "monospace" }}>
                      {m.registered_model}
                    </Typography>
                  </TableCell>
                  <TableCell>
                    <Stack direction="row" spacing={0.5} flexWrap="wrap" useFlexGap>
                      {versions.map((v) => (
                        <Chip
                          key={v.version}
                          size="small"
                          variant="outlined"
                          clickable
                          component={Link}
                          to={`/registry/${encodeURIComponent(m.slug)}/${v.version}`}
                          label={`v${v.version}`}
                          data-testid="model-card-link"
                          data-version={v.version}
                        />
                      ))}
                    </Stack>
                  </TableCell>
                  <TableCell>
                    {champion ? <Chip size="small" color="primary" label={translate("dabiwu.registry.champion_version", { version: champion.version })} /> : "—"}
                  </TableCell>
                  <TableCell>{shown?.team || "—"}</TableCell>
                  <TableCell>{format(shown?.promoted_at ?? null)}</TableCell>
                  <TableCell align="right" data-testid="registry-pulls">{shown?.adoption?.pulls ?? "—"}</TableCell>
                  <TableCell align="right">
                    {shown?.adoption ? `${shown.adoption.cases_made} / ${shown.adoption.leads_reported}` : "—"}
                  </TableCell>
                  <TableCell align="right" data-testid="registry-precision">{percent(shown?.field_precision)}</TableCell>
                  <TableCell data-testid="registry-drift" data-drift={shown?.drift === true ? "true" : shown?.drift === false ? "false" : "unknown"}>
                    {shown?.drift === true ? (
                      <Chip size="small" color="warning" label={translate("dabiwu.registry.drift_yes")} title={translate("dabiwu.registry.drift_help")} />
                    ) : shown?.drift === false ? (
                      translate("dabiwu.registry.drift_no")
                    ) : (
                      "—"
                    )}
                  </TableCell>
                  <TableCell sx={{ fontFamily: "monospace", fontSize: 12 }}>{`dabiwu pull ${pullRef(m)} --out ./model`}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Box>
    );
  }

  return (
    <Box sx={{ mt: 2 }}>
      <Title title={translate("dabiwu.menu.registry")} />
      <Card>
        <CardContent>
          <Typography variant="h5" gutterBottom>
            {translate("dabiwu.menu.registry")}
          </Typography>
          <Alert severity="info" sx={{ mb: 2 }}>
            {translate("dabiwu.registry.intro")} <Link to="/district-use">{translate("dabiwu.menu.district_use")}</Link>
          </Alert>
          <Stack spacing={1}>{body}</Stack>
          {/* Beside the contest board: each listed model's field board (lead→case conversion reported by districts). */}
          <Stack spacing={3} sx={{ mt: 3 }} data-testid="registry-field-boards">
            {(models.data ?? []).filter((m) => listedOf(m).length > 0).map((m) => (
              <FieldBoardPanel key={m.slug} slug={m.slug} />
            ))}
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
