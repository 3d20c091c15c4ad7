import type { Submission } from "../common/types";
import { API_BASE, apiGet, authHeaders } from "./http";

export const TERMINAL_STATUSES = ["scored", "failed", "rejected"] as const;
export const isTerminal = (status: string | undefined) =>
  !!status && (TERMINAL_STATUSES as readonly string[]).includes(status);

/** What a status stream sends (submissions/events.py::stream_state): these fields of GET /submissions/{id}. */
export type SubmissionEvent = Partial<
  Pick<Submission, "id" | "status" | "error" | "error_zh" | "error_kind" | "public_score" | "queue_position" | "eta_seconds">
>;

/**
 * Reads a text/event-stream body and calls onEvent for each `data:` payload.
 * EventSource cannot send an Authorization header, so this goes through fetch().
 * Resolves when the server ends the stream; rejects on HTTP or network errors.
 */
export async function readSubmissionEvents(
  id: string,
  onEvent: (event: SubmissionEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`${API_BASE}/submissions/${encodeURIComponent(id)}/events`, {
    headers: authHeaders({ Accept: "text/event-stream" }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const flush = (block: string) => {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (!data) return;
    try {
      onEvent(JSON.parse(data) as SubmissionEvent);
    } catch {
      // A non-JSON data line (keep-alive text) carries no status.
    }
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let cut = buffer.indexOf("\n\n");
    while (cut >= 0) {
      flush(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      cut = buffer.indexOf("\n\n");
    }
  }
  if (buffer.trim()) flush(buffer);
}

// Browsers allow about 6 HTTP/1.1 connections per origin; open streams hold one each,
// so only a few rows stream and the rest poll, leaving room for ordinary requests.
const MAX_STREAMS = 2;
let openStreams = 0;
const POLL_MS = 3000;

/**
 * Follows one submission until it reaches a terminal status: over SSE when a
 * stream slot is free, else (or when the stream fails) by polling every 3 s.
 * Returns a function that stops following.
 */
export function followSubmission(id: string, onEvent: (event: SubmissionEvent) => void): () => void {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last: string | undefined;
  const emit = (event: SubmissionEvent) => {
    if (event.status) last = event.status;
    onEvent(event);
  };

  const poll = async () => {
    if (controller.signal.aborted) return;
    try {
      emit(await apiGet<SubmissionEvent>(`/submissions/${encodeURIComponent(id)}`));
    } catch {
      // Transient errors: keep polling; a 401 is handled by the next dataProvider call.
    }
    if (!controller.signal.aborted && !isTerminal(last)) timer = setTimeout(poll, POLL_MS);
  };

  if (openStreams < MAX_STREAMS) {
    openStreams += 1;
    readSubmissionEvents(id, emit, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        openStreams -= 1;
        if (!controller.signal.aborted && !isTerminal(last)) void poll();
      });
  } else {
    timer = setTimeout(poll, POLL_MS);
  }

  return () => {
    controller.abort();
    if (timer) clearTimeout(timer);
  };
}
