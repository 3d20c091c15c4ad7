import { MenuItem, TextField } from "@mui/material";
import { useGetList, useLocaleState } from "react-admin";
import { localized } from "./text";
import type { Challenge } from "./types";

/** All challenges (there are few), and the one named in the route, else the first. */
export function useChallengeFromRoute(slug: string | undefined) {
  const { data, isPending, error } = useGetList<Challenge>("challenges", { pagination: { page: 1, perPage: 100 } });
  const challenges = data ?? [];
  const current = challenges.find((c) => c.slug === slug) ?? (slug ? undefined : challenges[0]);
  return { challenges, current, currentSlug: current ? current.slug : "", isPending, error };
}

export function ChallengeSelect({
  challenges,
  value,
  onChange,
  label,
  testId,
}: {
  challenges: Challenge[];
  value: string;
  onChange: (slug: string) => void;
  label: string;
  testId: string;
}) {
  const [locale] = useLocaleState();
  return (
    <TextField
      select
      size="small"
      label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      slotProps={{ htmlInput: { "data-testid": testId } }}
      sx={{ minWidth: 320 }}
    >
      {challenges.map((c) => (
        <MenuItem key={c.id} value={c.slug}>
          {localized(c as unknown as Record<string, unknown>, "title", locale)}
        </MenuItem>
      ))}
    </TextField>
  );
}
