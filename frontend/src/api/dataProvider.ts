import type { DataProvider, RaRecord } from "react-admin";

// Records are whatever the API answers; react-admin's generics cannot be satisfied from a JSON body.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Row = any;
import { apiFetch } from "./http";

/**
 * A small dataProvider over /api/v1: lists take ?page=&page_size= (1-based) and
 * answer X-Total-Count. The API does not sort on request, so sort is not sent.
 * Filters become query parameters (e.g. /submissions?challenge=SLUG).
 */
function query(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const path = (resource: string, id?: RaRecord["id"]) =>
  id === undefined ? `/${resource}` : `/${resource}/${encodeURIComponent(String(id))}`;

export const dataProvider: DataProvider = {
  async getList(resource, params) {
    const page = params.pagination?.page ?? 1;
    const perPage = params.pagination?.perPage ?? 25;
    const { json, headers } = await apiFetch<Row[]>(
      `${path(resource)}${query({ ...(params.filter ?? {}), page, page_size: perPage })}`,
      { signal: params.signal },
    );
    const rows = Array.isArray(json) ? json : [];
    const header = headers.get("X-Total-Count");
    const total = header !== null ? Number(header) : (page - 1) * perPage + rows.length;
    return { data: rows, total };
  },

  async getOne(resource, params) {
    const { json } = await apiFetch<Row>(path(resource, params.id), { signal: params.signal });
    return { data: json };
  },

  async getMany(resource, params) {
    const data = await Promise.all(params.ids.map(async (id) => (await apiFetch<Row>(path(resource, id))).json));
    return { data };
  },

  async getManyReference(resource, params) {
    const { json, headers } = await apiFetch<Row[]>(
      `${path(resource)}${query({
        ...(params.filter ?? {}),
        [params.target]: params.id,
        page: params.pagination.page,
        page_size: params.pagination.perPage,
      })}`,
    );
    return { data: json, total: Number(headers.get("X-Total-Count") ?? json.length) };
  },

  async create(resource, params) {
    const { json } = await apiFetch<Row>(path(resource), { method: "POST", body: JSON.stringify(params.data) });
    return { data: json };
  },

  async update(resource, params) {
    const { json } = await apiFetch<Row>(path(resource, params.id), {
      method: "PATCH",
      body: JSON.stringify(params.data),
    });
    return { data: json };
  },

  async updateMany(resource, params) {
    await Promise.all(
      params.ids.map((id) => apiFetch(path(resource, id), { method: "PATCH", body: JSON.stringify(params.data) })),
    );
    return { data: params.ids };
  },

  async delete(resource, params) {
    await apiFetch(path(resource, params.id), { method: "DELETE" });
    return { data: params.previousData as never };
  },

  async deleteMany(resource, params) {
    await Promise.all(params.ids.map((id) => apiFetch(path(resource, id), { method: "DELETE" })));
    return { data: params.ids };
  },
};
