import { Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from "@mui/material";
import { useLocaleState, useTranslate } from "react-admin";
import type { Challenge } from "../common/types";

/** The columns of the data set, with their role (id, label, district) marked. */
export function DataDictionary({ challenge }: { challenge: Challenge }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const columns = challenge.columns;
  if (!columns.length) {
    return <Typography color="text.secondary">{translate("dabiwu.challenge.no_columns")}</Typography>;
  }
  // A feature column (the default role) carries no chip: only the id, label and district columns are marked.
  const roleOf = (name: string, role: string) => {
    if (role !== "feature") return role;
    if (name === challenge.id_column) return "id";
    if (name === challenge.label_column) return "label";
    if (name === challenge.group_column) return "group";
    return "";
  };
  return (
    <TableContainer>
      <Table size="small" data-testid="data-dictionary">
        <TableHead>
          <TableRow>
            <TableCell>{translate("dabiwu.challenge.column_name")}</TableCell>
            <TableCell>{translate("dabiwu.challenge.column_type")}</TableCell>
            <TableCell>{translate("dabiwu.challenge.column_meaning")}</TableCell>
            <TableCell>{translate("dabiwu.challenge.column_role")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {columns.map((col) => {
            const role = roleOf(col.name, col.role);
            return (
              <TableRow key={col.name}>
                <TableCell sx={{ fontFamily: "monospace" }}>{col.name}</TableCell>
                <TableCell sx={{ fontFamily: "monospace" }}>{col.type}</TableCell>
                <TableCell>{(locale === "zh" ? col.zh || col.en : col.en || col.zh) ?? ""}</TableCell>
                <TableCell>
                  {role ? <Chip size="small" label={translate(`dabiwu.column_role.${role}`, { _: role })} /> : null}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
