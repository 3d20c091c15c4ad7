import { Datagrid, FunctionField, List, TextField, useTranslate, type RaRecord } from "react-admin";
import { EmptyState } from "../common/States";

function NoTeams() {
  const translate = useTranslate();
  return <EmptyState message={translate("dabiwu.admin.no_teams")} />;
}

export function TeamList() {
  const translate = useTranslate();
  return (
    <List title={translate("dabiwu.menu.teams")} exporter={false} empty={<NoTeams />}>
      <Datagrid bulkActionButtons={false} rowClick={false} data-testid="team-list">
        <TextField source="id" label="dabiwu.admin.id" sortable={false} />
        <TextField source="name" label="dabiwu.admin.team" sortable={false} />
        <FunctionField
          label="dabiwu.admin.members"
          sortable={false}
          render={(r: RaRecord) => (Array.isArray(r.members) ? r.members.join(", ") : "—")}
        />
      </Datagrid>
    </List>
  );
}
