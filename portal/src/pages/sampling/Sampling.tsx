import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useNavigate } from 'react-router'
import { api, ok } from '../../api/client'
import { CodeOptions } from '../../ui/CodeOptions'
import { type Column, DataTable, Pager } from '../../ui/DataTable'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatAmount, formatCount, formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { useCurrentMateriality } from '../planning/Materiality'
import {
  METHODS,
  METHOD_LABELS,
  emptySampleForm,
  planBody,
  sampleBody,
  sizeSources,
  type Method,
  type SampleForm,
  type SampleSummary,
  type SourceRow,
} from './sampling'
import './sampling.css'

export const sampleKeys = {
  all: (engagementId: string) => ['sampling', engagementId] as const,
  lists: (engagementId: string) => ['sampling', engagementId, 'list'] as const,
  list: (engagementId: string, page: number) => ['sampling', engagementId, 'list', page] as const,
  one: (engagementId: string, sampleId: string) => ['sampling', engagementId, 'sample', sampleId] as const,
}

const PAGE_SIZE = 50

/** The engagement's samples, and the plan and selection of a new one. */
export function Sampling() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const navigate = useNavigate()
  const mayDraw = can('workpaper.prepare') && !engagement.locked
  const [page, setPage] = useState(1)
  const samples = useQuery({
    queryKey: sampleKeys.list(engagement.id, page),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/samples', {
          params: { path: { engagement_id: engagement.id }, query: { page, page_size: PAGE_SIZE } },
        }),
      ),
  })
  const open = (row: SampleSummary) => navigate(`/engagements/${engagement.id}/sampling/${row.id}`)
  const columns: Column<SampleSummary>[] = [
    { key: 'name', header: 'Sample', sortValue: (s) => s.name, render: (s) => s.name },
    { key: 'method', header: 'Method', sortValue: (s) => s.method, render: (s) => METHOD_LABELS[s.method] },
    { key: 'items', header: 'Items', align: 'right', sortValue: (s) => s.item_count, render: (s) => formatCount(s.item_count) },
    { key: 'audited', header: 'Audited', align: 'right', sortValue: (s) => s.audited_count / Math.max(1, s.item_count), render: (s) => `${formatCount(s.audited_count)} of ${formatCount(s.item_count)}` },
    { key: 'seed', header: 'Seed', render: (s) => <code>{s.seed}</code> },
    {
      key: 'conclusion',
      header: 'Conclusion',
      render: (s) => (s.evaluation ? <StatusBadge status={String(s.evaluation.conclusion ?? 'evaluated')} /> : <span className="muted">not evaluated</span>),
    },
    { key: 'created', header: 'Selected', sortValue: (s) => s.created_at, render: (s) => formatDateTime(s.created_at) },
  ]
  return (
    <div className="sampling-page">
      <PageHeader title="Sampling" />
      <div className="sampling-grid">
        <section aria-labelledby="samples-heading">
          <h2 id="samples-heading">Samples of this engagement</h2>
          {samples.isPending ? (
            <Loading label="Loading the samples…" />
          ) : samples.isError ? (
            <ErrorMessage error={samples.error} title="The samples could not be loaded" />
          ) : (
            <>
              <DataTable rows={samples.data.items} columns={columns} rowKey={(s) => s.id} onOpen={open} empty="No sample has been selected yet." />
              <Pager page={page} pageSize={PAGE_SIZE} total={samples.data.total} onChange={setPage} />
            </>
          )}
        </section>
        {mayDraw ? (
          <PlanAndSelect engagementId={engagement.id} onSelected={(id) => navigate(`/engagements/${engagement.id}/sampling/${id}`)} />
        ) : (
          <div className="muted small">
            {engagement.locked ? 'The engagement is finalized: no sample can be selected.' : 'Your role on this engagement does not allow selecting samples.'}
          </div>
        )}
      </div>
    </div>
  )
}

