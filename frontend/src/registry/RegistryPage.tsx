import { Alert, Box, Card, CardContent, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { Title, useTranslate } from "react-admin";
import { Link } from "react-router-dom";
import { apiGet, errorStatus } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { nameOf } from "../common/text";

type RegistryModel = Record<string, unknown>;

function aliasesOf(model: RegistryModel): string[] {
  const aliases = model.aliases;
  if (Array.isArray(aliases)) return aliases.map((a) => (typeof a === "string" ? a : nameOf((a as Record<string, unknown>).alias ?? a)));
  if (aliases && typeof aliases === "object") {
    return Object.entries(aliases as Record<string, unknown>).map(([alias, version]) => `${alias} → v${String(version)}`);
  }
  return [];
}

const modelName = (m: RegistryModel) => String(m.name ?? m.registered_model ?? m.slug ?? m.id ?? "");
const modelVersion = (m: RegistryModel) => m.latest_version ?? m.version ?? m.champion_version ?? "—";

export function RegistryPage() {
  const translate = useTranslate();
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
    const rows = models.isError ? [] : (models.data ?? []);
    body = !rows.length ? (
      <EmptyState message={translate("dabiwu.registry.empty")} testId="registry-empty">
        <Typography variant="body2" sx={{ mt: 1 }}>
          {translate("dabiwu.registry.empty_hint")}
        </Typography>
      </EmptyState>
    ) : (
      <Table size="small" data-testid="registry-list">
        <TableHead>
          <TableRow>
            <TableCell>{translate("dabiwu.registry.name")}</TableCell>
            <TableCell>{translate("dabiwu.registry.version")}</TableCell>
            <TableCell>{translate("dabiwu.registry.aliases")}</TableCell>
            <TableCell>{translate("dabiwu.registry.team")}</TableCell>
            <TableCell>{translate("dabiwu.registry.updated")}</TableCell>
            <TableCell>{translate("dabiwu.registry.pull")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((m) => (
            <TableRow key={modelName(m)} data-testid="registry-row" data-name={modelName(m)}>
              <TableCell sx={{ fontFamily: "monospace" }}>{modelName(m)}</TableCell>
              <TableCell>{String(modelVersion(m))}</TableCell>
              <TableCell>
                <Stack direction="row" spacing={0.5} flexWrap="wrap" useFlexGap>
                  {aliasesOf(m).map((a) => (
                    <Chip key={a} size="small" label={a} color={a.startsWith("champion") ? "primary" : "default"} />
                  ))}
                </Stack>
              </TableCell>
              <TableCell>{nameOf(m.team ?? m.source_team) || "—"}</TableCell>
              <TableCell>{format((m.updated_at ?? m.last_updated_timestamp ?? m.created_at) as string | number | null)}</TableCell>
              <TableCell sx={{ fontFamily: "monospace", fontSize: 12 }}>{`dabiwu pull ${modelName(m)}@champion --out ./model`}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
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
          {body}
        </CardContent>
      </Card>
    </Box>
  );
}
