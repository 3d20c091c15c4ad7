import { useEffect, useRef, useState } from "react";
import { followSubmission, isTerminal, type SubmissionEvent } from "../api/events";

/**
 * Live status of one submission: follows SSE (or polls) while the status is
 * not terminal and calls onTerminal once when it becomes terminal.
 */
export function useLiveSubmission(id: string | undefined, initialStatus: string | undefined, onTerminal?: () => void) {
  const [live, setLive] = useState<SubmissionEvent>({ status: initialStatus });
  const terminalSeen = useRef(false);
  const callback = useRef(onTerminal);
  callback.current = onTerminal;

  useEffect(() => {
    setLive((prev) => ({ ...prev, status: initialStatus }));
  }, [initialStatus]);

  useEffect(() => {
    if (!id || isTerminal(initialStatus)) return;
    terminalSeen.current = false;
    return followSubmission(id, (event) => {
      setLive((prev) => ({ ...prev, ...event }));
      if (isTerminal(event.status) && !terminalSeen.current) {
        terminalSeen.current = true;
        callback.current?.();
      }
    });
  }, [id, initialStatus]);

  return live;
}
