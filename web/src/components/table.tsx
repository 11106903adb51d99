/**
 * Paginated, searchable, sortable lists over authentik's list API (`page`, `page_size`, `search`,
 * `ordering`; responses `{pagination, results}`). On phones the rows become cards.
 */
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useList, type Query } from "../lib/api";
import { ErrorBox, Loading } from "./ui";

export interface Column<T> {
  title: string;
  /** API field to order by when the header is clicked. */
  sort?: string;
  render: (row: T) => ComponentChildren;
}

export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function DataTable<T>(props: {
  path: string;
  columns: Column<T>[];
  query?: Query;
  ordering?: string;
  pageSize?: number;
  search?: boolean;
  toolbar?: ComponentChildren;
  rowKey: (row: T) => string | number;
  actions?: (row: T) => ComponentChildren;
  empty?: string;
  label?: string;
}) {
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState("");
  const [ordering, setOrdering] = useState(props.ordering ?? "");
  const debounced = useDebounced(search);
  useEffect(() => setPage(1), [debounced, JSON.stringify(props.query)]);
  const { data, error, isLoading } = useList<T>(props.path, {
    ...props.query,
    page,
    page_size: props.pageSize ?? 20,
    search: debounced,
    ordering,
  }, { keepPreviousData: true });

  const header = (c: Column<T>): JSX.Element => {
    if (!c.sort) return <th>{c.title}</th>;
    const active = ordering.replace(/^-/, "") === c.sort;
    const desc = ordering.startsWith("-");
    return (
      <th aria-sort={active ? (desc ? "descending" : "ascending") : "none"}>
        <button type="button" onClick={() => setOrdering(active && !desc ? `-${c.sort}` : c.sort!)}>
          {c.title} {active ? (desc ? "▼" : "▲") : ""}
        </button>
      </th>
    );
  };

  return (
    <div>
      {(props.search !== false || props.toolbar) && (
        <div class="toolbar">
          {props.search !== false && (
            <input type="search" placeholder="Search…" aria-label="Search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
          )}
          {props.toolbar}
        </div>
      )}
      <ErrorBox error={error} />
      {isLoading && !data ? (
        <Loading />
      ) : (
        <table class="data" aria-label={props.label}>
          <thead>
            <tr>
              {props.columns.map(header)}
              {props.actions && <th />}
            </tr>
          </thead>
          <tbody>
            {data?.results.length === 0 && (
              <tr>
                <td colSpan={props.columns.length + 1} class="muted">
                  {props.empty ?? "Nothing here yet."}
                </td>
              </tr>
            )}
            {data?.results.map((row) => (
              <tr key={props.rowKey(row)}>
                {props.columns.map((c) => (
                  <td data-label={c.title}>{c.render(row)}</td>
                ))}
                {props.actions && <td class="actions">{props.actions(row)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.pagination.total_pages > 1 && (
        <div class="pager">
          <span>
            {data.pagination.start_index}–{data.pagination.end_index} of {data.pagination.count}
          </span>
          <button type="button" class="btn small" disabled={!data.pagination.previous} onClick={() => setPage(data.pagination.previous)}>
            Previous
          </button>
          <span>
            Page {data.pagination.current} / {data.pagination.total_pages}
          </span>
          <button type="button" class="btn small" disabled={!data.pagination.next} onClick={() => setPage(data.pagination.next)}>
            Next
          </button>
        </div>
      )}
    </div>
  );
}
