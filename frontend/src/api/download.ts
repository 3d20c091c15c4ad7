import { HttpError } from "react-admin";
import { API_BASE, authHeaders, detailMessage } from "./http";

function filenameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

/**
 * Downloads need the bearer token, which a plain <a href> cannot send:
 * fetch the file as a blob, then hand it to the browser through an object URL.
 */
export async function downloadWithToken(path: string, fallbackName: string): Promise<string> {
  const response = await fetch(`${API_BASE}${path}`, { headers: authHeaders() });
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    throw new HttpError(detailMessage(body, response.status), response.status, body);
  }
  const blob = await response.blob();
  const name = filenameFrom(response.headers.get("Content-Disposition"), fallbackName);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Give the browser time to start the save before the URL is released.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
