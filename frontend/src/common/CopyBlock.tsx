import { Box, IconButton, Tooltip } from "@mui/material";
import ContentCopyIcon from "@mui/icons-material/ContentCopy";
import { useState } from "react";
import { useTranslate } from "react-admin";

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Clipboard API needs a secure context; fall back to a hidden textarea.
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

/** A monospace block of shell text with a copy button; `wrap` breaks a long token (a secret) instead of scrolling. */
export function CopyBlock({ text, testId, wrap = false }: { text: string; testId?: string; wrap?: boolean }) {
  const translate = useTranslate();
  const [copied, setCopied] = useState(false);
  return (
    <Box sx={{ position: "relative" }}>
      <Box
        component="pre"
        data-testid={testId}
        sx={{
          fontFamily: "monospace",
          fontSize: 13,
          bgcolor: "grey.900",
          color: "grey.100",
          p: 2,
          pr: 6,
          borderRadius: 1,
          overflowX: "auto",
          whiteSpace: wrap ? "pre-wrap" : "pre",
          wordBreak: wrap ? "break-all" : "normal",
          m: 0,
        }}
      >
        {text}
      </Box>
      <Tooltip title={translate(copied ? "dabiwu.common.copied" : "dabiwu.common.copy")}>
        <IconButton
          size="small"
          sx={{ position: "absolute", top: 8, right: 8, color: "grey.100" }}
          data-testid={testId ? `${testId}-copy` : undefined}
          onClick={() =>
            void copyText(text).then((ok) => {
              setCopied(ok);
              setTimeout(() => setCopied(false), 2000);
            })
          }
        >
          <ContentCopyIcon fontSize="small" />
        </IconButton>
      </Tooltip>
    </Box>
  );
}
