import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader } from '../../ui/States'
import { formatAmount, formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { FieldworkNav } from './FieldworkNav'
import {
  EMPTY_FORM,
  SOURCES,
  TYPE_LABELS,
  createBody,
  eventProblems,
  formFromLine,
  outcomeText,
  reviewedThroughText,
  type EventForm,
  type EventUpdate,
  type LedgerLine,
  type SubsequentEvent,
} from './subsequentEvents'

const keys = {
  all: (engagementId: string) => ['subsequent-events', engagementId] as const,
  register: (engagementId: string) => ['subsequent-events', engagementId, 'register'] as const,
  ledger: (engagementId: string, threshold: string) => ['subsequent-events', engagementId, 'ledger', threshold] as const,
}

interface LineLink {
  dataset_id: string
  row_number: number
}

/** Subsequent events (AU-C 560 / AS 2801): the register, the review-through date, and the next period's ledger. */
export function SubsequentEvents() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const mayReview = can('workpaper.review') && !engagement.locked
  const [form, setForm] = useState<EventForm | null>(null)
  const [linkTo, setLinkTo] = useState<LineLink | null>(null)

  const register = useQuery({
    queryKey: keys.register(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/subsequent-events', { params: { path } })),
  })
  const changed = () => queryClient.invalidateQueries({ queryKey: keys.all(engagement.id) })
  const review = useMutation({
    mutationFn: (event: SubsequentEvent) =>
      ok(api.POST('/api/engagements/{engagement_id}/subsequent-events/{event_id}/review', { params: { path: { ...path, event_id: event.id } } })),
    onSuccess: changed,
  })
  const resolve = useMutation({
    mutationFn: (event: SubsequentEvent) =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/subsequent-events/{event_id}', {
          params: { path: { ...path, event_id: event.id } },
          body: { status: 'resolved' } as EventUpdate,
        }),
      ),
    onSuccess: changed,
  })

  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Subsequent events">
        {mayPrepare && !form && (
          <button type="button" className="primary" onClick={() => setForm(EMPTY_FORM)}>
            Add an event
          </button>
        )}
      </PageHeader>
      <p className="small">
        Events after the balance-sheet date ({engagement.period_end}): a Type I event (conditions that existed at that date) is adjusted, a Type II
        event (conditions that arose after it) is disclosed.
      </p>
      {form && (
        <EventFormPanel
          initial={form}
          linkTo={linkTo}
          onDone={async () => {
            setForm(null)
            setLinkTo(null)
            await changed()
          }}
        />
      )}
      {register.isPending ? (
        <Loading label="Loading the register…" />
      ) : register.isError ? (
        <ErrorMessage error={register.error} title="The register could not be loaded" />
      ) : (
        <>
          <ReviewThroughPanel text={reviewedThroughText(register.data)} mayPrepare={mayPrepare} />
          <ErrorMessage error={review.error ?? resolve.error} title="The event was not changed" />
          {register.data.events.length === 0 ? (
            <Empty>No subsequent event is recorded.</Empty>
          ) : (
            <table aria-label="Subsequent events">
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Event</th>
                  <th scope="col">Type</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Source</th>
                  <th scope="col">Led to</th>
                  <th scope="col">Status</th>
                  <th scope="col">Review</th>
                </tr>
              </thead>
              <tbody>
                {register.data.events.map((event) => (
                  <tr key={event.id}>
                    <td>{event.event_date}</td>
                    <th scope="row">{event.description}</th>
                    <td>{TYPE_LABELS[event.event_type]}</td>
                    <td>{event.amount === null ? '—' : formatAmount(event.amount)}</td>
                    <td>{SOURCES.find(([code]) => code === event.source)?.[1] ?? event.source}</td>
                    <td>{outcomeText(event)}</td>
                    <td>
                      {event.status}
                      {mayPrepare && event.status === 'open' && (
                        <button type="button" disabled={resolve.isPending} onClick={() => resolve.mutate(event)}>
                          Mark resolved
                        </button>
                      )}
                    </td>
                    <td>
                      {event.reviewed_at ? (
                        `Reviewed ${formatDateTime(event.reviewed_at)}`
                      ) : mayReview ? (
                        <button type="button" disabled={review.isPending} onClick={() => review.mutate(event)}>
                          Mark reviewed
                        </button>
                      ) : (
                        'Not reviewed'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      <LedgerReviewPanel
        mayPrepare={mayPrepare}
        onCreateEvent={(line, datasetId) => {
          setForm(formFromLine(line))
          setLinkTo({ dataset_id: datasetId, row_number: line.row_number })
        }}
      />
    </div>
  )
}

function EventFormPanel({ initial, linkTo, onDone }: { initial: EventForm; linkTo: LineLink | null; onDone: () => Promise<void> }) {
  const { engagement } = useEngagement()
  const path = { engagement_id: engagement.id }
  const [form, setForm] = useState<EventForm>(initial)
  const [problems, setProblems] = useState<string[]>([])
  const set = (field: keyof EventForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [field]: e.target.value }))
  const save = useMutation({
    mutationFn: async () => {
      const created = await ok(api.POST('/api/engagements/{engagement_id}/subsequent-events', { params: { path }, body: createBody(form) }))
      if (linkTo) {
        await ok(
          api.PUT('/api/engagements/{engagement_id}/subsequent-events/ledger/{row_number}', {
            params: { path: { ...path, row_number: String(linkTo.row_number) } },
            body: { dataset_id: linkTo.dataset_id, decision: 'event', event_id: created.id, note: null },
          }),
        )
      }
      return created
    },
    onSuccess: onDone,
  })
  return (
    <form
      className="panel"
      aria-label="New subsequent event"
      onSubmit={(e) => {
        e.preventDefault()
        const found = eventProblems(form, engagement.period_end)
        setProblems(found)
        if (found.length === 0) save.mutate()
      }}
    >
      <label>
        Date <input type="date" value={form.event_date} onChange={set('event_date')} />
      </label>
      <label>
        Description <textarea value={form.description} onChange={set('description')} />
      </label>
      <label>
        Type{' '}
        <select value={form.event_type} onChange={set('event_type')}>
          {Object.entries(TYPE_LABELS).map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Amount <input value={form.amount} onChange={set('amount')} inputMode="decimal" />
      </label>
      <label>
        Source{' '}
        <select value={form.source} onChange={set('source')}>
          {SOURCES.map(([code, label]) => (
            <option key={code} value={code}>
              {label}
            </option>
          ))}
        </select>
      </label>
      {form.event_type === 'recognized' ? (
        <fieldset>
          <legend>Proposed adjusting entry (optional)</legend>
          <label>
            Debit account <input value={form.debit_account} onChange={set('debit_account')} />
          </label>
          <label>
            Credit account <input value={form.credit_account} onChange={set('credit_account')} />
          </label>
          <label>
            Entry amount <input value={form.entry_amount} onChange={set('entry_amount')} inputMode="decimal" />
          </label>
        </fieldset>
      ) : (
        <label>
          Disclosure <textarea value={form.disclosure} onChange={set('disclosure')} />
        </label>
      )}
      <FormProblems problems={problems} />
      <ErrorMessage error={save.error} title="The event was not saved" />
      <button type="submit" className="primary" disabled={save.isPending}>
        {save.isPending ? 'Saving…' : 'Save the event'}
      </button>
      <button type="button" onClick={() => void onDone()}>
        Cancel
      </button>
    </form>
  )
}

function ReviewThroughPanel({ text, mayPrepare }: { text: string; mayPrepare: boolean }) {
  const { engagement } = useEngagement()
  const queryClient = useQueryClient()
  const [date, setDate] = useState('')
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/subsequent-events/review-through', {
          params: { path: { engagement_id: engagement.id } },
          body: { reviewed_through: date, note: null },
        }),
      ),
    onSuccess: async () => {
      setDate('')
      await queryClient.invalidateQueries({ queryKey: keys.all(engagement.id) })
    },
  })
  return (
    <div className="notice" role="status" aria-label="Review done through">
      <span>{text}</span>
      {mayPrepare && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault()
            if (date) save.mutate()
          }}
        >
          <label>
            Reviewed through <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
          </label>
          <button type="submit" disabled={!date || save.isPending}>
            Record
          </button>
        </form>
      )}
      <ErrorMessage error={save.error} title="The date was not recorded" />
    </div>
  )
}

