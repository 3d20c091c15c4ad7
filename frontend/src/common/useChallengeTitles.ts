import { useGetList, useLocaleState } from "react-admin";
import { localized } from "./text";
import type { Challenge } from "./types";

/** Challenge titles by slug in the user's language (the list is cached by react-admin), the slug until loaded. */
export function useChallengeTitles(): (slug: string | null | undefined) => string {
  const [locale] = useLocaleState();
  const { data } = useGetList<Challenge>("challenges", { pagination: { page: 1, perPage: 100 } });
  const titles = new Map((data ?? []).map((c) => [c.slug, localized(c as unknown as Record<string, unknown>, "title", locale)]));
  return (slug) => (slug ? titles.get(slug) || slug : "—");
}

/** One challenge from the cached list (undefined until loaded). */
export function useChallengeBySlug(slug: string | null | undefined): Challenge | undefined {
  const { data } = useGetList<Challenge>("challenges", { pagination: { page: 1, perPage: 100 } });
  return (data ?? []).find((c) => c.slug === slug);
}

/** District names by code in the user's language (zaoyang -> 枣阳市), the code until loaded. */
export function useDistrictNames(): (code: string) => string {
  const [locale] = useLocaleState();
  const { data } = useGetList("districts", { pagination: { page: 1, perPage: 500 } });
  const names = new Map((data ?? []).map((d) => [String(d.code), String((locale === "zh" ? d.name_zh : d.name_en) || d.name_zh || d.code)]));
  return (code) => names.get(code) ?? code;
}
