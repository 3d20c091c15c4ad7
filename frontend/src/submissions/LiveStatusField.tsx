import { useRecordContext, useRefresh } from "react-admin";
import { StatusChip } from "../common/StatusChip";
import type { Submission } from "../common/types";
import { useLiveSubmission } from "./useLiveSubmission";

/** A list cell whose chip follows the submission live until it is terminal, then refreshes the list. */
export function LiveStatusField(_: { label?: string; sortable?: boolean }) {
  const record = useRecordContext<Submission>();
  const refresh = useRefresh();
  const live = useLiveSubmission(record?.id, record?.status, refresh);
  if (!record) return null;
  return <StatusChip status={live.status ?? record.status} testId="submission-row-status" />;
}
