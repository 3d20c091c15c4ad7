import { Box, Link, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import type { ReactNode } from "react";

/**
 * A small Markdown reader for challenge READMEs: headings, paragraphs, lists,
 * fenced code, block quotes, pipe tables and inline code/bold/italic/links.
 * It builds React elements (never raw HTML), so a README cannot inject markup.
 */

const INLINE = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*|\[[^\]]+\]\([^)\s]+\))/g;

function inline(text: string, keyBase: string): ReactNode[] {
  return text.split(INLINE).map((part, i) => {
    const key = `${keyBase}-${i}`;
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
      return (
        <Box key={key} component="code" sx={{ fontFamily: "monospace", bgcolor: "action.hover", px: 0.5, borderRadius: 0.5 }}>
          {part.slice(1, -1)}
        </Box>
      );
    }
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) return <strong key={key}>{part.slice(2, -2)}</strong>;
    if (part.startsWith("*") && part.endsWith("*") && part.length > 2) return <em key={key}>{part.slice(1, -1)}</em>;
    const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(part);
    if (link) {
      const href = link[2];
      const safe = /^(https?:\/\/|\/|#|\.\/)/.test(href) ? href : undefined;
      return (
        <Link key={key} href={safe} target="_blank" rel="noopener noreferrer">
          {link[1]}
        </Link>
      );
    }
    return part;
  });
}

const cells = (line: string) =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((c) => c.trim());

export function Markdown({ source }: { source: string }) {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: ReactNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const key = `b${i}`;
    if (!line.trim()) {
      i += 1;
      continue;
    }
    if (line.trimStart().startsWith("```")) {
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !lines[i].trimStart().startsWith("```")) code.push(lines[i++]);
      i += 1;
      blocks.push(
        <Box key={key} component="pre" sx={{ fontFamily: "monospace", fontSize: 13, bgcolor: "grey.100", p: 1.5, borderRadius: 1, overflowX: "auto" }}>
          {code.join("\n")}
        </Box>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = heading[1].length;
      const variant = level === 1 ? "h5" : level === 2 ? "h6" : "subtitle1";
      blocks.push(
        <Typography key={key} variant={variant} sx={{ mt: 2, mb: 1, fontWeight: 600 }}>
          {inline(heading[2], key)}
        </Typography>,
      );
      i += 1;
      continue;
    }
    if (line.trimStart().startsWith("|")) {
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trimStart().startsWith("|")) {
        if (!/^\s*\|?\s*:?-{2,}/.test(lines[i])) rows.push(cells(lines[i]));
        i += 1;
      }
      if (!rows.length) continue;
      const [head, ...body] = rows;
      blocks.push(
        <Table key={key} size="small" sx={{ my: 1 }}>
          <TableHead>
            <TableRow>
              {head.map((c, j) => (
                <TableCell key={j}>{inline(c, `${key}h${j}`)}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {body.map((row, r) => (
              <TableRow key={r}>
                {row.map((c, j) => (
                  <TableCell key={j}>{inline(c, `${key}r${r}c${j}`)}</TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>,
      );
      continue;
    }
    const bullet = /^\s*([-*+]|\d+[.)])\s+/;
    if (bullet.test(line)) {
      const ordered = /^\s*\d/.test(line);
      const items: string[] = [];
      while (i < lines.length && bullet.test(lines[i])) items.push(lines[i++].replace(bullet, ""));
      blocks.push(
        <Box key={key} component={ordered ? "ol" : "ul"} sx={{ my: 1, pl: 3 }}>
          {items.map((item, j) => (
            <li key={j}>{inline(item, `${key}-${j}`)}</li>
          ))}
        </Box>,
      );
      continue;
    }
    if (line.startsWith(">")) {
      const quote: string[] = [];
      while (i < lines.length && lines[i].startsWith(">")) quote.push(lines[i++].replace(/^>\s?/, ""));
      blocks.push(
        <Box key={key} sx={{ borderLeft: 4, borderColor: "divider", pl: 2, my: 1, color: "text.secondary", whiteSpace: "pre-wrap" }}>
          {inline(quote.join("\n"), key)}
        </Box>,
      );
      continue;
    }
    // The first line always belongs to the paragraph, so every pass consumes input.
    const para: string[] = [lines[i++]];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !/^(#{1,6}\s|```|\||>)/.test(lines[i].trimStart()) &&
      !bullet.test(lines[i])
    ) {
      para.push(lines[i++]);
    }
    blocks.push(
      <Typography key={key} component="p" sx={{ my: 1, whiteSpace: "pre-wrap", lineHeight: 1.8 }}>
        {inline(para.join("\n"), key)}
      </Typography>,
    );
  }
  return <Box data-testid="markdown">{blocks}</Box>;
}
