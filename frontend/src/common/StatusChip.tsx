import { Chip, CircularProgress } from "@mui/material";
import { useTranslate } from "react-admin";

type ChipColor = "default" | "primary" | "secondary" | "error" | "info" | "success" | "warning";

const STATUS_COLORS: Record<string, ChipColor> = {
  queued: "default",
  running: "info",
  scored: "success",
  failed: "error",
  rejected: "warning",
};

export function StatusChip({ status, testId }: { status: string | undefined; testId?: string }) {
  const translate = useTranslate();
  const value = status ?? "unknown";
  const busy = value === "queued" || value === "running";
  return (
    <Chip
      size="small"
      data-testid={testId}
      data-status={value}
      color={STATUS_COLORS[value] ?? "default"}
      icon={busy ? <CircularProgress size={12} color="inherit" /> : undefined}
      label={translate(`dabiwu.status.${value}`, { _: value })}
    />
  );
}

const PHASE_COLORS: Record<string, ChipColor> = {
  upcoming: "default",
  open: "success",
  closed: "warning",
  finalized: "primary",
};

export function PhaseChip({ phase }: { phase: string | undefined }) {
  const translate = useTranslate();
  const value = phase ?? "unknown";
  return (
    <Chip
      size="small"
      data-testid="challenge-phase"
      data-phase={value}
      color={PHASE_COLORS[value] ?? "default"}
      label={translate(`dabiwu.phase.${value}`, { _: value })}
    />
  );
}
