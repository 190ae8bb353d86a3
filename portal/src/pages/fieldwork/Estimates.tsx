import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { FieldworkNav } from './FieldworkNav'
import {
  EMPTY_ESTIMATE,
  EMPTY_REVIEW,
  KINDS,
  auditorText,
  biasText,
  differenceText,
  directionText,
  estimateBody,
  estimateProblems,
  kindLabel,
  mayPropose,
  reviewBody,
  reviewProblems,
  type Estimate,
  type EstimateForm,
  type EstimateKind,
  type Proposal,
  type ReviewForm,
} from './estimates'

const keys = {
  all: (engagementId: string) => ['estimates', engagementId] as const,
  estimates: (engagementId: string) => ['estimates', engagementId, 'list'] as const,
  reviews: (engagementId: string) => ['estimates', engagementId, 'reviews'] as const,
}

/**
 * Accounting estimates (AU-C 540 / AS 2501): management's point estimate against the auditor's range
 * or point, the difference proposed as an adjusting entry (to the summary of unadjusted differences),
 * and the retrospective review of last year's estimates with the management bias indicator.
 */
export function Estimates() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const [adding, setAdding] = useState(false)
  const [outcome, setOutcome] = useState<string | null>(null)

  const estimates = useQuery({
    queryKey: keys.estimates(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/estimates', { params: { path } })),
  })
  const changed = () => queryClient.invalidateQueries({ queryKey: keys.all(engagement.id) })
  const propose = useMutation({
    mutationFn: (estimate: Estimate) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/estimates/{estimate_id}/adjustment', {
          params: { path: { ...path, estimate_id: estimate.id } },
          body: {} as Proposal,
        }),
      ),
    onSuccess: async (result) => {
      setOutcome(`The difference on ${result.name} is proposed as adjusting entry ${result.adjustment?.number ?? ''}, in the summary of unadjusted differences.`)
      await changed()
    },
  })

  const items = estimates.data?.items ?? []
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Accounting estimates">
        {mayPrepare && (
          <button type="button" onClick={() => setAdding((open) => !open)}>
            {adding ? 'Close the form' : 'Add an estimate'}
          </button>
        )}
      </PageHeader>
      <ErrorMessage error={propose.error} title="The difference was not proposed" />
      {outcome && (
        <div className="notice" role="status">
          {outcome}
        </div>
      )}
      {adding && mayPrepare && (
        <AddEstimate
          engagementId={engagement.id}
          onAdded={async (estimate) => {
            setAdding(false)
            setOutcome(`${estimate.name} was recorded: ${differenceText(estimate)}.`)
            await changed()
          }}
        />
      )}
      {estimates.isPending ? (
        <Loading label="Loading the estimates…" />
      ) : estimates.isError ? (
        <ErrorMessage error={estimates.error} title="The estimates could not be loaded" />
      ) : items.length === 0 ? (
        <Empty>No accounting estimate is recorded yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-label="Accounting estimates">
            <thead>
              <tr>
                <th scope="col">Estimate</th>
                <th scope="col">Account</th>
                <th scope="col">Management</th>
                <th scope="col">Auditor</th>
                <th scope="col">Difference</th>
                <th scope="col">Adjusting entry</th>
              </tr>
            </thead>
            <tbody>
              {items.map((estimate) => (
                <tr key={estimate.id}>
                  <th scope="row">
                    {estimate.name}
                    <div className="muted small">{kindLabel(estimate.kind)}</div>
                  </th>
                  <td>
                    {estimate.account_number}
                    {estimate.counter_account_number && <div className="muted small">against {estimate.counter_account_number}</div>}
                  </td>
                  <td className="num">{formatAmount(estimate.management_estimate)}</td>
                  <td>{auditorText(estimate)}</td>
                  <td>{differenceText(estimate)}</td>
                  <td>
                    {estimate.adjustment ? (
                      <>
                        <Link to="../adjustments" relative="path">
                          Entry {estimate.adjustment.number} ({estimate.adjustment.kind}, {formatAmount(estimate.adjustment.amount)})
                        </Link>
                        {!estimate.adjustment.current && (
                          <div className="small" role="note">
                            The estimate changed since: the entry no longer equals its difference.
                          </div>
                        )}
                      </>
                    ) : mayPrepare && mayPropose(estimate) ? (
                      <button type="button" disabled={propose.isPending} aria-label={`Propose the difference on ${estimate.name}`} onClick={() => { setOutcome(null); propose.mutate(estimate) }}>
                        Propose as an entry
                      </button>
                    ) : estimate.difference !== null && Number(estimate.difference) !== 0 && estimate.counter_account_number === null ? (
                      <span className="muted small">Needs a counter account to be proposed</span>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Total difference
                </th>
                <td>{formatAmount(estimates.data?.total_difference)}</td>
                <td />
              </tr>
            </tfoot>
          </table>
        </div>
      )}
      <RetrospectiveReview />
      {engagement.locked && <div className="muted small">The engagement is finalized: the estimates can no longer change.</div>}
    </div>
  )
}

function KindSelect({ value, onChange }: { value: EstimateKind | ''; onChange: (kind: EstimateKind | '') => void }) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value as EstimateKind | '')}>
      <option value="">Choose…</option>
      {KINDS.map(([code, label]) => (
        <option key={code} value={code}>
          {label}
        </option>
      ))}
    </select>
  )
}

