import { API_BASE, authHeaders, detailMessage } from "./http";
import { i18nProvider } from "../i18n/i18nProvider";
import type { Schemas } from "../common/types";

export type UploadAccepted = Schemas["SubmissionAccepted"];

export class UploadError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

/**
 * XMLHttpRequest rather than fetch() because only XHR reports upload progress.
 * Resolves with the 202 body; rejects with the API's `detail` sentence.
 */
export function uploadSubmission(opts: {
  slug: string;
  file: File;
  description?: string;
  onProgress: (fraction: number) => void;
  signal?: AbortSignal;
}): Promise<UploadAccepted> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${API_BASE}/challenges/${encodeURIComponent(opts.slug)}/submissions`);
    authHeaders({ Accept: "application/json" }).forEach((value, key) => xhr.setRequestHeader(key, value));
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) opts.onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        opts.onProgress(1);
        resolve(body as UploadAccepted);
      } else {
        reject(new UploadError(detailMessage(body, xhr.status), xhr.status));
      }
    };
    xhr.onerror = () => reject(new UploadError(i18nProvider.translate("dabiwu.errors.upload_interrupted"), 0));
    xhr.onabort = () => reject(new UploadError(i18nProvider.translate("dabiwu.errors.upload_cancelled"), 0));
    opts.signal?.addEventListener("abort", () => xhr.abort());
    const form = new FormData();
    form.append("file", opts.file, opts.file.name);
    if (opts.description) form.append("description", opts.description);
    xhr.send(form);
  });
}
