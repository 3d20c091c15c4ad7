import { Typography } from "@mui/material";
import { useRecordContext, useTranslate } from "react-admin";
import { useFormatDateTime } from "./dates";

/** A record's UTC datetime shown in Beijing time, in the current language. */
export function DateTimeField(props: { source: string; label?: string; sortable?: boolean; withSeconds?: boolean }) {
  const record = useRecordContext();
  const format = useFormatDateTime();
  const translate = useTranslate();
  if (!record) return null;
  const value = props.source.split(".").reduce<unknown>((obj, key) => (obj as Record<string, unknown> | null)?.[key], record);
  return (
    <Typography component="span" variant="body2" title={translate("dabiwu.common.beijing_time")}>
      {format(value as string | null, props.withSeconds)}
    </Typography>
  );
}
