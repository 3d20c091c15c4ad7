import { usePermissions } from "react-admin";
import type { Role } from "../api/http";

export function useRole(): Role | undefined {
  const { permissions } = usePermissions<Role>();
  return permissions;
}

export const canSeePrivate = (role: Role | undefined) => role === "judge" || role === "admin";
export const canDownloadData = (role: Role | undefined) => role === "team" || role === "judge" || role === "admin";
/** The model registry and its pulls: staff and districts (the API refuses teams). */
export const canUseRegistry = (role: Role | undefined) => role === "judge" || role === "admin" || role === "district";
