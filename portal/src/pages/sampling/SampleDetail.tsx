import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState, type KeyboardEvent } from 'react'
import { Link, useParams } from 'react-router'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import { type Column, DataTable } from '../../ui/DataTable'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatAmount, formatCount, formatDateTime, humanize } from '../../ui/format'
import { useAction } from '../../ui/useAction'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { useCurrentMateriality } from '../planning/Materiality'
import { SourcesTable, sampleKeys } from './Sampling'
import {
  CONCLUSION_LABELS,
  METHOD_LABELS,
  changedFindings,
  evaluationRows,
  findingOf,
  moneyText,
  percentToRate,
  sizeSources,
  strataOf,
  type Finding,
  type ItemUpdate,
  type SampleItem,
  type SampleRead,
} from './sampling'
import './sampling.css'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
// Keys typed in a cell's input stay in it (the table would take ↑/↓, j/k and Home/End to move rows).
const keepKeys = (event: KeyboardEvent) => event.stopPropagation()

function readBytes(file: Blob): Promise<ArrayBuffer> {
  if (typeof file.arrayBuffer === 'function') return file.arrayBuffer()
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result as ArrayBuffer)
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'))
    reader.readAsArrayBuffer(file)
  })
}

/** One sample: how it was drawn (seed, population, where its size came from), the fieldwork and the evaluation. */
export function SampleDetail() {
  const { engagement } = useEngagement()
  const { sampleId = '' } = useParams()
  const query = useQuery({
    queryKey: sampleKeys.one(engagement.id, sampleId),
    queryFn: () =>
      ok(api.GET('/api/engagements/{engagement_id}/samples/{sample_id}', { params: { path: { engagement_id: engagement.id, sample_id: sampleId } } })),
  })
  if (query.isPending) return <Loading label="Loading the sample…" />
  if (query.isError) return <ErrorMessage error={query.error} title="This sample cannot be shown" />
  return <SampleView sample={query.data} />
}

function SampleView({ sample }: { sample: SampleRead }) {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const mayWork = can('workpaper.prepare') && !engagement.locked
  const figures = { ...sample.parameters, ...sample.design }
  const population = sample.population as Record<string, unknown>
  const strata = strataOf(sample.design)
  return (
    <div className="sampling-page">
      <PageHeader title={sample.name}>
        <Link to={`/engagements/${engagement.id}/sampling`}>All samples</Link>
      </PageHeader>
      <div className="sampling-grid">
        <section className="panel" aria-labelledby="drawn-heading">
          <h2 id="drawn-heading">How it was drawn</h2>
          <dl className="facts">
            <dt>Method</dt>
            <dd>{METHOD_LABELS[sample.method]}</dd>
            <dt>Seed</dt>
            <dd>
              <span className="sampling-seed" aria-label="Seed">
                {sample.seed}
              </span>{' '}
              <span className="muted small">({sample.algorithm})</span>
            </dd>
            <dt>Population</dt>
            <dd>
              {humanize(String(population.source ?? ''))}
              {population.account ? `, account ${String(population.account)}` : ''}
              {population.dataset_version ? `, version ${String(population.dataset_version)}` : ''} · {formatCount(Number(population.count))} items, total{' '}
              {formatAmount(String(population.total ?? ''))} ({humanize(String(population.amounts ?? ''))} amounts)
            </dd>
            <dt>Items</dt>
            <dd>
              {formatCount(sample.item_count)} selected, {formatCount(sample.audited_count)} audited
              {sample.high_value_items.length > 0 ? ` · ${sample.high_value_items.length} high-value items (at or above the interval)` : ''}
            </dd>
            <dt>Selected</dt>
            <dd>{formatDateTime(sample.created_at)}</dd>
          </dl>
        </section>
        <Evaluation sample={sample} mayWork={mayWork} />
      </div>
      <SourcesTable rows={sizeSources(sample.method, figures)} caption="Where the sample size came from" />
      {typeof sample.design.formula === 'string' && <div className="sampling-formula">{sample.design.formula}</div>}
      {strata.length > 0 && (
        <DataTable
          caption="Strata"
          rows={strata}
          rowKey={(s) => String(s.number)}
          columns={[
            { key: 'n', header: 'Stratum', align: 'right', render: (s) => s.number },
            { key: 'range', header: 'Book values', render: (s) => `${formatAmount(s.lower)} to ${formatAmount(s.upper)}` },
            { key: 'count', header: 'Items', align: 'right', render: (s) => formatCount(s.count) },
            { key: 'total', header: 'Total', align: 'right', render: (s) => formatAmount(s.total) },
            { key: 'alloc', header: 'Selected', align: 'right', render: (s) => formatCount(s.allocation) },
          ]}
        />
      )}
      <Fieldwork sample={sample} mayWork={mayWork} />
    </div>
  )
}

