import { Chip, Typography } from "@mui/material";
import {
  Datagrid,
  FunctionField,
  List,
  ReferenceInput,
  SelectInput,
  TextField,
  useLocaleState,
  useTranslate,
  type RaRecord,
} from "react-admin";
import { Link } from "react-router-dom";
import { DateTimeField } from "../common/DateTimeField";
import { EmptyState } from "../common/States";
import { formatScore, localized, nameOf } from "../common/text";
import type { Submission } from "../common/types";
import { useChallengeTitles } from "../common/useChallengeTitles";
import { useRole } from "../common/usePermissionsRole";
import { LiveStatusField } from "./LiveStatusField";

function useFilters() {
  const [locale] = useLocaleState();
  return [
    <ReferenceInput key="challenge" source="challenge" reference="challenges" alwaysOn>
      <SelectInput
        label="dabiwu.submission.challenge"
        optionText={(c: RaRecord) => localized(c as Record<string, unknown>, "title", locale)}
        data-testid="submission-challenge-filter"
      />
    </ReferenceInput>,
    <SelectInput
      key="status"
      source="status"
      label="dabiwu.submission.status"
      choices={["queued", "running", "scored", "failed", "rejected"].map((id) => ({ id, name: `dabiwu.status.${id}` }))}
      alwaysOn
      data-testid="submission-status-filter"
    />,
  ];
}

function NoSubmissions() {
  const translate = useTranslate();
  const role = useRole();
  return (
    <EmptyState message={translate("dabiwu.submission.empty")} testId="submissions-empty">
      {role === "team" && (
        <Typography variant="body2" sx={{ mt: 1 }}>
          <Link to="/submit">{translate("dabiwu.submission.empty_hint")}</Link>
        </Typography>
      )}
    </EmptyState>
  );
}

export function SubmissionList() {
  const translate = useTranslate();
  const title = useChallengeTitles();
  const role = useRole();
  const filters = useFilters();
  return (
    <List
      title={translate(role === "team" ? "dabiwu.menu.my_submissions" : "dabiwu.menu.submissions")}
      exporter={false}
      filters={filters}
      empty={<NoSubmissions />}
      perPage={25}
      sort={{ field: "created_at", order: "DESC" }}
    >
      <Datagrid rowClick="show" bulkActionButtons={false} data-testid="submission-list">
        <FunctionField
          label="dabiwu.submission.id"
          sortable={false}
          render={(r: Submission) => <code title={r.id}>{String(r.id).slice(0, 8)}</code>}
        />
        <FunctionField label="dabiwu.submission.challenge" sortable={false} render={(r: Submission) => <span data-testid="submission-row-challenge" title={r.challenge}>{title(r.challenge)}</span>} />
        {role !== "team" && (
          <FunctionField label="dabiwu.submission.team" sortable={false} render={(r: Submission) => nameOf(r.team)} />
        )}
        <TextField source="filename" label="dabiwu.submission.filename" sortable={false} emptyText="—" />
        <LiveStatusField label="dabiwu.submission.status" sortable={false} />
        <FunctionField
          label="dabiwu.submission.public_score"
          sortable={false}
          render={(r: Submission) => <span data-testid="submission-row-score">{formatScore(r.public_score)}</span>}
        />
        <FunctionField
          label="dabiwu.submission.is_final"
          sortable={false}
          render={(r: Submission) =>
            r.is_final ? <Chip size="small" color="secondary" label={translate("dabiwu.submission.final_chip")} /> : null
          }
        />
        <DateTimeField source="created_at" label="dabiwu.submission.created_at" sortable={false} />
      </Datagrid>
    </List>
  );
}
