import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { CodeOptions } from '../../ui/CodeOptions'
import { type Column, DataTable } from '../../ui/DataTable'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount, formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  BENCHMARKS,
  BENCHMARK_LABELS,
  LEVELS,
  LEVEL_LABELS,
  emptyMaterialityForm,
  materialityBody,
  type Benchmark,
  type MaterialityCreate,
  type MaterialityForm,
  type MaterialityRead,
} from './planning'
import './planning.css'

type Alternative = MaterialityRead['alternatives'][number]

export const materialityKeys = {
  all: (engagementId: string) => ['planning', engagementId, 'materiality'] as const,
  current: (engagementId: string) => ['planning', engagementId, 'materiality', 'current'] as const,
  versions: (engagementId: string) => ['planning', engagementId, 'materiality', 'versions'] as const,
}

/** The engagement's current materiality, or null when none has been determined (the API's 404 no_materiality). */
export function useCurrentMateriality(engagementId: string) {
  return useQuery({
    queryKey: materialityKeys.current(engagementId),
    queryFn: async () => {
      try {
        return await ok(api.GET('/api/engagements/{engagement_id}/materiality', { params: { path: { engagement_id: engagementId } } }))
      } catch (error) {
        if (error instanceof ApiError && error.code === 'no_materiality') return null
        throw error
      }
    },
  })
}

/** Materiality: the current version with every benchmark side by side, how it was worked out, and every version. */
export function Materiality() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const mayChange = can('engagement.update') && !engagement.locked
  const current = useCurrentMateriality(engagement.id)
  const versions = useQuery({
    queryKey: materialityKeys.versions(engagement.id),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/materiality/versions', {
          params: { path: { engagement_id: engagement.id }, query: { page: 1, page_size: 100 } },
        }),
      ),
  })
  const [shownId, setShownId] = useState<string | null>(null)
  const [warnings, setWarnings] = useState<string[]>([])
  const shown = versions.data?.items.find((v) => v.id === shownId) ?? current.data ?? null

  return (
    <div className="planning-page">
      <PageHeader title="Materiality" />
      {current.isPending ? (
        <Loading label="Loading materiality…" />
      ) : current.isError ? (
        <ErrorMessage error={current.error} title="Materiality could not be loaded" />
      ) : (
        <div className="planning-grid">
          <div>
            {warnings.length > 0 && (
              <div className="planning-warning" role="status">
                {warnings.map((w) => (
                  <div key={w}>{w}</div>
                ))}
              </div>
            )}
            {shown ? (
              <MaterialityDetails row={shown} />
            ) : (
              <Empty>
                No materiality has been determined yet, so journal-entry tests use the top 1% of amounts instead of performance
                materiality. {mayChange ? 'Determine it with the form.' : 'Someone who may change the engagement can determine it.'}
              </Empty>
            )}
            <section className="panel" aria-labelledby="materiality-versions">
              <h2 id="materiality-versions">Versions</h2>
              {versions.isPending ? (
                <Loading />
              ) : versions.isError ? (
                <ErrorMessage error={versions.error} title="The versions could not be loaded" />
              ) : (
                <VersionTable rows={versions.data.items} shownId={shown?.id ?? null} onOpen={(row) => setShownId(row.id)} />
              )}
            </section>
          </div>
          {mayChange ? (
            <MaterialityFormPanel
              engagementId={engagement.id}
              from={current.data}
              onSaved={(row) => {
                setShownId(null)
                setWarnings(row.warnings ?? [])
              }}
            />
          ) : (
            <div className="muted small">
              {engagement.locked ? 'The engagement is finalized: materiality can no longer change.' : 'Your role on this engagement does not allow determining materiality.'}
            </div>
          )}
        </div>
      )}
    </div>
  )
}

function MaterialityDetails({ row }: { row: MaterialityRead }) {
  return (
    <section className="panel" aria-labelledby="materiality-shown">
      <h2 id="materiality-shown">
        Version {row.version} {row.current ? <span className="badge badge-completed">current</span> : <span className="badge">earlier</span>}
      </h2>
      <dl className="planning-figures" aria-label="Materiality figures">
        <div>
          <dt>Overall materiality</dt>
          <dd>{formatAmount(row.overall_materiality)}</dd>
        </div>
        <div>
          <dt>Performance materiality</dt>
          <dd>{formatAmount(row.performance_materiality)}</dd>
        </div>
        <div>
          <dt>Clearly trivial</dt>
          <dd>{formatAmount(row.clearly_trivial)}</dd>
        </div>
        <div>
          <dt>Benchmark</dt>
          <dd>
            {BENCHMARK_LABELS[row.benchmark]} × {row.percentage}%
          </dd>
        </div>
        <div>
          <dt>Engagement risk</dt>
          <dd>{LEVEL_LABELS[row.risk_level]}</dd>
        </div>
      </dl>
      <h3>Benchmarks side by side</h3>
      <DataTable rows={row.alternatives} columns={ALTERNATIVE_COLUMNS} rowKey={(a) => a.benchmark} selectedKey={row.benchmark} empty="No other benchmark was given." />
      <h3>Rationale</h3>
      <p className="planning-rationale">{row.rationale}</p>
      <h3>How it was worked out</h3>
      <pre className="planning-method">{row.method}</pre>
      <div className="muted small">
        {row.rounding} · determined {formatDateTime(row.created_at)}
      </div>
    </section>
  )
}

