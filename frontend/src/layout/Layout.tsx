import type { ReactNode } from "react";
import { AppBar, Layout as RaLayout, LoadingIndicator, TitlePortal, useTranslate } from "react-admin";
import { Typography } from "@mui/material";
import { AppMenu } from "./AppMenu";
import { LocaleSwitch } from "./LocaleSwitch";
import { NotificationBell } from "../notifications/NotificationBell";
import { ScoringBanner } from "./ScoringBanner";

function AppTitle() {
  const translate = useTranslate();
  return (
    <Typography variant="h6" sx={{ mr: 2, whiteSpace: "nowrap", fontWeight: 700 }} data-testid="app-title">
      {translate("dabiwu.app.name")}
    </Typography>
  );
}

function DabiwuAppBar() {
  return (
    <AppBar
      toolbar={
        <>
          <NotificationBell />
          <LocaleSwitch />
          <LoadingIndicator />
        </>
      }
    >
      <AppTitle />
      <TitlePortal />
    </AppBar>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <RaLayout appBar={DabiwuAppBar} menu={AppMenu}>
      <ScoringBanner />
      {children}
    </RaLayout>
  );
}
