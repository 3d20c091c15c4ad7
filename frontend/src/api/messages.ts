import { i18nProvider } from "../i18n/i18nProvider";

/**
 * Server messages in the user's language.
 *
 * Every API error body is `{"code", "detail" (English), "detail_zh" (Chinese), ...}`; validation errors
 * (422) carry a `detail` sentence and the field list in `errors`. Failed submissions carry `error` and
 * `error_zh`. Older answers may lack the Chinese field, or carry pydantic's list in `detail`: then the
 * UI says what it can in the user's language (a translated sentence for the status) and keeps the
 * server's English words in brackets, so nothing is lost and a Chinese page never shows a bare English
 * sentence.
 */

type Body = Record<string, unknown>;

export const currentLocale = (): string => i18nProvider.getLocale();
const t = (key: string, options?: Record<string, unknown>): string => i18nProvider.translate(key, options) as string;

const isText = (value: unknown): value is string => typeof value === "string" && value.trim() !== "";
/** True when a sentence has no CJK character: not something to show alone on a Chinese page. */
export const isAsciiOnly = (text: string): boolean => !/[\u3000-\u9fff\uff00-\uffef]/.test(text);

/** The generic sentence for a status (and, for 0, a network failure), in the current language. */
export function statusMessage(status: number, body?: unknown): string {
  if (status === 0) return t("dabiwu.errors.network");
  if (status === 401) return t("dabiwu.errors.unauthorized");
  if (status === 403) return t("dabiwu.errors.forbidden");
  if (status === 404) return t("dabiwu.errors.not_found");
  if (status === 409) return t("dabiwu.errors.conflict");
  if (status === 413) return t("dabiwu.errors.too_large");
  if (status === 422) {
    const fields = validationFields(body);
    return fields.length ? t("dabiwu.errors.validation_fields", { fields: fields.join("、") }) : t("dabiwu.errors.validation");
  }
  if (status === 429) return t("dabiwu.errors.too_many");
  if (status === 502 || status === 503 || status === 504) return t("dabiwu.errors.unavailable", { status });
  if (status >= 500) return t("dabiwu.errors.server", { status });
  return t("dabiwu.errors.bad_request", { status });
}

/** Field names of a validation error: the new `errors` list, or pydantic's `detail` list. */
function validationFields(body: unknown): string[] {
  if (!body || typeof body !== "object") return [];
  const b = body as Body;
  const list = Array.isArray(b.errors) ? b.errors : Array.isArray(b.detail) ? b.detail : [];
  const names = list
    .map((item) => {
      if (!item || typeof item !== "object") return "";
      const it = item as { loc?: unknown[]; field?: unknown };
      if (isText(it.field)) return it.field;
      return Array.isArray(it.loc) ? it.loc.filter((x) => x !== "body" && x !== "query" && x !== "path").join(".") : "";
    })
    .filter(Boolean);
  return [...new Set(names)];
}

/** pydantic's list, as one English sentence (only ever shown in English mode or in brackets). */
function listSentence(detail: unknown[]): string {
  return detail
    .map((d) => {
      if (d && typeof d === "object") {
        const item = d as { loc?: unknown[]; msg?: string };
        const where = Array.isArray(item.loc) ? item.loc.filter((x) => x !== "body").join(".") : "";
        return where ? `${where}: ${item.msg ?? ""}` : String(item.msg ?? "");
      }
      return String(d);
    })
    .join("; ");
}

/**
 * The message of a record's field in the user's language: `field_zh` in Chinese, `field` in English,
 * whichever exists otherwise. `fallback` is used when neither does.
 */
export function localizedField(record: unknown, field: string, fallback?: string): string | undefined {
  if (!record || typeof record !== "object") return fallback;
  const r = record as Body;
  const en = r[field];
  const zh = r[`${field}_zh`];
  if (currentLocale() === "zh") {
    if (isText(zh)) return zh;
    if (isText(en)) return en;
  } else {
    if (isText(en)) return en;
    if (isText(zh)) return zh;
  }
  return fallback;
}

/** The sentence to show for an error answer with this status and body. */
export function errorMessage(status: number, body: unknown, genericKey?: string): string {
  const generic = genericKey ? t(genericKey) : statusMessage(status, body);
  if (!body || typeof body !== "object") {
    // A plain-text body (a proxy's page, an old server): the generic sentence says enough.
    return generic;
  }
  const b = body as Body;
  const zh = currentLocale() === "zh";
  if (zh && isText(b.detail_zh)) return b.detail_zh;
  if (isText(b.detail)) {
    if (!zh || !isAsciiOnly(b.detail)) return b.detail;
    return t("dabiwu.errors.english_detail", { message: generic, detail: b.detail });
  }
  if (Array.isArray(b.detail) && b.detail.length) {
    const sentence = listSentence(b.detail);
    return zh ? generic : sentence || generic;
  }
  if (!zh && isText(b.detail_zh)) return generic;
  return generic;
}