function Fieldwork({ sample, mayWork }: { sample: SampleRead; mayWork: boolean }) {
  const { engagement } = useEngagement()
  const queryClient = useQueryClient()
  const attribute = sample.method === 'attribute'
  const items = [...sample.high_value_items, ...sample.items].sort((a, b) => a.line - b.line)
  const [edits, setEdits] = useState<Map<number, Finding>>(new Map())
  const [problems, setProblems] = useState<string[]>([])
  const [saved, setSaved] = useState<string | null>(null)
  const file = useRef<HTMLInputElement>(null)
  const transfer = useAction()
  const key = sampleKeys.one(engagement.id, sample.id)
  const path = { engagement_id: engagement.id, sample_id: sample.id }

  const stored = async (fresh: SampleRead, message: string) => {
    queryClient.setQueryData(key, fresh)
    setEdits(new Map())
    setSaved(message)
    await queryClient.invalidateQueries({ queryKey: sampleKeys.lists(engagement.id) })
  }
  const save = useMutation({
    mutationFn: (updates: ItemUpdate[]) =>
      ok(api.PUT('/api/engagements/{engagement_id}/samples/{sample_id}/items', { params: { path }, body: { items: updates } })),
    onSuccess: (fresh, updates) => stored(fresh, `Saved ${updates.length} line${updates.length === 1 ? '' : 's'}.`),
  })

  const finding = (item: SampleItem) => edits.get(item.line) ?? findingOf(item)
  const edit = (item: SampleItem, change: Partial<Finding>) =>
    setEdits((current) => new Map(current).set(item.line, { ...finding(item), ...change }))
  const fillBlanks = () =>
    setEdits((current) => {
      const next = new Map(current)
      for (const item of items) if (!moneyText(finding(item).audited)) next.set(item.line, { ...finding(item), audited: item.book_value })
      return next
    })
  const submit = () => {
    setSaved(null)
    save.reset()
    const result = changedFindings(items, edits, attribute)
    if ('problems' in result) return setProblems(result.problems)
    setProblems([])
    if (result.body.length === 0) return setSaved('Nothing has changed since the last save.')
    save.mutate(result.body)
  }
  const upload = (chosen: File) =>
    transfer.run(async () => {
      setSaved(null)
      const bytes = await readBytes(chosen)
      const fresh = await ok(
        api.PUT('/api/engagements/{engagement_id}/samples/{sample_id}/workbook', {
          params: { path },
          // The file's bytes as they are: the generated type only knows the body as text.
          body: bytes as unknown as string,
          bodySerializer: (body: unknown) => body as BodyInit,
          headers: { 'Content-Type': XLSX },
        }),
      )
      await stored(fresh, `The workbook's findings are entered: ${fresh.audited_count} of ${fresh.item_count} items audited.`)
    })

  const columns: Column<SampleItem>[] = [
    { key: 'line', header: 'Line', align: 'right', sortValue: (i) => i.line, render: (i) => i.line },
    { key: 'key', header: 'Item', sortValue: (i) => i.key, render: (i) => i.key },
    { key: 'description', header: 'Description', render: (i) => <span className="muted">{i.description}</span> },
    { key: 'book', header: 'Book value', align: 'right', sortValue: (i) => Number(i.book_value), render: (i) => formatAmount(i.book_value) },
    {
      key: 'how',
      header: sample.method === 'stratified' ? 'Stratum' : 'Hits',
      align: 'right',
      render: (i) => (sample.method === 'stratified' ? i.stratum : <>{i.hits}{i.high_value ? ' (high value)' : ''}</>),
    },
    attribute
      ? {
          key: 'deviation',
          header: 'Deviation',
          render: (i) =>
            mayWork ? (
              <select aria-label={`Deviation on line ${i.line}`} value={finding(i).deviation} onKeyDown={keepKeys} onChange={(e) => edit(i, { deviation: e.target.value as Finding['deviation'] })}>
                <option value="">not tested</option>
                <option value="no">no</option>
                <option value="yes">yes</option>
              </select>
            ) : (
              finding(i).deviation || '—'
            ),
        }
      : {
          key: 'audited',
          header: 'Audited value',
          align: 'right',
          render: (i) =>
            mayWork ? (
              <input className="sampling-amount" aria-label={`Audited value on line ${i.line}`} value={finding(i).audited} inputMode="decimal" onKeyDown={keepKeys} onChange={(e) => edit(i, { audited: e.target.value })} />
            ) : (
              formatAmount(i.audited_value)
            ),
        },
    {
      key: 'note',
      header: 'Note',
      render: (i) =>
        mayWork ? (
          <input className="sampling-note" aria-label={`Note on line ${i.line}`} value={finding(i).note} maxLength={2000} onKeyDown={keepKeys} onChange={(e) => edit(i, { note: e.target.value })} />
        ) : (
          i.note
        ),
    },
  ]

  return (
    <section aria-labelledby="fieldwork-heading">
      <h2 id="fieldwork-heading">Fieldwork</h2>
      <div className="sampling-actions">
        <button
          type="button"
          disabled={transfer.busy}
          onClick={() => transfer.run(async () => void (await download(`/api/engagements/${engagement.id}/samples/${sample.id}/workbook`, `sample-${sample.id}.xlsx`)))}
        >
          Download the workbook
        </button>
        {mayWork && (
          <>
            <label className="link" style={{ flexDirection: 'row' }}>
              <span className="muted small">Upload the filled-in workbook:</span>
              <input
                ref={file}
                type="file"
                aria-label="Upload the filled-in workbook"
                accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                disabled={transfer.busy}
                onChange={(e) => {
                  const chosen = e.target.files?.[0]
                  if (chosen) upload(chosen)
                  e.target.value = ''
                }}
              />
            </label>
            {!attribute && (
              <button type="button" onClick={fillBlanks}>
                Blank audited values = book value
              </button>
            )}
            <button type="button" className="primary" disabled={save.isPending} onClick={submit}>
              {save.isPending ? 'Saving…' : attribute ? 'Save deviations' : 'Save audited values'}
            </button>
            {edits.size > 0 && <span className="muted small">{edits.size} lines edited, not saved</span>}
          </>
        )}
      </div>
      {transfer.busy && <div className="muted" role="status">Working…</div>}
      <ErrorMessage error={transfer.error} title="The workbook could not be transferred" />
      <FormProblems problems={problems} />
      <ErrorMessage error={save.error} title="The findings were not saved" />
      {saved && (
        <div className="success" role="status">
          {saved}
        </div>
      )}
      <div className="sampling-items">
        <DataTable rows={items} columns={columns} rowKey={(i) => String(i.line)} caption={`${items.length} items`} />
      </div>
    </section>
  )
}

