import { Box, Link, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

/**
 * Challenge READMEs and model cards: react-markdown with GitHub tables (remark-gfm).
 *
 * Sanitised by construction: raw HTML in the source is not rendered (no rehype-raw; react-markdown drops it),
 * and links and images go through react-markdown's URL filter (javascript: and other unsafe schemes are
 * removed). Tables sit in their own horizontally scrolling box, so a wide table never widens the page.
 */
const components: Components = {
  h1: ({ children }) => <Typography variant="h5" sx={{ mt: 2, mb: 1, fontWeight: 700 }}>{children}</Typography>,
  h2: ({ children }) => <Typography variant="h6" sx={{ mt: 2, mb: 1, fontWeight: 700 }}>{children}</Typography>,
  h3: ({ children }) => <Typography variant="subtitle1" sx={{ mt: 1.5, mb: 0.5, fontWeight: 700 }}>{children}</Typography>,
  h4: ({ children }) => <Typography variant="subtitle2" sx={{ mt: 1.5, mb: 0.5, fontWeight: 700 }}>{children}</Typography>,
  p: ({ children }) => <Typography component="p" sx={{ my: 1, lineHeight: 1.8, overflowWrap: "anywhere" }}>{children}</Typography>,
  a: ({ href, children }) => (
    <Link href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </Link>
  ),
  blockquote: ({ children }) => (
    <Box component="blockquote" sx={{ borderLeft: 4, borderColor: "divider", pl: 2, my: 1, mx: 0, color: "text.secondary" }}>
      {children}
    </Box>
  ),
  pre: ({ children }) => (
    <Box component="pre" sx={{ fontFamily: "monospace", fontSize: 13, bgcolor: "grey.100", p: 1.5, borderRadius: 1, overflowX: "auto" }}>
      {children}
    </Box>
  ),
  code: ({ children, className }) => (
    <Box component="code" className={className} sx={{ fontFamily: "monospace", bgcolor: className ? undefined : "action.hover", px: className ? 0 : 0.5, borderRadius: 0.5 }}>
      {children}
    </Box>
  ),
  table: ({ children }) => (
    <Box data-testid="markdown-table" sx={{ overflowX: "auto", maxWidth: "100%", my: 1 }}>
      <Table size="small" sx={{ width: "auto", minWidth: "100%" }}>{children}</Table>
    </Box>
  ),
  thead: ({ children }) => <TableHead>{children}</TableHead>,
  tbody: ({ children }) => <TableBody>{children}</TableBody>,
  tr: ({ children }) => <TableRow>{children}</TableRow>,
  th: ({ children }) => <TableCell sx={{ fontWeight: 700, whiteSpace: "nowrap" }}>{children}</TableCell>,
  td: ({ children }) => <TableCell>{children}</TableCell>,
};

export function Markdown({ source }: { source: string | null | undefined }) {
  return (
    <Box data-testid="markdown" sx={{ minWidth: 0, maxWidth: "100%" }}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components} skipHtml>
        {source ?? ""}
      </ReactMarkdown>
    </Box>
  );
}
