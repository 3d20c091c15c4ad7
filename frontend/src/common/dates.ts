import { useLocaleState } from "react-admin";

export const TIME_ZONE = "Asia/Shanghai";

/** API datetimes are UTC; a value without an offset is read as UTC, not local time. */
export function parseApiDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined || value === "") return null;
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  const hasZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(value);
  const date = new Date(hasZone || !value.includes("T") ? value : `${value}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatDateTime(value: string | number | Date | null | undefined, locale: string, withSeconds = false): string {
  const date = parseApiDate(value);
  if (!date) return "—";
  const key = `${locale}|${withSeconds}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale === "zh" ? "zh-CN" : "en-GB", {
      timeZone: TIME_ZONE,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: withSeconds ? "2-digit" : undefined,
      hour12: false,
    });
    formatters.set(key, formatter);
  }
  return formatter.format(date);
}

export function useFormatDateTime() {
  const [locale] = useLocaleState();
  return (value: string | number | Date | null | undefined, withSeconds = false) =>
    formatDateTime(value, locale, withSeconds);
}
