import type { TranslateFunction } from "react-admin";
import type { Schemas } from "../common/types";

export type AuditEvent = Schemas["AuditEventOut"];
type Entry = Pick<AuditEvent, "action" | "actor_name" | "object_type" | "object_id" | "detail">;

const short = (value: unknown) => {
  const text = String(value ?? "");
  return /^[0-9a-f]{32}$/.test(text) ? text.slice(0, 8) : text;
};

/**
 * One audit entry as a sentence ("admin 将提交 c8fbf56d 上架为 medical-insurance-recovery 第 1 版"), from
 * `dabiwu.audit.<action>` with the entry's detail as arguments. An action without a sentence still reads as
 * "actor · action · object".
 */
export function auditSentence(entry: Entry, translate: TranslateFunction): string {
  const d = entry.detail;
  const args: Record<string, unknown> = {
    actor: entry.actor_name || translate("dabiwu.audit.system"),
    object: short(entry.object_id),
    ...Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === "object" && v !== null ? JSON.stringify(v) : short(v)])),
  };
  if (!args.reason) args.reason = "—"; // a reason is optional: say there was none rather than show nothing
  if (entry.action === "registry.promote" && d.override) args.override = translate("dabiwu.audit.override");
  else args.override = "";
  if (entry.action === "user.create") args.role = translate(`dabiwu.role.${String(d.role ?? "")}`, { _: String(d.role ?? "") });
  if (entry.action === "review.save" && d.scores && typeof d.scores === "object") {
    args.scores = Object.entries(d.scores as Record<string, unknown>).map(([k, v]) => `${k} ${v}`).join("、");
  }
  const fallback = `${args.actor} · ${entry.action} · ${entry.object_type} ${args.object}`;
  return translate(`dabiwu.audit.${entry.action}`, { ...args, _: fallback });
}
