import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { type Column, DataTable } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatDate } from '../../ui/format'
import type { Engagement } from '../engagements/context'
import { DueDate } from '../engagements/DueDate'
import { byDueDate } from '../engagements/due'
import { type Figures, type Task } from './progress'
import { figuresFromSummary, loadSummary, summaryKey, tasksFromSummary } from './summary'
import { HomeRequests } from '../requests/RequestsCards'
import './home.css'

const shown = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'))
const TASK_LABELS: Record<Task['kind'], string> = { note: 'Review notes assigned to me', signoff: 'Waiting for my sign-off', submission: 'Client submissions waiting for acceptance' }

type Row = { engagement: Engagement; figures: Figures | null; loading: boolean }

/** The signed-in user's home: their engagements with progress figures, and what is waiting for them. */
export function Home() {
  const { me, isClientUser, can } = useAuth()
  const navigate = useNavigate()
  const [onlyMine, setOnlyMine] = useState(true)
  const userId = me?.user.id ?? ''
  const engagements = useQuery({
    queryKey: ['engagements', 'home'],
    queryFn: () => ok(api.GET('/api/engagements', { params: { query: { page: 1, page_size: 200 } } })),
  })
  const all = engagements.data?.items ?? []
  const mine = all.filter((e) => e.my_role)
  // Soonest report due date first (overdue ones at the top), those without one last.
  const list = byDueDate((onlyMine && mine.length ? mine : all).filter((e) => e.status !== 'finalized' || !onlyMine))
  // Progress of the open engagements shown (client contacts see the status only).
  const open = isClientUser ? [] : list.filter((e) => e.status !== 'finalized')
  // Every engagement's figures and the caller's tasks in one call (GET /api/engagements/summary).
  const summary = useQuery({ queryKey: summaryKey, queryFn: loadSummary, enabled: !isClientUser && !!userId })
  const byId = new Map((summary.data?.items ?? []).map((item) => [item.engagement_id, item]))
  const openIds = new Set(open.map((e) => e.id))
  const rows: Row[] = list.map((engagement) => {
    const item = openIds.has(engagement.id) ? byId.get(engagement.id) : undefined
    return { engagement, figures: item ? figuresFromSummary(item) : null, loading: openIds.has(engagement.id) && summary.isLoading }
  })
  const tasks = summary.data ? tasksFromSummary(summary.data, open) : []

  const columns: Column<Row>[] = [
    { key: 'name', header: 'Engagement', sortValue: (r) => r.engagement.name, render: (r) => r.engagement.name },
    { key: 'status', header: 'Status', sortValue: (r) => r.engagement.status, render: (r) => <StatusBadge status={r.engagement.status} /> },
    { key: 'period', header: 'Period end', sortValue: (r) => r.engagement.period_end, render: (r) => formatDate(r.engagement.period_end) },
    { key: 'due', header: 'Report due', sortValue: (r) => r.engagement.due_date ?? null, render: (r) => <DueDate dueDate={r.engagement.due_date} status={r.engagement.status} /> },
    ...(isClientUser
      ? []
      : ([
          {
            key: 'signed',
            header: 'Signed off',
            align: 'right',
            sortValue: (r) => (r.figures?.workpapersTotal ? (r.figures.workpapersSigned ?? 0) / r.figures.workpapersTotal : null),
            render: (r) => (r.loading ? '…' : r.figures ? `${shown(r.figures.workpapersSigned)} / ${shown(r.figures.workpapersTotal)}` : '—'),
          },
          { key: 'notes', header: 'Open notes', align: 'right', sortValue: (r) => r.figures?.openNotes ?? null, render: (r) => (r.loading ? '…' : shown(r.figures?.openNotes)) },
          {
            key: 'exceptions',
            header: 'JE exceptions',
            align: 'right',
            sortValue: (r) => r.figures?.unresolvedExceptions ?? null,
            render: (r) => (r.loading ? '…' : shown(r.figures?.unresolvedExceptions)),
          },
          {
            key: 'data',
            header: 'Data loaded',
            render: (r) => (r.loading ? '…' : r.figures?.loadedKinds ? r.figures.loadedKinds.map((k) => k.replace(/_/g, ' ')).join(', ') || 'none' : '—'),
          },
        ] as Column<Row>[])),
  ]

  return (
    <div>
      <PageHeader title={`Good day${me?.user.display_name ? `, ${me.user.display_name}` : ''}`}>
        <Link to="/engagements">All engagements</Link>
        {!isClientUser && can('engagement.create') && (
          <Link to="/engagements/new" className="button primary">
            New engagement
          </Link>
        )}
      </PageHeader>
      <HomeRequests />
      <div className={isClientUser ? undefined : 'home-grid'}>
        <section aria-labelledby="my-engagements">
          <h2 id="my-engagements">{onlyMine && mine.length ? 'My engagements' : 'Engagements'}</h2>
          {!isClientUser && mine.length > 0 && (
            <label className="planning-check" style={{ flexDirection: 'row', gap: 6, fontWeight: 400, marginBottom: 6 }}>
              <input type="checkbox" checked={onlyMine} onChange={(e) => setOnlyMine(e.target.checked)} />
              Only open engagements whose team I am on
            </label>
          )}
          {engagements.isPending ? (
            <Loading label="Loading your engagements…" />
          ) : engagements.isError ? (
            <ErrorMessage error={engagements.error} title="The engagements could not be loaded" />
          ) : (
            <DataTable
              rows={rows}
              columns={columns}
              rowKey={(r) => r.engagement.id}
              onOpen={(r) => navigate(`/engagements/${r.engagement.id}`)}
              caption="Enter or click an engagement to open it"
              empty="No engagement yet."
            />
          )}
        </section>
        {!isClientUser && (
          <section className="panel" aria-labelledby="my-tasks">
            <h2 id="my-tasks" style={{ marginTop: 0 }}>
              My tasks
            </h2>
            {summary.isLoading && <Loading label="Looking for your tasks…" />}
            {summary.isError && <div className="muted small">The progress could not be loaded: {summary.error.message}</div>}
            {(['note', 'signoff', 'submission'] as const).map((kind) => {
              const these = tasks.filter((t) => t.kind === kind)
              return (
                <div key={kind}>
                  <h3>
                    {TASK_LABELS[kind]} ({these.length})
                  </h3>
                  {these.length === 0 ? (
                    <div className="muted small">Nothing waiting.</div>
                  ) : (
                    <ul className="home-tasks" aria-label={TASK_LABELS[kind]}>
                      {these.map((t, i) => (
                        <li key={`${t.to}-${i}`}>
                          <Link to={t.to}>{t.text}</Link>
                          <span className="muted">{t.engagementName}</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </div>
              )
            })}
          </section>
        )}
      </div>
    </div>
  )
}
