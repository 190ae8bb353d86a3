import { useMutation, useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { saveFile } from '../../api/transfer'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatCount, formatPercent, humanize } from '../../ui/format'
import { ledgerLink, type LedgerFilters } from '../data/ledgerFilters'
import { useEngagement } from '../engagements/context'
import { BenfordChart } from './BenfordChart'
import './je.css'

type Request = components['schemas']['EngagementBenford']
type Result = components['schemas']['BenfordRead']
type Bin = components['schemas']['BenfordBin']

export const BENFORD_TESTS: { value: Request['test']; label: string; axis: string }[] = [
  { value: 'first_digit', label: 'First digit', axis: 'First digit' },
  { value: 'second_digit', label: 'Second digit', axis: 'Second digit' },
  { value: 'first_two', label: 'First two digits', axis: 'First two digits' },
  { value: 'last_two', label: 'Last two digits', axis: 'Last two digits' },
  { value: 'summation', label: 'Summation (first two digits, by amount)', axis: 'First two digits (share of the total amount)' },
]
const SOURCES: { value: Request['source']; label: string }[] = [
  { value: 'general_ledger', label: 'General ledger (line amounts)' },
  { value: 'trial_balance', label: 'Trial balance (closing balances)' },
]
const SIGNS: { value: Request['sign']; label: string }[] = [
  { value: 'positive', label: 'Positive amounts' },
  { value: 'negative', label: 'Negative amounts' },
  { value: 'all', label: 'All (absolute values)' },
]
const DEFAULTS: Request = { test: 'first_digit', source: 'general_ledger', sign: 'positive', min_amount: '10' }

export const CONFORMITY_TEXT: Record<NonNullable<Result['conformity']>, string> = {
  close: 'Close conformity',
  acceptable: 'Acceptable conformity',
  marginal: 'Marginally acceptable conformity',
  nonconformity: 'Nonconformity',
}

const AMOUNT = /^\d+(\.\d+)?$/

/**
 * The ledger lines behind a bin: a general ledger's first-digit or first-two-digits bin is the lines
 * whose absolute amount begins with its digits, of the sign and minimum amount analysed; null for the
 * other tests (and the trial balance), whose bins are not a set of lines the ledger can filter.
 */
export function binLines(request: Request, digits: string): LedgerFilters | null {
  if (request.source !== 'general_ledger' || (request.test !== 'first_digit' && request.test !== 'first_two')) return null
  const filters: LedgerFilters = { leading_digits: digits }
  if (request.sign !== 'all') filters.sign = request.sign
  if (Number(request.min_amount) > 0) filters.amount_min = String(request.min_amount)
  return filters
}

const binColumns = (request: Request, engagementId: string): Column<Bin>[] => [
  {
    key: 'digits',
    header: 'Digits',
    render: (b) => {
      const filters = binLines(request, b.digits)
      return filters ? (
        <Link to={ledgerLink(engagementId, filters)} aria-label={`Lines beginning with ${b.digits}`}>
          {b.digits}
        </Link>
      ) : (
        b.digits
      )
    },
    sortValue: (b) => Number(b.digits),
  },
  { key: 'count', header: 'Count', render: (b) => formatCount(b.observed_count), sortValue: (b) => b.observed_count, align: 'right' },
  { key: 'observed', header: 'Observed %', render: (b) => formatPercent(b.observed_share, 2), sortValue: (b) => b.observed_share, align: 'right' },
  { key: 'expected', header: 'Expected %', render: (b) => formatPercent(b.expected_share, 2), sortValue: (b) => b.expected_share, align: 'right' },
  { key: 'z', header: 'z', render: (b) => b.z.toFixed(2), sortValue: (b) => b.z, align: 'right' },
  {
    key: 'flagged',
    header: 'Flagged',
    render: (b) => (b.flagged ? <span className="badge je-badge-warn">Flagged</span> : <span className="muted">No</span>),
    sortValue: (b) => (b.flagged ? 1 : 0),
  },
]

