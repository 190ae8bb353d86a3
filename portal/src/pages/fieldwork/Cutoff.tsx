import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount, formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { areaRows, flagText, selectionBody, type CutoffRun, type SelectionMode } from './cutoff'
import { FieldworkNav } from './FieldworkNav'

const keys = {
  runs: (engagementId: string) => ['cutoff', engagementId, 'runs'] as const,
  run: (engagementId: string, runId: string) => ['cutoff', engagementId, 'run', runId] as const,
}

/** Cut-off tests: run one on the ledger, read the lines either side of the period end, make a selection a sample. */
export function Cutoff() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayRun = can('analytics.run') && !engagement.locked
  const [windowDays, setWindowDays] = useState('5')
  const [picked, setPicked] = useState<string | null>(null)

  const runs = useQuery({
    queryKey: keys.runs(engagement.id),
    queryFn: async () => (await ok(api.GET('/api/engagements/{engagement_id}/cutoff/runs', { params: { path } }))).items,
  })
  const runId = picked ?? runs.data?.[0]?.id ?? null
  const run = useQuery({
    queryKey: keys.run(engagement.id, runId ?? ''),
    enabled: runId !== null,
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/cutoff/runs/{run_id}', { params: { path: { ...path, run_id: runId ?? '' } } })),
  })
  const start = useMutation({
    mutationFn: () =>
      ok(api.POST('/api/engagements/{engagement_id}/cutoff/runs', { params: { path }, body: { window_days: Number(windowDays) } })),
    onSuccess: async (result) => {
      queryClient.setQueryData(keys.run(engagement.id, result.id), result)
      setPicked(result.id)
      await queryClient.invalidateQueries({ queryKey: keys.runs(engagement.id) })
    },
  })
  const windowValid = /^\d+$/.test(windowDays) && Number(windowDays) <= 60

  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Cut-off tests" />
      <p className="small">
        Revenue, receivables, inventory and payables lines posted within a number of days either side of the period end ({engagement.period_end}),
        flagged when the document is dated in the other period.
      </p>
      {mayRun && (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault()
            if (windowValid) start.mutate()
          }}
        >
          <label>
            Days either side of the period end{' '}
            <input type="number" min={0} max={60} value={windowDays} onChange={(e) => setWindowDays(e.target.value)} />
          </label>
          <button type="submit" className="primary" disabled={start.isPending || !windowValid}>
            {start.isPending ? 'Running…' : 'Run the cut-off test'}
          </button>
          {!windowValid && <FormProblems problems={['Days: a whole number from 0 to 60.']} />}
        </form>
      )}
      <ErrorMessage error={start.error} title="The cut-off test did not run" />
      {runs.isPending ? (
        <Loading label="Loading the cut-off runs…" />
      ) : runs.isError ? (
        <ErrorMessage error={runs.error} title="The cut-off runs could not be loaded" />
      ) : runs.data.length === 0 ? (
        <Empty>No cut-off test has been run on this engagement yet.</Empty>
      ) : (
        <>
          {runs.data.length > 1 && (
            <label>
              Run{' '}
              <select value={runId ?? ''} onChange={(e) => setPicked(e.target.value)}>
                {runs.data.map((r) => (
                  <option key={r.id} value={r.id}>
                    {formatDateTime(r.created_at)}: ±{r.window_days} days, {r.flagged_count} flagged of {r.line_count}
                  </option>
                ))}
              </select>
            </label>
          )}
          {run.isPending ? <Loading label="Loading the run…" /> : run.isError ? <ErrorMessage error={run.error} title="The run could not be loaded" /> : <RunView run={run.data} />}
        </>
      )}
    </div>
  )
}

