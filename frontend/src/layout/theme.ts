import { defaultTheme, type RaThemeOptions } from "react-admin";

// Chinese has no letter case, and upper-cased English labels read as shouting next to it.
export const theme: RaThemeOptions = {
  ...defaultTheme,
  typography: { ...(defaultTheme.typography as object), button: { textTransform: "none" } },
};