/** Benford analysis of the engagement's general ledger or trial balance amounts. */
export function Benford() {
  const { engagement } = useEngagement()
  const [form, setForm] = useState<Request>(DEFAULTS)
  const [submitted, setSubmitted] = useState<Request>(DEFAULTS)
  const [formError, setFormError] = useState<string | null>(null)

  const analysis = useQuery({
    queryKey: ['benford', engagement.id, submitted],
    // The operation also answers image/png (?format=png), hence the narrowing to the JSON document.
    queryFn: async (): Promise<Result> =>
      (await ok(api.POST('/api/engagements/{engagement_id}/benford', { params: { path: { engagement_id: engagement.id } }, body: submitted }))) as Result,
    staleTime: 60_000,
  })

  const png = useMutation({
    mutationFn: async (request: Request) => {
      const blob = await ok(
        api.POST('/api/engagements/{engagement_id}/benford', {
          params: { path: { engagement_id: engagement.id }, query: { format: 'png' } },
          body: request,
          parseAs: 'blob',
        }),
      )
      const name = `benford-${request.source}-${request.test}.png`
      saveFile(blob as unknown as Blob, name)
      return name
    },
  })

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const min = String(form.min_amount).trim()
    if (!AMOUNT.test(min)) {
      setFormError('Minimum amount must be a number of 0 or more, such as 10 or 0.5.')
      return
    }
    setFormError(null)
    const next = { ...form, min_amount: min }
    if (JSON.stringify(next) === JSON.stringify(submitted)) void analysis.refetch()
    else setSubmitted(next)
  }

  const result = analysis.data
  const testInfo = BENFORD_TESTS.find((t) => t.value === (result?.test ?? submitted.test)) ?? BENFORD_TESTS[0]

  return (
    <section className="je-page" aria-labelledby="benford-title">
      <div className="page-header">
        <h2 id="benford-title">Benford analysis</h2>
      </div>
      <form className="toolbar panel" onSubmit={onSubmit} aria-label="Benford options">
        <Choice label="Test" value={form.test} options={BENFORD_TESTS} onChange={(test) => setForm({ ...form, test })} />
        <Choice label="Source" value={form.source} options={SOURCES} onChange={(source) => setForm({ ...form, source })} />
        <Choice label="Sign" value={form.sign} options={SIGNS} onChange={(sign) => setForm({ ...form, sign })} />
        <label>
          Minimum amount
          <input
            inputMode="decimal"
            value={String(form.min_amount)}
            onChange={(e) => setForm({ ...form, min_amount: e.target.value })}
            aria-invalid={formError ? true : undefined}
            aria-describedby={formError ? 'benford-form-error' : undefined}
            size={10}
          />
        </label>
        <button type="submit" className="primary" disabled={analysis.isFetching}>
          {analysis.isFetching ? 'Analysing…' : 'Analyse'}
        </button>
        <button type="button" disabled={!result || png.isPending} onClick={() => png.mutate(submitted)}>
          {png.isPending ? 'Preparing PNG…' : 'Download chart (PNG)'}
        </button>
      </form>
      {formError && (
        <div className="error" role="alert" id="benford-form-error">
          {formError}
        </div>
      )}
      <ErrorMessage error={png.error} title="The chart could not be downloaded" />
      {png.isSuccess && <div className="success">Downloaded {png.data}.</div>}

      {analysis.isPending && <Loading label="Analysing the amounts…" />}
      {analysis.isError && <ErrorMessage error={analysis.error} title="The analysis could not be made" />}
      {result && (
        <BenfordResult
          result={result}
          axis={testInfo.axis}
          source={SOURCES.find((s) => s.value === submitted.source)?.label ?? submitted.source}
          columns={binColumns(submitted, engagement.id)}
        />
      )}
    </section>
  )
}

function Choice<T extends string>({ label, value, options, onChange }: { label: string; value: T; options: readonly { value: T; label: string }[]; onChange: (value: T) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  )
}

function BenfordResult({ result, axis, source, columns }: { result: Result; axis: string; source: string; columns: Column<Bin>[] }) {
  const bins = result.bins.map((b) => ({ digits: b.digits, observed: b.observed_share, expected: b.expected_share, flagged: b.flagged }))
  const flagged = result.bins.filter((b) => b.flagged).length
  const ksExceeds = result.ks.d > result.ks.critical
  return (
    <div className="je-benford">
      <div className="je-benford-main">
        <div className="panel">
          <h3>
            {humanize(result.test)} · {source}
          </h3>
          <BenfordChart bins={bins} xTitle={axis} />
        </div>
      </div>
      <aside className="panel" aria-labelledby="benford-stats">
        <h3 id="benford-stats">Statistics</h3>
        <dl className="facts">
          <dt>Amounts (n)</dt>
          <dd>{formatCount(result.n)}</dd>
          <dt>MAD</dt>
          <dd>
            <span data-testid="benford-mad">{result.mad.toFixed(4)}</span>{' '}
            {result.conformity ? (
              <span className={`badge je-conformity-${result.conformity}`}>{CONFORMITY_TEXT[result.conformity]}</span>
            ) : (
              <span className="muted">no conformity ranges for this test</span>
            )}
          </dd>
          <dt>Chi-square</dt>
          <dd>
            {result.chi_square.toFixed(2)} <span className="muted">({result.degrees_of_freedom} degrees of freedom)</span>
          </dd>
          <dt>Kolmogorov–Smirnov</dt>
          <dd>
            D = {result.ks.d.toFixed(4)} <span className="muted">(critical {result.ks.critical.toFixed(4)} at 5%)</span>{' '}
            {ksExceeds ? <span className="badge je-badge-warn">exceeds</span> : <span className="muted">within</span>}
          </dd>
          <dt>Flagged bins</dt>
          <dd>
            {flagged} of {result.bins.length}
          </dd>
        </dl>
        {result.warnings.length > 0 && (
          <div className="notice" role="note">
            <ul className="je-plain">
              {result.warnings.map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
        )}
      </aside>
      <div className="je-benford-bins">
        <h3 id="benford-bins">Bins</h3>
        <DataTable
          rows={result.bins}
          columns={columns}
          rowKey={(b) => b.digits}
          caption="Digit bins: observed against expected"
          rowClassName={(b) => (b.flagged ? 'je-row-flagged' : undefined)}
        />
      </div>
    </div>
  )
}
