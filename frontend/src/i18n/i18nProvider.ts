import polyglotI18nProvider from "ra-i18n-polyglot";
import englishMessages from "ra-language-english";
import chineseModule from "@haxqer/ra-language-chinese";
import type { TranslationMessages } from "react-admin";
import { en } from "./en";
import { zh } from "./zh";

// The Chinese pack is CommonJS; under Vite 8 its messages sit on `.default`
// (or on the namespace itself). Without this unwrap the UI silently stays English.
function unwrap(mod: unknown): TranslationMessages {
  let value = mod as { default?: unknown; ra?: unknown };
  while (value && !value.ra && value.default) value = value.default as typeof value;
  return value as TranslationMessages;
}
const chinesePack = unwrap(chineseModule);

type Tree = { [key: string]: unknown };

/** Later trees win; nested objects merge key by key. */
function merge(...trees: Tree[]): Tree {
  const out: Tree = {};
  for (const tree of trees) {
    for (const [key, value] of Object.entries(tree)) {
      const prev = out[key];
      out[key] =
        value && typeof value === "object" && !Array.isArray(value) && prev && typeof prev === "object"
          ? merge(prev as Tree, value as Tree)
          : value;
    }
  }
  return out;
}

// The Chinese pack was written for react-admin 4 and lacks some v5 keys: English fills the gaps.
const chineseMessages = merge(englishMessages as unknown as Tree, chinesePack as unknown as Tree, zh) as unknown as TranslationMessages;
const englishAll = merge(englishMessages as unknown as Tree, en) as unknown as TranslationMessages;

export const DEFAULT_LOCALE = "zh";

export const i18nProvider = polyglotI18nProvider(
  (locale) => (locale === "en" ? englishAll : chineseMessages),
  DEFAULT_LOCALE,
  [
    { locale: "zh", name: "简体中文" },
    { locale: "en", name: "English" },
  ],
  { allowMissing: true },
);
