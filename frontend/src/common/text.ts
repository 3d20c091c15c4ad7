/** Pick the zh or en variant of a bilingual API object ({zh, en} or title_zh/title_en). */
export function pickLang(value: unknown, locale: string): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const first = locale === "zh" ? obj.zh : obj.en;
    const second = locale === "zh" ? obj.en : obj.zh;
    return String(first ?? second ?? "");
  }
  return String(value);
}

export function localized(record: Record<string, unknown> | undefined, field: string, locale: string): string {
  if (!record) return "";
  const mine = record[`${field}_${locale === "zh" ? "zh" : "en"}`];
  const other = record[`${field}_${locale === "zh" ? "en" : "zh"}`];
  return String(mine || other || record[field] || "");
}

/** A team or district may arrive as a name or as {id, name}. */
export function nameOf(value: unknown, locale = "zh"): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (typeof value === "object") {
    const obj = value as Record<string, unknown>;
    return String(obj.name ?? obj[`name_${locale}`] ?? obj.name_zh ?? obj.code ?? obj.slug ?? obj.id ?? "");
  }
  return String(value);
}

export function formatScore(value: unknown, digits = 4): string {
  if (value === null || value === undefined || value === "") return "—";
  const num = Number(value);
  return Number.isFinite(num) ? num.toFixed(digits) : String(value);
}

export function formatBytes(bytes: unknown): string {
  const num = Number(bytes);
  if (!Number.isFinite(num) || num <= 0) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let value = num;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