function AddEstimate({ engagementId, onAdded }: { engagementId: string; onAdded: (estimate: Estimate) => Promise<void> }) {
  const [form, setForm] = useState<EstimateForm>(EMPTY_ESTIMATE)
  const [problems, setProblems] = useState<string[]>([])
  const create = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/estimates', { params: { path: { engagement_id: engagementId } }, body: estimateBody(form) })),
    onSuccess: onAdded,
  })
  const set = <K extends keyof EstimateForm>(key: K, value: EstimateForm[K]) => setForm((previous) => ({ ...previous, [key]: value }))
  return (
    <form
      className="panel form"
      aria-label="Add an accounting estimate"
      onSubmit={(event) => {
        event.preventDefault()
        const found = estimateProblems(form)
        setProblems(found)
        if (found.length === 0) create.mutate()
      }}
    >
      <FormProblems problems={problems} />
      <ErrorMessage error={create.error} title="The estimate was not recorded" />
      <div className="form-row">
        <label>
          Name
          <input value={form.name} onChange={(e) => set('name', e.target.value)} />
        </label>
        <label>
          Kind
          <KindSelect value={form.kind} onChange={(kind) => set('kind', kind)} />
        </label>
      </div>
      <div className="form-row">
        <label>
          Account
          <input value={form.account} onChange={(e) => set('account', e.target.value)} />
        </label>
        <label>
          Counter account (the expense)
          <input value={form.counterAccount} onChange={(e) => set('counterAccount', e.target.value)} />
        </label>
        <label>
          The estimate grows with a
          <select value={form.increasesWith} onChange={(e) => set('increasesWith', e.target.value as EstimateForm['increasesWith'])}>
            <option value="credit">credit (allowance, provision)</option>
            <option value="debit">debit (asset at fair value)</option>
          </select>
        </label>
      </div>
      <label>
        Management&apos;s estimate
        <input inputMode="decimal" value={form.management} onChange={(e) => set('management', e.target.value)} />
      </label>
      <fieldset>
        <legend>The auditor&apos;s estimate</legend>
        {(['range', 'point', 'none'] as const).map((figure) => (
          <label key={figure}>
            <input type="radio" name="figure" checked={form.figure === figure} onChange={() => set('figure', figure)} />{' '}
            {figure === 'range' ? 'A range' : figure === 'point' ? 'A point' : 'Not yet'}
          </label>
        ))}
        {form.figure === 'range' && (
          <div className="form-row">
            <label>
              Low
              <input inputMode="decimal" value={form.low} onChange={(e) => set('low', e.target.value)} />
            </label>
            <label>
              High
              <input inputMode="decimal" value={form.high} onChange={(e) => set('high', e.target.value)} />
            </label>
          </div>
        )}
        {form.figure === 'point' && (
          <label>
            Point
            <input inputMode="decimal" value={form.point} onChange={(e) => set('point', e.target.value)} />
          </label>
        )}
      </fieldset>
      <label>
        How the auditor developed it
        <textarea value={form.basis} onChange={(e) => set('basis', e.target.value)} />
      </label>
      <div>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Recording…' : 'Record the estimate'}
        </button>
      </div>
    </form>
  )
}

