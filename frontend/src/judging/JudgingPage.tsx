import { Alert, Box, Stack } from "@mui/material";
import { Title, useTranslate } from "react-admin";
import { useNavigate, useParams } from "react-router-dom";
import { ChallengeSelect, useChallengeFromRoute } from "../common/ChallengeSelect";
import { Section } from "../common/Section";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { PhaseChip } from "../common/StatusChip";
import { canSeePrivate, useRole } from "../common/usePermissionsRole";
import { DisqualifyPanel } from "./DisqualifyPanel";
import { FinalizePanel } from "./FinalizePanel";
import { ReviewPanel } from "./ReviewPanel";

/** Judges and admins: rubric reviews, disqualification and finalize for one challenge. */
export function JudgingPage() {
  const translate = useTranslate();
  const navigate = useNavigate();
  const role = useRole();
  const { slug } = useParams<{ slug?: string }>();
  const { challenges, current, currentSlug, isPending, error } = useChallengeFromRoute(slug);

  let body;
  if (role !== undefined && !canSeePrivate(role)) body = <Alert severity="info" data-testid="judging-forbidden">{translate("dabiwu.judging.forbidden")}</Alert>;
  else if (isPending || role === undefined) body = <Loading />;
  else if (error) body = <ErrorState error={error} />;
  else if (!challenges.length) body = <EmptyState message={translate("dabiwu.challenge.empty")} />;
  else
    body = (
      <Stack spacing={2}>
        <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap" useFlexGap>
          <ChallengeSelect
            challenges={challenges}
            value={currentSlug}
            onChange={(s) => navigate(`/judging/${s}`)}
            label={translate("dabiwu.leaderboard.choose_challenge")}
            testId="judging-challenge-select"
          />
          {current && <PhaseChip phase={current.phase} />}
        </Stack>
        {!current ? (
          <Alert severity="error">{translate("dabiwu.upload.unknown_challenge", { slug: slug ?? "" })}</Alert>
        ) : (
          <Stack spacing={2} key={currentSlug} data-testid="judging-panels" data-slug={currentSlug} data-phase={current.phase}>
            <Section title={translate("dabiwu.judging.review_title")} testId="judging-review">
              <ReviewPanel challenge={current} />
            </Section>
            <Section title={translate("dabiwu.judging.disqualify_title_section")} testId="judging-disqualify">
              <DisqualifyPanel slug={currentSlug} />
            </Section>
            <Section title={translate("dabiwu.judging.finalize_title")} testId="judging-finalize">
              <FinalizePanel challenge={current} />
            </Section>
          </Stack>
        )}
      </Stack>
    );

  return (
    <Box sx={{ mt: 2 }} data-testid="judging-page">
      <Title title={translate("dabiwu.menu.judging")} />
      {body}
    </Box>
  );
}
