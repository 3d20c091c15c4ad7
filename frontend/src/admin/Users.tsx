import {
  Create,
  Datagrid,
  FormDataConsumer,
  FunctionField,
  List,
  PasswordInput,
  SelectInput,
  SimpleForm,
  TextField,
  TextInput,
  TopToolbar,
  CreateButton,
  required,
  minLength,
  regex,
  useGetList,
  useLocaleState,
  useTranslate,
  type RaRecord,
} from "react-admin";
import { EmptyState } from "../common/States";
import { nameOf } from "../common/text";

const ROLES = ["admin", "judge", "team", "district"] as const;

function RoleField(_: { label?: string; sortable?: boolean }) {
  const translate = useTranslate();
  return <FunctionField render={(r: RaRecord) => translate(`dabiwu.role.${r.role}`, { _: r.role })} />;
}

function NoUsers() {
  const translate = useTranslate();
  return <EmptyState message={translate("dabiwu.admin.no_users")} />;
}

export function UserList() {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  return (
    <List
      title={translate("dabiwu.menu.users")}
      exporter={false}
      empty={<NoUsers />}
      actions={
        <TopToolbar>
          <CreateButton data-testid="user-create-button" />
        </TopToolbar>
      }
    >
      <Datagrid bulkActionButtons={false} rowClick={false} data-testid="user-list">
        <TextField source="id" label="dabiwu.admin.id" sortable={false} />
        <TextField source="username" label="dabiwu.admin.username" sortable={false} />
        <TextField source="display_name" label="dabiwu.admin.display_name" sortable={false} />
        <RoleField label="dabiwu.admin.role" sortable={false} />
        <FunctionField label="dabiwu.admin.team" sortable={false} render={(r: RaRecord) => nameOf(r.team) || "—"} />
        <FunctionField label="dabiwu.admin.district" sortable={false} render={(r: RaRecord) => nameOf(r.district, locale) || "—"} />
      </Datagrid>
    </List>
  );
}

function DistrictSelect() {
  const [locale] = useLocaleState();
  const { data } = useGetList("districts", { pagination: { page: 1, perPage: 500 } });
  const choices = (data ?? []).map((d) => ({ id: d.code as string, name: `${locale === "zh" ? d.name_zh : d.name_en} (${d.code})` }));
  return <SelectInput source="district" label="dabiwu.admin.district" choices={choices} validate={required()} />;
}

export function UserCreate() {
  const translate = useTranslate();
  return (
    <Create title={translate("dabiwu.admin.create_user")} redirect="list">
      <SimpleForm defaultValues={{ role: "team" }} data-testid="user-create-form">
        <TextInput
          source="username"
          label="dabiwu.admin.username"
          validate={[required(), minLength(2), regex(/^[A-Za-z0-9_.-]+$/, "dabiwu.admin.username_rule")]}
        />
        <TextInput source="display_name" label="dabiwu.admin.display_name" />
        <PasswordInput source="password" label="dabiwu.admin.password" validate={[required(), minLength(8)]} />
        <SelectInput
          source="role"
          label="dabiwu.admin.role"
          choices={ROLES.map((role) => ({ id: role, name: `dabiwu.role.${role}` }))}
          validate={required()}
        />
        <FormDataConsumer>
          {({ formData }) =>
            formData.role === "team" ? (
              <TextInput source="team" label="dabiwu.admin.team" helperText="dabiwu.admin.team_help" validate={required()} />
            ) : formData.role === "district" ? (
              <DistrictSelect />
            ) : null
          }
        </FormDataConsumer>
      </SimpleForm>
    </Create>
  );
}