function RetrospectiveReview() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const [form, setForm] = useState<ReviewForm>(EMPTY_REVIEW)
  const [problems, setProblems] = useState<string[]>([])
  const reviews = useQuery({
    queryKey: keys.reviews(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/estimates/reviews', { params: { path } })),
  })
  const create = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/estimates/reviews', { params: { path }, body: reviewBody(form) })),
    onSuccess: async () => {
      setForm(EMPTY_REVIEW)
      await queryClient.invalidateQueries({ queryKey: keys.reviews(engagement.id) })
    },
  })
  const set = <K extends keyof ReviewForm>(key: K, value: ReviewForm[K]) => setForm((previous) => ({ ...previous, [key]: value }))
  const bias = reviews.data?.bias
  return (
    <section className="panel" aria-labelledby="estimates-review-heading">
      <h2 id="estimates-review-heading">Retrospective review of last year&apos;s estimates</h2>
      {reviews.isPending ? (
        <Loading label="Loading the review…" />
      ) : reviews.isError ? (
        <ErrorMessage error={reviews.error} title="The review could not be loaded" />
      ) : (
        <>
          {bias && (
            <div className={bias.indicated ? 'error' : 'notice'} role={bias.indicated ? 'alert' : 'status'}>
              {biasText(bias)}
              <div className="muted small">The indicator is {bias.rule}.</div>
            </div>
          )}
          {reviews.data.items.length === 0 ? (
            <Empty>No prior-year estimate is reviewed yet.</Empty>
          ) : (
            <table className="data-table" aria-label="Prior-year estimates against their outcomes">
              <thead>
                <tr>
                  <th scope="col">Estimate</th>
                  <th scope="col">Last year&apos;s estimate</th>
                  <th scope="col">Actual outcome</th>
                  <th scope="col">Difference</th>
                  <th scope="col">Direction</th>
                </tr>
              </thead>
              <tbody>
                {reviews.data.items.map((review) => (
                  <tr key={review.id}>
                    <th scope="row">
                      {review.name}
                      <div className="muted small">{kindLabel(review.kind)}</div>
                    </th>
                    <td className="num">{formatAmount(review.prior_estimate)}</td>
                    <td className="num">{formatAmount(review.actual_outcome)}</td>
                    <td className="num">{formatAmount(review.difference)}</td>
                    <td>{directionText(review)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {mayPrepare && (
        <form
          className="form"
          aria-label="Add a prior-year estimate"
          onSubmit={(event) => {
            event.preventDefault()
            const found = reviewProblems(form)
            setProblems(found)
            if (found.length === 0) create.mutate()
          }}
        >
          <h3>Add a prior-year estimate</h3>
          <FormProblems problems={problems} />
          <ErrorMessage error={create.error} title="The prior-year estimate was not added" />
          <div className="form-row">
            <label>
              Prior-year estimate
              <input value={form.name} onChange={(e) => set('name', e.target.value)} />
            </label>
            <label>
              Kind of estimate
              <KindSelect value={form.kind} onChange={(kind) => set('kind', kind)} />
            </label>
          </div>
          <div className="form-row">
            <label>
              Estimated
              <input inputMode="decimal" value={form.prior} onChange={(e) => set('prior', e.target.value)} />
            </label>
            <label>
              Actual outcome
              <input inputMode="decimal" value={form.actual} onChange={(e) => set('actual', e.target.value)} />
            </label>
          </div>
          <div>
            <button type="submit" disabled={create.isPending}>
              {create.isPending ? 'Adding…' : 'Add to the review'}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
