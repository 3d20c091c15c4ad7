import { Box, Typography } from "@mui/material";
import { useEffect, useState } from "react";
import { useTranslate } from "react-admin";
import { parseApiDate, useFormatDateTime } from "../common/dates";
import type { Challenge } from "../common/types";

function split(ms: number) {
  const total = Math.max(0, Math.floor(ms / 1000));
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor((total % 86400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}

/** Counts down to the phase's next boundary: opening if upcoming, closing if open. */
export function PhaseCountdown({ challenge }: { challenge: Challenge }) {
  const translate = useTranslate();
  const format = useFormatDateTime();
  const done = challenge.phase === "finalized" || challenge.phase === "closed";
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (done) return; // nothing to count down to: no ticking timer
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [done]);

  if (challenge.phase === "finalized") {
    return (
      <Typography data-testid="phase-countdown" data-remaining="0" data-finalized="true" variant="body1" color="text.secondary">
        {translate("dabiwu.challenge.finalized_note")}
      </Typography>
    );
  }

  const open = parseApiDate(challenge.phases.open);
  const close = parseApiDate(challenge.phases.close);
  let target: Date | null = null;
  let labelKey = "";
  if (open && now < open.getTime()) {
    target = open;
    labelKey = "dabiwu.challenge.countdown_to_open";
  } else if (close && now < close.getTime()) {
    target = close;
    labelKey = "dabiwu.challenge.countdown_to_close";
  }

  if (!target) {
    return (
      <Typography data-testid="phase-countdown" data-remaining="0" variant="body1" color="text.secondary">
        {translate("dabiwu.challenge.closed_at", { date: format(challenge.phases.close) })}
      </Typography>
    );
  }
  const left = split(target.getTime() - now);
  return (
    <Box data-testid="phase-countdown" data-remaining={Math.floor((target.getTime() - now) / 1000)}>
      <Typography variant="body2" color="text.secondary">
        {translate(labelKey, { date: format(target) })}
      </Typography>
      <Typography variant="h5" sx={{ fontVariantNumeric: "tabular-nums" }}>
        {translate("dabiwu.challenge.countdown", left)}
      </Typography>
    </Box>
  );
}
