import {
  Alert, Box, Button, Chip, MenuItem, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography,
} from "@mui/material";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLocaleState, useTranslate } from "react-admin";
import { apiGet, apiPost, errorText, tokenStore } from "../api/http";
import { useFormatDateTime } from "../common/dates";
import { EmptyState, ErrorState, Loading } from "../common/States";
import { formatScore, pickLang } from "../common/text";
import type { Challenge, LeaderboardRow } from "../common/types";
import { rubricScore, type Review, type RubricItem } from "./types";

const enc = encodeURIComponent;

export function useFinalists(slug: string) {
  return useQuery({
    queryKey: ["leaderboard", slug, "private", "all"],
    queryFn: () => apiGet<LeaderboardRow[]>(`/challenges/${enc(slug)}/leaderboard?split=private`),
    retry: false,
  });
}

/** The rubric review form (one review per judge and team; saving again updates it) and every judge's reviews. */
export function ReviewPanel({ challenge }: { challenge: Challenge }) {
  const translate = useTranslate();
  const [locale] = useLocaleState();
  const format = useFormatDateTime();
  const queryClient = useQueryClient();
  const slug = challenge.slug;
  const rubric: RubricItem[] = challenge.rubric ?? [];
  const finalists = useFinalists(slug);
  const reviews = useQuery({
    queryKey: ["reviews", slug],
    queryFn: () => apiGet<Review[]>(`/challenges/${enc(slug)}/reviews`),
    retry: false,
  });
  const [teamId, setTeamId] = useState<number | "">("");
  const [scores, setScores] = useState<Record<string, string>>({});
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<Review | null>(null);

  const teams = (finalists.data ?? []).filter((r) => typeof r.team_id === "number");
  const teamName = (id: number) => teams.find((t) => t.team_id === id)?.team ?? `#${id}`;
  const me = tokenStore.getMe()?.username;

  const chooseTeam = (id: number) => {
    setTeamId(id);
    setError(null);
    setSaved(null);
    // Start from this judge's earlier review of the team, if any.
    const mine = (reviews.data ?? []).find((r) => r.team_id === id && r.judge === me);
    setScores(mine ? Object.fromEntries(Object.entries(mine.scores).map(([k, v]) => [k, String(v)])) : {});
    setComment(mine?.comment ?? "");
  };

  const submit = async () => {
    if (teamId === "") return;
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const payload = {
        team_id: teamId,
        scores: Object.fromEntries(rubric.map((item) => [item.key, scores[item.key] === undefined || scores[item.key] === "" ? NaN : Number(scores[item.key])]).filter(([, v]) => !Number.isNaN(v))),
        comment,
      };
      const review = await apiPost<Review>(`/challenges/${enc(slug)}/reviews`, payload);
      setSaved(review);
      await queryClient.invalidateQueries({ queryKey: ["reviews", slug] });
      await queryClient.invalidateQueries({ queryKey: ["final-ranking", slug] });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  if (!rubric.length) return <Alert severity="info">{translate("dabiwu.judging.no_rubric")}</Alert>;
  let form;
  if (finalists.isPending) form = <Loading />;
  else if (finalists.isError) form = <ErrorState error={finalists.error} />;
  else if (!teams.length) form = <EmptyState message={translate("dabiwu.judging.no_finalists")} testId="review-no-finalists" />;
  else
    form = (
      <Stack spacing={2} data-testid="review-form" sx={{ maxWidth: 640 }}>
        <TextField
          select
          size="small"
          label={translate("dabiwu.judging.team")}
          value={teamId}
          onChange={(e) => chooseTeam(Number(e.target.value))}
          slotProps={{ htmlInput: { "data-testid": "review-team" } }}
        >
          {teams.map((t) => (
            <MenuItem key={t.team_id} value={t.team_id} data-testid="review-team-option" data-team={t.team}>
              {t.team} · {translate("dabiwu.judging.private_rank", { rank: t.rank })}
            </MenuItem>
          ))}
        </TextField>
        {rubric.map((item) => (
          <TextField
            key={item.key}
            size="small"
            type="number"
            label={`${pickLang(item, locale) || item.key} (${translate("dabiwu.judging.weight")} ${item.weight ?? 1})`}
            helperText={translate("dabiwu.judging.score_range")}
            value={scores[item.key] ?? ""}
            onChange={(e) => setScores({ ...scores, [item.key]: e.target.value })}
            slotProps={{ htmlInput: { min: 0, max: 10, step: 0.5, "data-testid": `review-score-${item.key}` } }}
          />
        ))}
        <TextField
          multiline
          minRows={2}
          size="small"
          label={translate("dabiwu.judging.comment")}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          slotProps={{ htmlInput: { "data-testid": "review-comment" } }}
        />
        <Box>
          <Button variant="contained" disabled={busy || teamId === ""} onClick={() => void submit()} data-testid="review-submit">
            {translate("dabiwu.judging.save_review")}
          </Button>
        </Box>
        {error && (
          <Alert severity="error" data-testid="review-error">
            {error}
          </Alert>
        )}
        {saved && (
          <Alert severity="success" data-testid="review-saved" data-team-id={saved.team_id}>
            {translate("dabiwu.judging.review_saved", { team: teamName(saved.team_id) })}
          </Alert>
        )}
      </Stack>
    );

  const rows = reviews.data ?? [];
  return (
    <Stack spacing={2}>
      {challenge.phase === "finalized" && <Alert severity="info">{translate("dabiwu.judging.finalized_reviews_note")}</Alert>}
      {form}
      <Typography variant="subtitle1">{translate("dabiwu.judging.reviews")}</Typography>
      {reviews.isPending ? (
        <Loading />
      ) : reviews.isError ? (
        <ErrorState error={reviews.error} />
      ) : !rows.length ? (
        <EmptyState message={translate("dabiwu.judging.no_reviews")} testId="reviews-empty" />
      ) : (
        <Box sx={{ overflowX: "auto" }}>
          <Table size="small" data-testid="review-list">
            <TableHead>
              <TableRow>
                <TableCell>{translate("dabiwu.judging.team")}</TableCell>
                <TableCell>{translate("dabiwu.judging.judge")}</TableCell>
                {rubric.map((item) => (
                  <TableCell key={item.key} align="right">
                    {pickLang(item, locale) || item.key}
                  </TableCell>
                ))}
                <TableCell align="right">{translate("dabiwu.judging.rubric_score")}</TableCell>
                <TableCell>{translate("dabiwu.judging.comment")}</TableCell>
                <TableCell>{translate("dabiwu.judging.updated_at")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r) => (
                <TableRow key={r.id} data-testid="review-row" data-team={teamName(r.team_id)} data-judge={r.judge}>
                  <TableCell>{teamName(r.team_id)}</TableCell>
                  <TableCell>
                    {r.judge}
                    {r.judge === me ? <Chip size="small" sx={{ ml: 1 }} label={translate("dabiwu.judging.mine")} /> : null}
                  </TableCell>
                  {rubric.map((item) => (
                    <TableCell key={item.key} align="right">
                      {formatScore(r.scores[item.key], 1)}
                    </TableCell>
                  ))}
                  <TableCell align="right" data-testid="review-rubric-score">
                    {formatScore(rubricScore(r.scores, rubric), 2)}
                  </TableCell>
                  <TableCell sx={{ maxWidth: 280, whiteSpace: "pre-wrap" }}>{r.comment || "—"}</TableCell>
                  <TableCell>{format(r.updated_at)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </Stack>
  );
}
