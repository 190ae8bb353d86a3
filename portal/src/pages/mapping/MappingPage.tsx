import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { api, ok } from '../../api/client'
import { Pager } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  METHOD_LABELS,
  SECTIONS,
  SECTION_LABELS,
  STATUSES,
  formatConfidence,
  mappingKeys,
  type MappingRead,
  type Section,
  type StandardAccount,
  type Status,
} from './mapping'
import './mapping.css'

const PAGE_SIZE = 500
// While accounts wait for their suggestion (the job runs after a load), the list looks again this often.
const WAITING_POLL_MS = 3000

/** The standard chart (shipped and the firm's own accounts), for choosing where an account goes. */
export function useStandardChart() {
  return useQuery({ queryKey: mappingKeys.chart(), queryFn: () => ok(api.GET('/api/standard-chart')), staleTime: 5 * 60_000 })
}

/**
 * Mapping: every account of the engagement with its suggestion, confidence, method and alternatives.
 * Keyboard: ↑/↓ or j/k move, Enter confirms the suggestion, 1-3 take an alternative, u marks unmapped.
 */
export function MappingPage() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const mayDecide = can('mapping.confirm') && !engagement.locked
  const maySuggest = can('engagement.update') && !engagement.locked
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<Status | ''>('')
  const [section, setSection] = useState<Section | ''>('')
  const [q, setQ] = useState('')
  const [page, setPage] = useState(1)
  const [threshold, setThreshold] = useState('90')
  const [selected, setSelected] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const chart = useStandardChart()
  const params = { path: { engagement_id: engagement.id } }
  const list = useQuery({
    queryKey: [...mappingKeys.all(engagement.id), 'list', status, section, q, page],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/mapping', {
          params: {
            ...params,
            query: { page, page_size: PAGE_SIZE, ...(status ? { status } : {}), ...(section ? { section } : {}), ...(q.trim() ? { q: q.trim() } : {}) },
          },
        }),
      ),
  })
  const progress = useQuery({
    queryKey: [...mappingKeys.all(engagement.id), 'progress'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/mapping/progress', { params })),
    // No account yet, or some still pending: the suggestion job is probably on its way.
    refetchInterval: (query) => {
      const data = query.state.data
      return !data || data.total === 0 || (data.by_status.pending ?? 0) > 0 ? WAITING_POLL_MS : false
    },
  })
  const waiting = !progress.data || progress.data.total === 0 || (progress.data.by_status.pending ?? 0) > 0
  const refresh = () => queryClient.invalidateQueries({ queryKey: mappingKeys.all(engagement.id) })
  const seen = `${progress.data?.total ?? 0}/${progress.data?.by_status.pending ?? 0}/${progress.data?.by_status.suggested ?? 0}`
  const lastSeen = useRef(seen)
  useEffect(() => {
    // The counts moved (the job wrote its suggestions): show the accounts as they are now.
    if (lastSeen.current !== seen) {
      lastSeen.current = seen
      void queryClient.invalidateQueries({ queryKey: [...mappingKeys.all(engagement.id), 'list'] })
    }
  }, [seen, engagement.id, queryClient])
  const set = useMutation({
    mutationFn: ({ account, code }: { account: string; code: string | null }) =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/mapping/accounts/{account_number}', {
          params: { path: { engagement_id: engagement.id, account_number: account } },
          body: { standard_code: code },
        }),
      ),
    onSuccess: (row) => {
      setNotice(row.status === 'unmapped' ? `${row.account_number} marked unmapped` : `${row.account_number} → ${row.standard_code} ${row.standard_name ?? ''}`)
      void refresh()
    },
  })
  const bulk = useMutation({
    mutationFn: (choice: { all_suggested: true } | { min_confidence: number }) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/mapping/confirm', {
          params,
          body: { all_suggested: null, min_confidence: null, accounts: null, ...choice },
        }),
      ),
    onSuccess: (result) => {
      setNotice(`${result.confirmed} accounts confirmed`)
      void refresh()
    },
  })
  const suggest = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/mapping/suggest', { params })),
    onSuccess: () => setNotice('Suggestions requested: the list fills in as the job finishes'),
  })
  const accounts = chart.data?.accounts ?? []
  const rows = list.data?.items ?? []
  const current = rows.find((row) => row.account_number === selected) ?? null

  return (
    <div className="mapping-page">
      <PageHeader title="Mapping">
        {maySuggest && (
          <button type="button" onClick={() => suggest.mutate()} disabled={suggest.isPending}>
            Suggest again
          </button>
        )}
      </PageHeader>
      {progress.data && (
        <div className="muted" aria-label="Mapping progress">
          {progress.data.total} accounts · {STATUSES.map((s) => `${progress.data.by_status[s] ?? 0} ${s}`).join(' · ')}
        </div>
      )}
      <div className="mapping-filters">
        <label>
          Status
          <select value={status} onChange={(e) => { setStatus(e.target.value as Status | ''); setPage(1) }}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Section
          <select value={section} onChange={(e) => { setSection(e.target.value as Section | ''); setPage(1) }}>
            <option value="">Any</option>
            {SECTIONS.map((s) => (
              <option key={s} value={s}>
                {SECTION_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input value={q} onChange={(e) => { setQ(e.target.value); setPage(1) }} placeholder="number or name" />
        </label>
        {mayDecide && (
          <div className="mapping-bulk">
            <label>
              Confidence at least (%)
              <input type="number" min={0} max={100} value={threshold} onChange={(e) => setThreshold(e.target.value)} />
            </label>
            <button type="button" disabled={bulk.isPending || threshold === ''} onClick={() => bulk.mutate({ min_confidence: Math.min(100, Math.max(0, Number(threshold))) / 100 })}>
              Confirm above
            </button>
            <button type="button" disabled={bulk.isPending} onClick={() => bulk.mutate({ all_suggested: true })}>
              Confirm all suggested
            </button>
          </div>
        )}
      </div>
      {notice && (
        <div role="status" className="muted">
          {notice}
        </div>
      )}
      <ErrorMessage error={set.error ?? bulk.error ?? suggest.error} title="That was not done" />
      {mayDecide && <p className="mapping-help">Keys: ↑/↓ or j/k move · Enter confirms the suggestion · 1, 2, 3 take an alternative · u marks unmapped</p>}
      {list.isPending ? (
        <Loading label="Loading the accounts…" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} title="The mapping could not be loaded" />
      ) : rows.length === 0 ? (
        <Empty>
          {status || section || q
            ? 'No account matches these filters.'
            : waiting
              ? 'No accounts yet: load a chart of accounts or a trial balance on the Data tab; suggestions appear here when it has loaded.'
              : 'No accounts.'}
        </Empty>
      ) : (
        <>
          <MappingTable
            rows={rows}
            selected={selected}
            onSelect={setSelected}
            mayDecide={mayDecide}
            onSet={(account, code) => set.mutate({ account, code })}
          />
          <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onChange={setPage} />
        </>
      )}
      {current && mayDecide && <Override key={current.account_number} row={current} accounts={accounts} onSet={(code) => set.mutate({ account: current.account_number, code })} busy={set.isPending} />}
    </div>
  )
}

function MappingTable({
  rows,
  selected,
  onSelect,
  mayDecide,
  onSet,
}: {
  rows: MappingRead[]
  selected: string | null
  onSelect: (account: string) => void
  mayDecide: boolean
  onSet: (account: string, code: string | null) => void
}) {
  const body = useRef<HTMLTableSectionElement>(null)
  const [active, setActive] = useState(0)
  const focus = (index: number) => {
    const clamped = Math.max(0, Math.min(rows.length - 1, index))
    setActive(clamped)
    onSelect(rows[clamped].account_number)
    body.current?.querySelectorAll<HTMLTableRowElement>('tr')[clamped]?.focus()
  }
  const onKey = (event: KeyboardEvent<HTMLTableRowElement>, index: number, row: MappingRead) => {
    const moves: Record<string, number> = { ArrowDown: index + 1, j: index + 1, ArrowUp: index - 1, k: index - 1, Home: 0, End: rows.length - 1 }
    if (event.key in moves) {
      event.preventDefault()
      focus(moves[event.key])
      return
    }
    if (!mayDecide) return
    if (event.key === 'Enter' && row.standard_code) {
      event.preventDefault()
      onSet(row.account_number, row.standard_code)
    } else if (['1', '2', '3'].includes(event.key) && row.alternatives[Number(event.key) - 1]) {
      event.preventDefault()
      onSet(row.account_number, row.alternatives[Number(event.key) - 1].standard_code)
    } else if (event.key === 'u') {
      event.preventDefault()
      onSet(row.account_number, null)
    }
  }
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Accounts and their mapping">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Name</th>
            <th scope="col" style={{ textAlign: 'right' }}>Balance</th>
            <th scope="col">Standard account</th>
            <th scope="col">Section</th>
            <th scope="col" style={{ textAlign: 'right' }}>Confidence</th>
            <th scope="col">By</th>
            <th scope="col">Status</th>
            <th scope="col">Alternatives</th>
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((row, index) => (
            <tr
              key={row.account_number}
              tabIndex={index === active ? 0 : -1}
              className={['clickable', row.account_number === selected ? 'selected' : ''].filter(Boolean).join(' ')}
              aria-selected={row.account_number === selected ? true : undefined}
              onClick={() => { setActive(index); onSelect(row.account_number) }}
              onFocus={() => setActive(index)}
              onKeyDown={(event) => onKey(event, index, row)}
            >
              <td>{row.account_number}</td>
              <td>{row.account_name}</td>
              <td style={{ textAlign: 'right' }}>{formatAmount(row.balance)}</td>
              <td>{row.standard_code ? `${row.standard_code} ${row.standard_name ?? ''}` : '–'}</td>
              <td>{row.section ? SECTION_LABELS[row.section] : ''}</td>
              <td style={{ textAlign: 'right' }} className={row.confidence !== null && row.confidence < 0.7 ? 'mapping-confidence-low' : undefined}>
                {formatConfidence(row.confidence)}
              </td>
              <td>{row.method ? METHOD_LABELS[row.method] : ''}</td>
              <td>
                <span className={`badge badge-${row.status}`}>{row.status}</span>
              </td>
              <td>
                <div className="mapping-alternatives">
                  {row.alternatives.map((alt, n) => (
                    <button
                      key={alt.standard_code}
                      type="button"
                      disabled={!mayDecide}
                      title={`${SECTION_LABELS[alt.section]} · ${formatConfidence(alt.confidence)}`}
                      onClick={(event) => { event.stopPropagation(); onSet(row.account_number, alt.standard_code) }}
                    >
                      {n + 1}. {alt.standard_code} {alt.name}
                    </button>
                  ))}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Override({ row, accounts, onSet, busy }: { row: MappingRead; accounts: StandardAccount[]; onSet: (code: string | null) => void; busy: boolean }) {
  const [code, setCode] = useState(row.standard_code ?? '')
  const grouped = useMemo(() => SECTIONS.map((s) => [s, accounts.filter((a) => a.section === s)] as const), [accounts])
  return (
    <section className="panel" aria-label={`Map account ${row.account_number}`}>
      <h2>
        {row.account_number} {row.account_name}
      </h2>
      <label>
        Standard account
        <select value={code} onChange={(e) => setCode(e.target.value)}>
          <option value="">Choose…</option>
          {grouped.map(([section, list]) => (
            <optgroup key={section} label={SECTION_LABELS[section]}>
              {list.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.code} {a.name}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <div className="actions">
        <button type="button" className="primary" disabled={busy || !code} onClick={() => onSet(code)}>
          {code === row.standard_code ? 'Confirm' : 'Set'}
        </button>
        <button type="button" disabled={busy} onClick={() => onSet(null)}>
          Mark unmapped
        </button>
      </div>
    </section>
  )
}
