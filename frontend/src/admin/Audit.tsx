import { Box } from "@mui/material";
import { Datagrid, FunctionField, List, useTranslate, type RaRecord } from "react-admin";
import { auditSentence, type AuditEvent } from "./auditSentence";
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
        <FunctionField
          label="dabiwu.admin.action"
          sortable={false}
          render={(r: RaRecord) => (
            <Box component="span" data-testid="audit-sentence" data-action={r.action} title={r.action} sx={{ overflowWrap: "anywhere" }}>
              {auditSentence(r as AuditEvent, translate)}
            </Box>
          )}
        />
      </Datagrid>
    </List>
  );
}
