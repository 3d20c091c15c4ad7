import type { AuthProvider } from "react-admin";
import { HttpError } from "react-admin";
import { API_BASE, apiGet, detailMessage, tokenStore, type Me } from "./http";
import { statusMessage } from "./messages";

async function loadMe(): Promise<Me> {
  const me = await apiGet<Me>("/auth/me");
  tokenStore.setMe(me);
  return me;
}

export const authProvider: AuthProvider = {
  async login({ username, password }: { username: string; password: string }) {
    // The token endpoint is OAuth2's password form, not JSON.
    const form = new URLSearchParams({ username, password });
    let response: Response;
    try {
      response = await fetch(`${API_BASE}/auth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: form,
      });
    } catch {
      throw new HttpError(statusMessage(0), 0);
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const generic = response.status === 401 || response.status === 400 ? "dabiwu.errors.sign_in_failed" : undefined;
      throw new HttpError(detailMessage(body, response.status, generic), response.status, body);
    }
    tokenStore.set((body as { access_token: string }).access_token);
    try {
      await loadMe();
    } catch (err) {
      tokenStore.clear();
      throw err;
    }
  },

  async logout() {
    tokenStore.clear();
  },

  async checkAuth() {
    if (!tokenStore.get()) throw new Error("ra.auth.auth_check_error");
  },

  async checkError(error: { status?: number }) {
    // 401 means the token is gone or expired: sign out. 403 is a normal "not for your role" answer.
    if (error?.status === 401) {
      tokenStore.clear();
      throw new Error("ra.auth.auth_check_error");
    }
  },

  async getIdentity() {
    const me = tokenStore.getMe() ?? (await loadMe());
    return { ...me, id: me.id, fullName: me.display_name || me.username };
  },

  async getPermissions() {
    if (!tokenStore.get()) return undefined;
    const me = tokenStore.getMe() ?? (await loadMe());
    return me.role;
  },
};
