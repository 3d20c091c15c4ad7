import {
  Create,
  CreateButton,
  Datagrid,
  List,
  SimpleForm,
  TextField,
  TextInput,
  TopToolbar,
  regex,
  required,
  usePermissions,
  useTranslate,
} from "react-admin";
import { EmptyState } from "../common/States";

function NoDistricts() {
  const translate = useTranslate();
  return <EmptyState message={translate("dabiwu.admin.no_districts")} />;
}

export function DistrictList() {
  const translate = useTranslate();
  const { permissions } = usePermissions();
  return (
    <List
      title={translate("dabiwu.menu.districts")}
      exporter={false}
      empty={<NoDistricts />}
      actions={<TopToolbar>{permissions === "admin" && <CreateButton data-testid="district-create-button" />}</TopToolbar>}
    >
      <Datagrid bulkActionButtons={false} rowClick={false} data-testid="district-list">
        <TextField source="id" label="dabiwu.admin.id" sortable={false} />
        <TextField source="code" label="dabiwu.admin.code" sortable={false} />
        <TextField source="name_zh" label="dabiwu.admin.name_zh" sortable={false} />
        <TextField source="name_en" label="dabiwu.admin.name_en" sortable={false} />
      </Datagrid>
    </List>
  );
}

export function DistrictCreate() {
  const translate = useTranslate();
  return (
    <Create title={translate("dabiwu.admin.create_district")} redirect="list">
      <SimpleForm>
        <TextInput
          source="code"
          label="dabiwu.admin.code"
          helperText="dabiwu.admin.code_help"
          validate={[required(), regex(/^[a-z0-9-]{2,64}$/, "dabiwu.admin.code_rule")]}
        />
        <TextInput source="name_zh" label="dabiwu.admin.name_zh" validate={required()} />
        <TextInput source="name_en" label="dabiwu.admin.name_en" validate={required()} />
      </SimpleForm>
    </Create>
  );
}
