import { defaultTheme, type RaThemeOptions } from "react-admin";

const PHONE = "@media (max-width: 599.95px)";

/**
 * Chinese has no letter case, and upper-cased English labels read as shouting next to it.
 *
 * Fitting 390 px and 1366 px without a horizontal scroll of the page: flex children may shrink below their
 * content (min-width: 0), code blocks and wide tables scroll inside their own box, and the list pagination
 * wraps. On phones every table becomes its own horizontal scroller (display: block keeps the table's layout
 * inside it); on wider screens tables keep their normal full-width layout.
 */
export const theme: RaThemeOptions = {
  ...defaultTheme,
  typography: { ...(defaultTheme.typography as object), button: { textTransform: "none" } },
  components: {
    ...(defaultTheme.components ?? {}),
    MuiCssBaseline: {
      styleOverrides: {
        pre: { maxWidth: "100%", overflowX: "auto" },
        ".RaLayout-content, .RaLayout-contentWithSidebar, .RaLayout-appFrame, .MuiCard-root, .MuiCardContent-root, .MuiPaper-root, .MuiStack-root, .MuiGrid-root, .MuiBox-root":
          { minWidth: 0 },
        ".RaLayout-content": { maxWidth: "100%" },
        ".RaList-main, .list-page, .RaList-content": { minWidth: 0, maxWidth: "100%" },
        ".MuiTablePagination-root": { maxWidth: "100%" },
        // react-admin's layout root is min-width: fit-content, so the widest table used to set the page's width.
        ".layout": { minWidth: "0 !important" },
        [PHONE]: {
          ".RaLayout-content": { paddingLeft: 4, paddingRight: 4 },
          "table.MuiTable-root": { display: "block", overflowX: "auto", maxWidth: "100%" },
          // Inside its scroller a table may be wider than the phone: headings stay on one line and a cell keeps
          // room for a few characters (team names used to wrap one character per line).
          "table.MuiTable-root th": { whiteSpace: "nowrap" },
          "table.MuiTable-root td": { minWidth: "5.5em" },
          "header .RaAppBar-title, header #react-admin-title": { overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap", minWidth: 0 },
          ".MuiToolbar-root": { flexWrap: "wrap" },
          ".MuiTabs-root": { maxWidth: "100%" },
        },
      },
    },
    MuiTablePagination: {
      styleOverrides: {
        toolbar: { flexWrap: "wrap", paddingLeft: 0 },
        spacer: { flex: "0 0 0" },
      },
    },
  },
};