const ALTERNATIVE_COLUMNS: Column<Alternative>[] = [
  { key: 'benchmark', header: 'Benchmark', render: (a) => <>{BENCHMARK_LABELS[a.benchmark]}{a.chosen ? ' (chosen)' : ''}</> },
  { key: 'amount', header: 'Amount', align: 'right', render: (a) => formatAmount(a.benchmark_amount) },
  { key: 'pct', header: '%', align: 'right', render: (a) => (a.percentage ?? a.default_percentage) + '%' },
  { key: 'om', header: 'Overall', align: 'right', render: (a) => formatAmount(a.overall_materiality) },
  { key: 'pm', header: 'Performance', align: 'right', render: (a) => formatAmount(a.performance_materiality) },
  { key: 'ct', header: 'Clearly trivial', align: 'right', render: (a) => formatAmount(a.clearly_trivial) },
  { key: 'usable', header: 'Usable', render: (a) => (a.usable ? 'yes' : <span className="muted">{a.unusable_reason ?? 'no'}</span>) },
]

const VERSION_COLUMNS: Column<MaterialityRead>[] = [
  { key: 'version', header: 'Version', align: 'right', sortValue: (v) => v.version, render: (v) => <>{v.version}{v.current ? ' (current)' : ''}</> },
  { key: 'created', header: 'Determined', sortValue: (v) => v.created_at, render: (v) => formatDateTime(v.created_at) },
  { key: 'benchmark', header: 'Benchmark', render: (v) => `${BENCHMARK_LABELS[v.benchmark]} × ${v.percentage}%` },
  { key: 'om', header: 'Overall', align: 'right', render: (v) => formatAmount(v.overall_materiality) },
  { key: 'pm', header: 'Performance', align: 'right', render: (v) => formatAmount(v.performance_materiality) },
  { key: 'ct', header: 'Clearly trivial', align: 'right', render: (v) => formatAmount(v.clearly_trivial) },
  { key: 'risk', header: 'Risk', render: (v) => LEVEL_LABELS[v.risk_level] },
]

function VersionTable({ rows, shownId, onOpen }: { rows: MaterialityRead[]; shownId: string | null; onOpen: (row: MaterialityRead) => void }) {
  return <DataTable rows={rows} columns={VERSION_COLUMNS} rowKey={(v) => v.id} selectedKey={shownId} onOpen={onOpen} empty="No versions yet." />
}

function MaterialityFormPanel({
  engagementId,
  from,
  onSaved,
}: {
  engagementId: string
  from: MaterialityRead | null | undefined
  onSaved: (row: MaterialityRead) => void
}) {
  const queryClient = useQueryClient()
  const [form, setForm] = useState<MaterialityForm>(() => emptyMaterialityForm(from))
  const [problems, setProblems] = useState<string[]>([])
  const save = useMutation({
    mutationFn: (body: MaterialityCreate) =>
      ok(api.POST('/api/engagements/{engagement_id}/materiality', { params: { path: { engagement_id: engagementId } }, body })),
    onSuccess: async (row) => {
      onSaved(row)
      setForm((f) => ({ ...f, rationale: '' }))
      await queryClient.invalidateQueries({ queryKey: materialityKeys.all(engagementId) })
    },
  })
  const set = <K extends keyof MaterialityForm>(key: K, value: MaterialityForm[K]) => setForm((f) => ({ ...f, [key]: value }))
  const setAmount = (benchmark: Benchmark, value: string) => setForm((f) => ({ ...f, amounts: { ...f.amounts, [benchmark]: value } }))
  return (
    <section className="panel" aria-labelledby="materiality-form">
      <h2 id="materiality-form">{from ? 'Determine a new version' : 'Determine materiality'}</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          save.reset()
          const result = materialityBody(form)
          if ('problems' in result) {
            setProblems(result.problems)
            return
          }
          setProblems([])
          save.mutate(result.body)
        }}
      >
        <div className="form-row">
          <label>
            Benchmark
            <select value={form.benchmark} onChange={(e) => set('benchmark', e.target.value as Benchmark)}>
              <CodeOptions codes={BENCHMARKS} label={(b) => BENCHMARK_LABELS[b]} />
            </select>
          </label>
          <label>
            Percentage
            <input value={form.percentage} onChange={(e) => set('percentage', e.target.value)} inputMode="decimal" placeholder="the benchmark's default" aria-describedby="pct-hint" />
          </label>
        </div>
        <span id="pct-hint" className="hint muted small">
          In percent; left blank, the benchmark's default. Amounts left blank are taken from the mapped trial balance.
        </span>
        <fieldset className="planning-amounts" style={{ border: 'none', padding: 0, margin: 0 }}>
          <legend className="small muted">Benchmark amounts</legend>
          {BENCHMARKS.map((b) => (
            <label key={b}>
              {BENCHMARK_LABELS[b]}
              {b === form.benchmark ? ' (chosen)' : ''}
              <input value={form.amounts[b]} onChange={(e) => setAmount(b, e.target.value)} inputMode="decimal" />
            </label>
          ))}
        </fieldset>
        <label>
          Engagement risk
          <select value={form.riskLevel} onChange={(e) => set('riskLevel', e.target.value as MaterialityForm['riskLevel'])}>
            <CodeOptions codes={LEVELS} label={(l) => LEVEL_LABELS[l]} />
          </select>
        </label>
        <label>
          Rationale
          <textarea value={form.rationale} onChange={(e) => set('rationale', e.target.value)} maxLength={10000} rows={4} />
        </label>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save materiality'}
          </button>
        </div>
        <FormProblems problems={problems} />
        <ErrorMessage error={save.error} title="Materiality was not saved" />
        {save.isSuccess && (
          <div className="success" role="status">
            Version {save.data.version} saved: performance materiality {formatAmount(save.data.performance_materiality)}.
          </div>
        )}
      </form>
    </section>
  )
}
