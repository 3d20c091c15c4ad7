import { Datagrid, List, TextField, useTranslate } from "react-admin";
import { DateTimeField } from "../common/DateTimeField";
import { EmptyState } from "../common/States";
import { ChallengeTitleField, MetricField, PhaseField } from "./ChallengeFields";

function NoChallenges() {
  const translate = useTranslate();
  return <EmptyState message={translate("dabiwu.challenge.empty")} testId="challenges-empty" />;
}

export function ChallengeList() {
  const translate = useTranslate();
  return (
    <List
      title={translate("dabiwu.menu.challenges")}
      exporter={false}
      empty={<NoChallenges />}
      perPage={25}
      sort={{ field: "id", order: "ASC" }}
    >
      <Datagrid rowClick="show" bulkActionButtons={false} data-testid="challenge-list">
        <ChallengeTitleField label="dabiwu.challenge.title" sortable={false} />
        <TextField source="slug" label="dabiwu.challenge.slug" sortable={false} />
        <PhaseField label="dabiwu.challenge.phase" sortable={false} />
        <MetricField label="dabiwu.challenge.metric" sortable={false} />
        <DateTimeField source="phases.close" label="dabiwu.challenge.deadline" sortable={false} />
      </Datagrid>
    </List>
  );
}
