import { Box } from "@mui/material";
import { Datagrid, FunctionField, List, TextField, useTranslate, type RaRecord } from "react-admin";
import { DateTimeField } from "../common/DateTimeField";
import { EmptyState } from "../common/States";

function NoEvents() {
  const translate = useTranslate();
  return <EmptyState message={translate("dabiwu.admin.no_audit")} />;
}

export function AuditList() {
  const translate = useTranslate();
  return (
    <List title={translate("dabiwu.menu.audit")} exporter={false} empty={<NoEvents />} perPage={50}>
      <Datagrid bulkActionButtons={false} rowClick={false} data-testid="audit-list">
        <DateTimeField source="at" label="dabiwu.admin.at" sortable={false} withSeconds />
        <TextField source="actor_name" label="dabiwu.admin.actor" sortable={false} />
        <TextField source="action" label="dabiwu.admin.action" sortable={false} />
        <FunctionField label="dabiwu.admin.object" sortable={false} render={(r: RaRecord) => `${r.object_type} #${r.object_id}`} />
        <FunctionField
          label="dabiwu.admin.detail"
          sortable={false}
          render={(r: RaRecord) =>
            r.detail && Object.keys(r.detail).length ? (
              <Box component="code" sx={{ fontSize: 12, whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
                {JSON.stringify(r.detail)}
              </Box>
            ) : (
              "—"
            )
          }
        />
      </Datagrid>
    </List>
  );
}