function Evaluation({ sample, mayWork }: { sample: SampleRead; mayWork: boolean }) {
  const { engagement } = useEngagement()
  const queryClient = useQueryClient()
  const materiality = useCurrentMateriality(engagement.id)
  const classical = sample.method === 'random' || sample.method === 'stratified'
  const [estimator, setEstimator] = useState<'difference' | 'ratio' | 'mean_per_unit'>('difference')
  const [tolerable, setTolerable] = useState('')
  const [confidence, setConfidence] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const pm = materiality.data?.performance_materiality ?? ''
  const tolerableShown = tolerable || (classical ? pm : '')
  const evaluate = useMutation({
    mutationFn: () => {
      const tm = moneyText(tolerableShown)
      const rate = confidence.trim() ? percentToRate(confidence) : null
      return ok(
        api.POST('/api/engagements/{engagement_id}/samples/{sample_id}/evaluation', {
          params: { path: { engagement_id: engagement.id, sample_id: sample.id } },
          body: { estimator: classical ? estimator : null, tolerable_misstatement: tm, confidence: rate, risk: null, tolerable_rate: null },
        }),
      )
    },
    onSuccess: async (fresh) => {
      queryClient.setQueryData(sampleKeys.one(engagement.id, sample.id), fresh)
      await queryClient.invalidateQueries({ queryKey: sampleKeys.lists(engagement.id) })
    },
  })
  const result = sample.evaluation
  const conclusion = result?.conclusion ? String(result.conclusion) : null
  const good = conclusion === 'accept' || conclusion === 'rely'
  return (
    <section className="panel" aria-labelledby="evaluation-heading">
      <h2 id="evaluation-heading">Evaluation</h2>
      {result ? (
        <div role="region" aria-label="Evaluation result">
          {conclusion ? (
            <div className={`sampling-conclusion ${good ? 'good' : 'bad'}`}>
              <StatusBadge status={conclusion} /> <span>{CONCLUSION_LABELS[conclusion] ?? humanize(conclusion)}</span>
            </div>
          ) : (
            <div className="notice">No conclusion: give a tolerable misstatement to compare the limits with.</div>
          )}
          <dl className="facts">
            {evaluationRows(result).map((row) => (
              <div key={row.what} style={{ display: 'contents' }}>
                <dt>{row.what}</dt>
                <dd className="num" style={{ textAlign: 'left' }}>
                  {row.value}
                </dd>
              </div>
            ))}
          </dl>
          {typeof result.formula === 'string' && <div className="sampling-formula">{result.formula}</div>}
          <div className="muted small">Evaluated {formatDateTime(sample.evaluated_at)}</div>
        </div>
      ) : (
        <div className="muted">
          Not evaluated yet: {formatCount(sample.audited_count)} of {formatCount(sample.item_count)} items audited.
        </div>
      )}
      {mayWork && (
        <form
          className="form"
          style={{ marginTop: 10 }}
          onSubmit={(event) => {
            event.preventDefault()
            if (confidence.trim() && percentToRate(confidence) === null) return setProblem(`Confidence: “${confidence}” is not a percentage`)
            setProblem(null)
            evaluate.mutate()
          }}
        >
          {classical && (
            <label>
              Estimator
              <select value={estimator} onChange={(e) => setEstimator(e.target.value as typeof estimator)}>
                <option value="difference">Difference</option>
                <option value="ratio">Ratio</option>
                <option value="mean_per_unit">Mean per unit</option>
              </select>
            </label>
          )}
          {sample.method !== 'attribute' && (
            <label>
              Tolerable misstatement{classical ? '' : ' (default: the sample’s)'}
              <input value={tolerableShown} onChange={(e) => setTolerable(e.target.value)} inputMode="decimal" />
            </label>
          )}
          <label>
            Confidence (%) (default: {classical ? '95' : 'the sample’s'})
            <input value={confidence} onChange={(e) => setConfidence(e.target.value)} inputMode="decimal" />
          </label>
          {problem && (
            <div className="error" role="alert">
              {problem}
            </div>
          )}
          <ErrorMessage error={evaluate.error} title="The sample was not evaluated" />
          <div className="form-actions">
            <button type="submit" className="primary" disabled={evaluate.isPending}>
              {evaluate.isPending ? 'Evaluating…' : result ? 'Evaluate again' : 'Evaluate'}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
