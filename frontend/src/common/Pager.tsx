import { TablePagination } from "@mui/material";
import { useTranslate } from "react-admin";

const SIZES = [25, 50, 100];

/**
 * The pagination bar under every paged list: "每页行数" and "1-25 / 共 80" in the user's language, page sizes
 * 25/50/100 (plus the current size when a link chose another), and back to the first page when the size changes.
 */
export function Pager({ total, page, pageSize, onPage, onPageSize, sizes = SIZES, testId }: {
  total: number;
  page: number; // from 0
  pageSize: number;
  onPage: (page: number) => void;
  onPageSize: (size: number) => void;
  sizes?: number[];
  testId?: string;
}) {
  const translate = useTranslate();
  return (
    <TablePagination
      component="div"
      data-testid={testId}
      data-total={total}
      count={total}
      page={page}
      rowsPerPage={pageSize}
      rowsPerPageOptions={sizes.includes(pageSize) ? sizes : [...sizes, pageSize].sort((a, b) => a - b)}
      labelRowsPerPage={translate("dabiwu.common.rows_per_page")}
      labelDisplayedRows={({ from, to, count }) => translate("dabiwu.common.displayed_rows", { from, to, count })}
      onPageChange={(_, next) => onPage(next)}
      onRowsPerPageChange={(e) => {
        onPageSize(Number(e.target.value));
        onPage(0);
      }}
    />
  );
}
