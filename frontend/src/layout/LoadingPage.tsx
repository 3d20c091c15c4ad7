import { Box, CircularProgress, Typography } from "@mui/material";
import { useTranslate } from "react-admin";

/**
 * Shown at once while react-admin checks the session (react-admin's own loading page waits a second
 * before it shows anything, which reads as a blank page).
 */
export function LoadingPage() {
  const translate = useTranslate();
  return (
    <Box
      data-testid="app-loading"
      sx={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", gap: 2 }}
    >
      <CircularProgress size={28} />
      <Typography variant="body1" color="text.secondary">
        {translate("dabiwu.common.loading")}
      </Typography>
    </Box>
  );
}
