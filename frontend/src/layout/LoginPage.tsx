import { Box, Typography } from "@mui/material";
import { Login, LoginForm, PasswordInput, TextInput, required, useTranslate } from "react-admin";
import { LocaleSwitch } from "./LocaleSwitch";

/**
 * react-admin's login with the platform's name and a language switch. The inputs
 * are given fixed ids (#username, #password): react-admin 5 otherwise generates them.
 */
export function LoginPage() {
  const translate = useTranslate();
  return (
    <Login>
      <Box sx={{ px: 2, pt: 1, textAlign: "center" }} data-testid="login-heading">
        <Typography variant="h6" sx={{ fontWeight: 700 }}>
          {translate("dabiwu.app.name")}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {translate("dabiwu.app.subtitle")}
        </Typography>
      </Box>
      <LoginForm>
        <TextInput
          autoFocus
          id="username"
          source="username"
          label={translate("ra.auth.username")}
          autoComplete="username"
          validate={required()}
        />
        <PasswordInput
          id="password"
          source="password"
          label={translate("ra.auth.password")}
          autoComplete="current-password"
          validate={required()}
        />
      </LoginForm>
      <Box sx={{ display: "flex", justifyContent: "center", pb: 1 }}>
        <LocaleSwitch color="primary" />
      </Box>
    </Login>
  );
}
