import { Alert, Box } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslate } from "react-admin";
import type { Role } from "../api/http";
import { Loading } from "./States";
import { useRole } from "./usePermissionsRole";

/** A page only some roles may use: others (following an old link) get a sentence, not the API's refusal. */
export function RoleOnly({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const role = useRole();
  const translate = useTranslate();
  if (role === undefined) return <Loading />;
  if (!roles.includes(role)) {
    return (
      <Box sx={{ p: 2 }}>
        <Alert severity="info" data-testid="role-refused">
          {translate("dabiwu.errors.forbidden")}
        </Alert>
      </Box>
    );
  }
  return <>{children}</>;
}
