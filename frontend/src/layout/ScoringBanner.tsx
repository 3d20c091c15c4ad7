import { Alert, AlertTitle, Box } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useTranslate } from "react-admin";
import { apiGet } from "../api/http";
import { localizedField } from "../api/messages";
import type { Schemas } from "../common/types";
import { useRole } from "../common/usePermissionsRole";

export type ScoringProblem = Schemas["ProblemOut"];
export type ScoringReadiness = Schemas["ScoringOut"];

/** What stops scoring now (the server's readiness answer), each problem in the user's language. */
export function ScoringProblems({ scoring }: { scoring: ScoringReadiness }) {
  const translate = useTranslate();
  return (
    <Alert severity="error" data-testid="scoring-banner" sx={{ mb: 2 }}>
      <AlertTitle>{translate("dabiwu.admin.cannot_score")}</AlertTitle>
      {scoring.problems.map((p) => (
        <Box key={p.code} data-testid={`scoring-problem-${p.code}`} sx={{ overflowWrap: "anywhere" }}>
          {localizedField(p, "detail")}
        </Box>
      ))}
    </Alert>
  );
}

/** Admins see at once, on every page, when submitted models cannot be scored (no sandbox, no live worker). */
export function ScoringBanner() {
  const role = useRole();
  const queue = useQuery({
    queryKey: ["admin-queue", "scoring"],
    queryFn: () => apiGet<Schemas["QueueOut"]>("/admin/queue"),
    enabled: role === "admin",
    retry: false,
    refetchInterval: 30_000,
  });
  const scoring = queue.data?.scoring;
  if (role !== "admin" || !scoring || scoring.can_score) return null;
  return <ScoringProblems scoring={scoring} />;
}
