import { useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'

export interface Column<T> {
  key: string
  header: ReactNode
  render: (row: T) => ReactNode
  /** Sorting by this column, client side; a string or number per row. */
  sortValue?: (row: T) => string | number | null | undefined
  align?: 'left' | 'right' | 'center'
  width?: string
}

interface Props<T> {
  rows: readonly T[]
  columns: readonly Column<T>[]
  rowKey: (row: T) => string
  onOpen?: (row: T) => void
  selectedKey?: string | null
  caption?: string
  empty?: ReactNode
  rowClassName?: (row: T) => string | undefined
}

type Sort = { key: string; descending: boolean } | null

export function sortRows<T>(rows: readonly T[], columns: readonly Column<T>[], sort: Sort): T[] {
  const copy = [...rows]
  const column = sort && columns.find((c) => c.key === sort.key)
  if (!sort || !column?.sortValue) return copy
  const value = column.sortValue
  copy.sort((a, b) => {
    const x = value(a)
    const y = value(b)
    if (x === y) return 0
    if (x === null || x === undefined) return 1
    if (y === null || y === undefined) return -1
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true })
    return sort.descending ? -order : order
  })
  return copy
}

/**
 * A dense table for the keyboard: Tab enters it, ↑/↓ (or j/k) move between rows, Home/End jump,
 * Enter opens the row. Headers with a sort sort on click or Enter.
 */
export function DataTable<T>({ rows, columns, rowKey, onOpen, selectedKey, caption, empty, rowClassName }: Props<T>) {
  const [sort, setSort] = useState<Sort>(null)
  const [active, setActive] = useState(0)
  const body = useRef<HTMLTableSectionElement>(null)
  const sorted = useMemo(() => sortRows(rows, columns, sort), [rows, columns, sort])

  const focusRow = (index: number) => {
    const clamped = Math.max(0, Math.min(sorted.length - 1, index))
    setActive(clamped)
    body.current?.querySelectorAll<HTMLTableRowElement>('tr')[clamped]?.focus()
  }

  const onKey = (event: KeyboardEvent<HTMLTableRowElement>, index: number, row: T) => {
    const moves: Record<string, number> = { ArrowDown: index + 1, j: index + 1, ArrowUp: index - 1, k: index - 1, Home: 0, End: sorted.length - 1, PageDown: index + 10, PageUp: index - 10 }
    if (event.key in moves) {
      event.preventDefault()
      focusRow(moves[event.key])
    } else if (event.key === 'Enter' && onOpen) {
      event.preventDefault()
      onOpen(row)
    }
  }

  const toggleSort = (key: string) =>
    setSort((current) => (current?.key === key ? (current.descending ? null : { key, descending: true }) : { key, descending: false }))

  if (rows.length === 0) return <div className="empty">{empty ?? 'Nothing to show.'}</div>

  return (
    <div className="table-wrap">
      <table className="data-table">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((column) => {
              const sorted = sort?.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined
              return (
                <th key={column.key} style={{ width: column.width, textAlign: column.align }} aria-sort={sorted ?? (column.sortValue ? 'none' : undefined)} scope="col">
                  {column.sortValue ? (
                    <button type="button" className="sort" onClick={() => toggleSort(column.key)}>
                      {column.header}
                      <span aria-hidden="true">{sorted === 'ascending' ? ' ▲' : sorted === 'descending' ? ' ▼' : ''}</span>
                    </button>
                  ) : (
                    column.header
                  )}
                </th>
              )
            })}
          </tr>
        </thead>
        <tbody ref={body}>
          {sorted.map((row, index) => {
            const key = rowKey(row)
            const classes = [onOpen ? 'clickable' : '', key === selectedKey ? 'selected' : '', rowClassName?.(row) ?? ''].filter(Boolean).join(' ')
            return (
              <tr
                key={key}
                tabIndex={index === active ? 0 : -1}
                className={classes || undefined}
                aria-selected={key === selectedKey ? true : undefined}
                onClick={onOpen ? () => { setActive(index); onOpen(row) } : undefined}
                onKeyDown={(event) => onKey(event, index, row)}
                onFocus={() => setActive(index)}
              >
                {columns.map((column) => (
                  <td key={column.key} style={{ textAlign: column.align }}>
                    {column.render(row)}
                  </td>
                ))}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** Paging for API lists that answer {items, page, page_size, total}; pages count from 1. */
export function Pager({ page, pageSize, total, onChange }: { page: number; pageSize: number; total: number; onChange: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / pageSize))
  if (pages === 1) return <div className="pager muted">{total.toLocaleString('en-US')} in all</div>
  const first = (page - 1) * pageSize + 1
  const last = Math.min(page * pageSize, total)
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={page <= 1} onClick={() => onChange(page - 1)}>
        ‹ Previous
      </button>
      <span>
        {first.toLocaleString('en-US')}–{last.toLocaleString('en-US')} of {total.toLocaleString('en-US')}
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onChange(page + 1)}>
        Next ›
      </button>
    </nav>
  )
}
