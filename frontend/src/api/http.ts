import { HttpError } from "react-admin";
import type { Schemas } from "../common/types";
import { errorMessage, statusMessage } from "./messages";

export const API_BASE = "/api/v1";
const TOKEN_KEY = "dabiwu.token";
const ME_KEY = "dabiwu.me";

/** The signed-in user (GET /auth/me). */
export type Me = Schemas["UserOut"];
export type Role = Me["role"];

export const tokenStore = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (token: string) => localStorage.setItem(TOKEN_KEY, token),
  getMe: (): Me | null => {
    const raw = localStorage.getItem(ME_KEY);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as Me;
    } catch {
      return null;
    }
  },
  setMe: (me: Me) => localStorage.setItem(ME_KEY, JSON.stringify(me)),
  clear: () => {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(ME_KEY);
  },
};

/**
 * A 401 means the token expired or was revoked. react-admin signs out on 401s from
 * the dataProvider; pages that call the API directly land here, so do the same.
 */
export function signedOut(): void {
  if (!tokenStore.get()) return;
  tokenStore.clear();
  if (!window.location.hash.startsWith("#/login")) window.location.hash = "#/login";
}

export function authHeaders(extra?: HeadersInit): Headers {
  const headers = new Headers(extra);
  const token = tokenStore.get();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  return headers;
}

/** The sentence for an error answer, in the user's language (see messages.ts). */
export function detailMessage(body: unknown, status: number, genericKey?: string): string {
  return errorMessage(status, body, genericKey);
}

/**
 * The API's 422 answers list the fields in `errors`. react-admin reads an HttpError's `body.errors` as a
 * field -> message map for its forms and then shows no notification at all; the UI shows the sentence
 * instead, so the list travels as `field_errors`.
 */
function withoutFieldList(body: unknown): unknown {
  if (body && typeof body === "object" && "errors" in body) {
    const { errors, ...rest } = body as { errors: unknown };
    return { ...rest, field_errors: errors };
  }
  return body;
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export interface ApiResult<T> {
  status: number;
  headers: Headers;
  json: T;
}

/**
 * fetch() under /api/v1 with the bearer token. Non-2xx answers throw
 * react-admin's HttpError carrying the API's `detail` sentence, so that
 * authProvider.checkError sees the status and notifications show the sentence.
 */
export async function apiFetch<T = unknown>(path: string, init: RequestInit = {}): Promise<ApiResult<T>> {
  const headers = authHeaders(init.headers);
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  if (init.body && typeof init.body === "string" && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/json");
  }
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, { ...init, headers });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new HttpError(statusMessage(0), 0);
  }
  const body = await parseBody(response);
  if (response.status === 401) signedOut();
  if (!response.ok) {
    throw new HttpError(detailMessage(body, response.status), response.status, withoutFieldList(body));
  }
  return { status: response.status, headers: response.headers, json: body as T };
}

export const apiGet = async <T,>(path: string): Promise<T> => (await apiFetch<T>(path)).json;

export const apiPost = async <T,>(path: string, payload: unknown): Promise<T> =>
  (await apiFetch<T>(path, { method: "POST", body: JSON.stringify(payload) })).json;

export function errorStatus(error: unknown): number | undefined {
  if (error && typeof error === "object" && "status" in error) {
    const status = (error as { status: unknown }).status;
    return typeof status === "number" ? status : undefined;
  }
  return undefined;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