export function SourcesTable({ rows, caption }: { rows: SourceRow[]; caption: string }) {
  return (
    <div className="table-wrap sampling-sources">
      <table className="data-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" style={{ textAlign: 'right' }}>
              Value
            </th>
            <th scope="col">Where it comes from</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.what}>
              <th scope="row" style={{ fontWeight: 400, position: 'static', background: 'none' }}>
                {row.what}
              </th>
              <td className="num">{row.value}</td>
              <td className="muted small">{row.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function PlanAndSelect({ engagementId, onSelected }: { engagementId: string; onSelected: (id: string) => void }) {
  const queryClient = useQueryClient()
  const materiality = useCurrentMateriality(engagementId)
  const pm = materiality.data?.performance_materiality ?? null
  const [form, setForm] = useState<SampleForm>(() => emptySampleForm(pm))
  const [problems, setProblems] = useState<string[]>([])
  const [tmTouched, setTmTouched] = useState(false)
  const set = <K extends keyof SampleForm>(key: K, value: SampleForm[K]) => setForm((f) => ({ ...f, [key]: value }))
  // Tolerable misstatement starts at performance materiality once it is known, unless typed over.
  const shownForm = !tmTouched && pm && !form.tolerableMisstatement ? { ...form, tolerableMisstatement: pm } : form

  const plan = useMutation({
    mutationFn: async (request: Extract<ReturnType<typeof planBody>, { body: unknown }>['body']) => {
      if (request.kind === 'mus') return { method: 'mus' as Method, figures: (await ok(api.POST('/api/sampling/mus/plan', { body: request.body }))) as Record<string, unknown> }
      return { method: 'attribute' as Method, figures: (await ok(api.POST('/api/sampling/attribute/plan', { body: request.body }))) as Record<string, unknown> }
    },
  })
  const select = useMutation({
    mutationFn: (body: Extract<ReturnType<typeof sampleBody>, { body: unknown }>['body']) =>
      ok(api.POST('/api/engagements/{engagement_id}/samples', { params: { path: { engagement_id: engagementId } }, body })),
    onSuccess: async (sample) => {
      await queryClient.invalidateQueries({ queryKey: sampleKeys.lists(engagementId) })
      onSelected(sample.id)
    },
  })
  const run = (build: typeof planBody | typeof sampleBody, then: (body: never) => void) => {
    plan.reset()
    select.reset()
    const result = build(shownForm)
    if ('problems' in result) {
      setProblems(result.problems)
      return
    }
    setProblems([])
    then(result.body as never)
  }
  const method = form.method
  const classical = method === 'random' || method === 'stratified'
  return (
    <section className="panel" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Plan and select a sample</h2>
      <form
        className="form sampling-form"
        onSubmit={(event) => {
          event.preventDefault()
          run(sampleBody, (body) => select.mutate(body))
        }}
      >
        <label>
          Method
          <select value={method} onChange={(e) => set('method', e.target.value as Method)}>
            <CodeOptions codes={METHODS} label={(m) => METHOD_LABELS[m]} />
          </select>
        </label>
        <fieldset>
          <legend>Plan</legend>
          {!classical && (
            <label>
              Confidence (%)
              <input value={form.confidence} onChange={(e) => set('confidence', e.target.value)} inputMode="decimal" />
            </label>
          )}
          {method === 'mus' && (
            <>
              <div className="form-row">
                <label>
                  Tolerable misstatement
                  <input
                    value={shownForm.tolerableMisstatement}
                    onChange={(e) => {
                      setTmTouched(true)
                      set('tolerableMisstatement', e.target.value)
                    }}
                    inputMode="decimal"
                    aria-describedby="tm-hint"
                  />
                </label>
                <label>
                  Expected misstatement
                  <input value={form.expectedMisstatement} onChange={(e) => set('expectedMisstatement', e.target.value)} inputMode="decimal" />
                </label>
              </div>
              <span id="tm-hint" className="muted small">
                {pm ? `Performance materiality is ${formatAmount(pm)}.` : 'No materiality is set for this engagement yet.'}
              </span>
              <label>
                Book value (for the plan only)
                <input value={form.bookValue} onChange={(e) => set('bookValue', e.target.value)} inputMode="decimal" aria-describedby="bv-hint" />
              </label>
              <span id="bv-hint" className="muted small">
                Selection uses the loaded population's own book value.
              </span>
            </>
          )}
          {method === 'attribute' && (
            <>
              <div className="form-row">
                <label>
                  Tolerable deviation rate (%)
                  <input value={form.tolerableRate} onChange={(e) => set('tolerableRate', e.target.value)} inputMode="decimal" />
                </label>
                <label>
                  Expected deviation rate (%)
                  <input value={form.expectedRate} onChange={(e) => set('expectedRate', e.target.value)} inputMode="decimal" />
                </label>
              </div>
              <label>
                Population size (for the plan only; optional)
                <input value={form.populationSize} onChange={(e) => set('populationSize', e.target.value)} inputMode="numeric" />
              </label>
            </>
          )}
          {classical && (
            <div className="form-row">
              <label>
                Sample size
                <input value={form.n} onChange={(e) => set('n', e.target.value)} inputMode="numeric" />
              </label>
              {method === 'stratified' && (
                <label>
                  Strata
                  <input value={form.strata} onChange={(e) => set('strata', e.target.value)} inputMode="numeric" />
                </label>
              )}
            </div>
          )}
          {!classical && (
            <div>
              <button type="button" disabled={plan.isPending} onClick={() => run(planBody, (body) => plan.mutate(body))}>
                {plan.isPending ? 'Planning…' : 'Plan the size'}
              </button>
            </div>
          )}
        </fieldset>
        {plan.isSuccess && plan.data.method === method && (
          <div role="region" aria-label="Planned size">
            <SourcesTable rows={sizeSources(plan.data.method, plan.data.figures)} caption={`Sample size ${formatCount(Number(plan.data.figures.n))}: where it comes from`} />
            <div className="sampling-formula">{String(plan.data.figures.formula ?? '')}</div>
          </div>
        )}
        <fieldset>
          <legend>Select</legend>
          <label>
            Name
            <input value={form.name} onChange={(e) => set('name', e.target.value)} maxLength={200} />
          </label>
          <div className="form-row">
            <label>
              Population
              <select value={form.source} onChange={(e) => set('source', e.target.value as SampleForm['source'])}>
                <option value="trial_balance">Trial balance (closing balances)</option>
                <option value="general_ledger">General ledger (lines)</option>
              </select>
            </label>
            <label>
              Book values
              <select value={form.amounts} onChange={(e) => set('amounts', e.target.value as SampleForm['amounts'])}>
                <option value="absolute">Absolute</option>
                <option value="as_recorded">As recorded</option>
              </select>
            </label>
          </div>
          {form.source === 'general_ledger' && (
            <label>
              Account (optional: one account's lines)
              <input value={form.account} onChange={(e) => set('account', e.target.value)} maxLength={100} />
            </label>
          )}
          <label>
            Seed (optional)
            <input value={form.seed} onChange={(e) => set('seed', e.target.value)} inputMode="numeric" aria-describedby="seed-hint" />
          </label>
          <span id="seed-hint" className="muted small">
            Left blank, a seed is drawn and recorded; the same seed draws the same items again.
          </span>
        </fieldset>
        <FormProblems problems={problems} />
        <ErrorMessage error={plan.error} title="The size could not be planned" />
        <ErrorMessage error={select.error} title="The sample was not selected" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={select.isPending}>
            {select.isPending ? 'Selecting…' : 'Select the sample'}
          </button>
        </div>
      </form>
    </section>
  )
}
