import { Alert, Box, CircularProgress, Typography } from "@mui/material";
import InboxIcon from "@mui/icons-material/Inbox";
import type { ReactNode } from "react";
import { useTranslate } from "react-admin";
import { errorText } from "../api/http";

export function Loading({ testId = "loading" }: { testId?: string }) {
  const translate = useTranslate();
  return (
    <Box data-testid={testId} sx={{ display: "flex", alignItems: "center", gap: 1, p: 2 }}>
      <CircularProgress size={20} />
      <Typography variant="body2">{translate("dabiwu.common.loading")}</Typography>
    </Box>
  );
}

export function EmptyState({ message, testId = "empty-state", children }: { message: string; testId?: string; children?: ReactNode }) {
  return (
    <Box data-testid={testId} sx={{ textAlign: "center", p: 4, color: "text.secondary" }}>
      <InboxIcon sx={{ fontSize: 48, opacity: 0.5 }} />
      <Typography variant="body1" sx={{ mt: 1 }}>
        {message}
      </Typography>
      {children}
    </Box>
  );
}

export function ErrorState({ error, testId = "error-state" }: { error: unknown; testId?: string }) {
  return (
    <Alert severity="error" data-testid={testId} sx={{ my: 1 }}>
      {errorText(error)}
    </Alert>
  );
}