function LedgerReviewPanel({ mayPrepare, onCreateEvent }: { mayPrepare: boolean; onCreateEvent: (line: LedgerLine, datasetId: string) => void }) {
  const { engagement } = useEngagement()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const [threshold, setThreshold] = useState('')
  const [applied, setApplied] = useState('')
  const ledger = useQuery({
    queryKey: keys.ledger(engagement.id, applied),
    queryFn: () =>
      ok(api.GET('/api/engagements/{engagement_id}/subsequent-events/ledger', { params: { path, query: applied ? { threshold: applied } : {} } })),
    retry: false,
  })
  const decide = useMutation({
    mutationFn: ({ line, datasetId }: { line: LedgerLine; datasetId: string }) =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/subsequent-events/ledger/{row_number}', {
          params: { path: { ...path, row_number: String(line.row_number) } },
          body: { dataset_id: datasetId, decision: 'no_event', event_id: null, note: null },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.all(engagement.id) }),
  })
  return (
    <section className="panel" aria-labelledby="ledger-review-heading">
      <h2 id="ledger-review-heading">Next period's ledger</h2>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          setApplied(threshold.trim())
        }}
      >
        <label>
          Threshold <input value={threshold} onChange={(e) => setThreshold(e.target.value)} placeholder="clearly trivial" inputMode="decimal" />
        </label>
        <button type="submit">Show</button>
      </form>
      {ledger.isPending ? (
        <Loading label="Loading the ledger entries…" />
      ) : ledger.error instanceof ApiError && ledger.error.code === 'no_general_ledger' ? (
        <Empty>No general ledger is loaded yet. Load one that covers the next period to review its entries here.</Empty>
      ) : ledger.isError ? (
        <ErrorMessage error={ledger.error} title="The next period's entries could not be listed" />
      ) : !ledger.data.covers_through ? (
        <Empty>The loaded ledger has no entries after the period end. Load a ledger that covers the next period to review it.</Empty>
      ) : (
        <>
          <p className="small">
            Entries after {ledger.data.period_end} through {ledger.data.covers_through} at or above {formatAmount(ledger.data.threshold)} (
            {ledger.data.threshold_source === 'clearly_trivial' ? 'clearly trivial' : 'the threshold given'}): {ledger.data.total}
            {ledger.data.truncated ? `, the first ${ledger.data.lines.length} shown` : ''}.
          </p>
          <ErrorMessage error={decide.error} title="The decision was not saved" />
          <table aria-label="Next period's entries">
            <thead>
              <tr>
                <th scope="col">Posted</th>
                <th scope="col">Journal</th>
                <th scope="col">Account</th>
                <th scope="col">Amount</th>
                <th scope="col">Description</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {ledger.data.lines.map((line) => (
                <tr key={line.row_number}>
                  <td>{line.effective_date}</td>
                  <th scope="row">
                    {line.journal_id}/{line.line_number}
                  </th>
                  <td>
                    {line.account_number} {line.account_name ?? ''}
                  </td>
                  <td>{formatAmount(line.amount)}</td>
                  <td>{line.description ?? ''}</td>
                  <td>
                    {line.decision === 'no_event' ? 'No event' : line.decision === 'event' ? 'Event recorded' : 'Not decided'}
                    {mayPrepare && line.decision === null && (
                      <>
                        <button type="button" disabled={decide.isPending} onClick={() => decide.mutate({ line, datasetId: ledger.data.dataset_id })}>
                          No event
                        </button>
                        <button type="button" onClick={() => onCreateEvent(line, ledger.data.dataset_id)}>
                          Create event
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