function RunView({ run }: { run: CutoffRun }) {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const maySelect = can('workpaper.prepare') && !engagement.locked
  const [chosen, setChosen] = useState<number[]>([])
  const [n, setN] = useState('')
  const [seed, setSeed] = useState('')
  const [problems, setProblems] = useState<string[]>([])
  const select = useMutation({
    mutationFn: (mode: SelectionMode) => {
      const { body, problems: found } = selectionBody(mode, { chosen, n, seed, flagged: run.flagged_count, lines: run.line_count })
      setProblems(found)
      if (!body) return Promise.resolve(null)
      return ok(
        api.POST('/api/engagements/{engagement_id}/cutoff/runs/{run_id}/selection', {
          params: { path: { engagement_id: engagement.id, run_id: run.id } },
          body,
        }),
      )
    },
    onSuccess: async (result) => {
      if (result) {
        setChosen([])
        await queryClient.invalidateQueries({ queryKey: keys.run(engagement.id, run.id) })
      }
    },
  })
  const toggle = (position: number) =>
    setChosen((current) => (current.includes(position) ? current.filter((p) => p !== position) : [...current, position]))

  return (
    <section className="panel" aria-labelledby="cutoff-run-heading">
      <h2 id="cutoff-run-heading">
        Run of {formatDateTime(run.created_at)}: ledger version {run.dataset_version}, {run.parameters.first_date as string} to {run.parameters.last_date as string}
      </h2>
      <table aria-label="Counts by area">
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col">Before the period end</th>
            <th scope="col">After</th>
            <th scope="col">Flagged</th>
            <th scope="col">Flagged amount</th>
            <th scope="col">No document date</th>
          </tr>
        </thead>
        <tbody>
          {areaRows(run).map((row) => (
            <tr key={row.area}>
              <th scope="row">{row.label}</th>
              <td>{row.before}</td>
              <td>{row.after}</td>
              <td>{row.flagged}</td>
              <td>{formatAmount(row.flaggedAmount)}</td>
              <td>{row.noDocumentDate}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {run.lines.length === 0 ? (
        <Empty>No line of these areas was posted in the window.</Empty>
      ) : (
        <table aria-label="Lines in the window">
          <thead>
            <tr>
              {maySelect && <th scope="col">Select</th>}
              <th scope="col">Journal</th>
              <th scope="col">Account</th>
              <th scope="col">Area</th>
              <th scope="col">Posted</th>
              <th scope="col">Document</th>
              <th scope="col">Amount</th>
              <th scope="col">Cut-off</th>
            </tr>
          </thead>
          <tbody>
            {run.lines.map((line) => (
              <tr key={line.position} className={line.flagged ? 'flagged' : undefined}>
                {maySelect && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${line.journal_id} line ${line.line_number}`}
                      checked={chosen.includes(line.position)}
                      onChange={() => toggle(line.position)}
                    />
                  </td>
                )}
                <th scope="row">
                  {line.journal_id}/{line.line_number}
                </th>
                <td>
                  {line.account_number} {line.account_name ?? ''}
                </td>
                <td>{line.area}</td>
                <td>{line.effective_date}</td>
                <td>{line.document_date ?? '—'}</td>
                <td>{formatAmount(line.amount)}</td>
                <td>{flagText(line, run.period_end)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {maySelect && run.lines.length > 0 && (
        <div className="actions" aria-label="Make a sample">
          <button type="button" disabled={select.isPending} onClick={() => select.mutate('flagged')}>
            Sample all {run.flagged_count} flagged lines
          </button>
          <button type="button" disabled={select.isPending} onClick={() => select.mutate('chosen')}>
            Sample the {chosen.length} ticked lines
          </button>
          <label>
            How many <input type="number" min={1} max={run.line_count} value={n} onChange={(e) => setN(e.target.value)} />
          </label>
          <label>
            Seed <input type="number" min={0} value={seed} placeholder="new" onChange={(e) => setSeed(e.target.value)} />
          </label>
          <button type="button" disabled={select.isPending} onClick={() => select.mutate('random')}>
            Sample at random
          </button>
        </div>
      )}
      <FormProblems problems={problems} />
      <ErrorMessage error={select.error} title="The sample was not made" />
      {run.selections.length > 0 && (
        <>
          <h3>Samples made from this run</h3>
          <ul aria-label="Samples from this run">
            {run.selections.map((s) => (
              <li key={s.id}>
                <Link to={`../sampling/${s.sample_id}`} relative="path">
                  {String(s.how.mode)} selection of {(s.how.positions as number[] | undefined)?.length ?? 0} lines
                </Link>{' '}
                <span className="small">{formatDateTime(s.created_at)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  )
}
