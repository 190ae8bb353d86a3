import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatAmount, formatDate } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import { FieldworkNav } from './FieldworkNav'
import {
  EMPTY_PARTY,
  FLAG_LABELS,
  RELATIONSHIPS,
  disclosureText,
  matchText,
  partyBody,
  partyProblems,
  relationshipLabel,
  scanText,
  totalsText,
  type Party,
  type PartyForm,
  type PartySearch,
  type PartyUpdate,
  type Transaction,
} from './relatedParties'

const keys = {
  all: (engagementId: string) => ['related-parties', engagementId] as const,
  transactions: (engagementId: string, partyId: string) => ['related-parties', engagementId, partyId, 'transactions'] as const,
}

/**
 * Related parties (AU-C 550 / AS 2410): the register, a search of the ledger for each party's
 * transactions (by name, forgiving spelling, or by an assigned account), the red flags of each one,
 * the reviewer's confirm or dismiss, and whether the statements disclose the party.
 */
export function RelatedParties() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const [adding, setAdding] = useState(false)
  const [selected, setSelected] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)

  const parties = useQuery({
    queryKey: keys.all(engagement.id),
    queryFn: async () => (await ok(api.GET('/api/engagements/{engagement_id}/related-parties', { params: { path } }))).items,
  })
  const changed = () => queryClient.invalidateQueries({ queryKey: keys.all(engagement.id) })
  const search = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/related-parties/search', { params: { path }, body: {} as PartySearch })),
    onSuccess: async (result) => {
      setOutcome(scanText(result))
      await changed()
    },
  })
  const disclose = useMutation({
    mutationFn: ({ party, field }: { party: Party; field: 'relationship_disclosed' | 'transactions_disclosed' }) =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/related-parties/{party_id}', {
          params: { path: { ...path, party_id: party.id } },
          // Only the box that changed is sent: the PATCH changes what it is given.
          body: { [field]: !party[field] } as Partial<PartyUpdate> as PartyUpdate,
        }),
      ),
    onSuccess: changed,
  })

  const list = parties.data ?? []
  const current = list.find((party) => party.id === selected) ?? null

  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Related parties">
        {mayPrepare && (
          <>
            <button type="button" onClick={() => setAdding((open) => !open)}>
              {adding ? 'Close the form' : 'Add a party'}
            </button>
            <button type="button" className="primary" disabled={search.isPending || list.length === 0} onClick={() => { setOutcome(null); search.mutate() }}>
              {search.isPending ? 'Searching the ledger…' : 'Search the ledger'}
            </button>
          </>
        )}
      </PageHeader>
      <ErrorMessage error={search.error} title="The ledger was not searched" />
      <ErrorMessage error={disclose.error} title="The disclosure was not changed" />
      {outcome && (
        <div className="notice" role="status">
          {outcome}
        </div>
      )}
      {adding && mayPrepare && (
        <AddParty
          engagementId={engagement.id}
          onAdded={async (party) => {
            setAdding(false)
            setOutcome(`${party.name} was added to the register. Search the ledger to find its transactions.`)
            await changed()
          }}
        />
      )}
      {parties.isPending ? (
        <Loading label="Loading the register…" />
      ) : parties.isError ? (
        <ErrorMessage error={parties.error} title="The register could not be loaded" />
      ) : list.length === 0 ? (
        <Empty>No related party is recorded yet.{mayPrepare ? ' Add the parties management and the records name, then search the ledger.' : ''}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-label="Related parties">
            <thead>
              <tr>
                <th scope="col">Party</th>
                <th scope="col">Relationship</th>
                <th scope="col">Ownership</th>
                <th scope="col">Transactions</th>
                <th scope="col">Pending</th>
                <th scope="col">Flagged</th>
                <th scope="col">Disclosure</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {list.map((party) => (
                <tr key={party.id} className={party.id === selected ? 'selected' : undefined}>
                  <th scope="row">
                    {party.name}
                    {party.aliases.length > 0 && <div className="muted small">also {party.aliases.join(', ')}</div>}
                    {party.accounts.length > 0 && <div className="muted small">accounts {party.accounts.join(', ')}</div>}
                  </th>
                  <td>{relationshipLabel(party.relationship)}</td>
                  <td>{party.ownership_percent ? `${party.ownership_percent}%` : ''}</td>
                  <td>{totalsText(party)}</td>
                  <td>{party.totals.pending}</td>
                  <td>{party.totals.flagged}</td>
                  <td>
                    <span className={party.undisclosed ? 'badge badge-open' : 'badge badge-cleared'}>{disclosureText(party)}</span>
                    {mayPrepare && (
                      <div className="small">
                        <label>
                          <input
                            type="checkbox"
                            checked={party.relationship_disclosed}
                            disabled={disclose.isPending}
                            onChange={() => disclose.mutate({ party, field: 'relationship_disclosed' })}
                          />{' '}
                          Relationship disclosed
                        </label>{' '}
                        <label>
                          <input
                            type="checkbox"
                            checked={party.transactions_disclosed}
                            disabled={disclose.isPending}
                            onChange={() => disclose.mutate({ party, field: 'transactions_disclosed' })}
                          />{' '}
                          Transactions disclosed
                        </label>
                      </div>
                    )}
                  </td>
                  <td>
                    <button type="button" aria-label={`Transactions of ${party.name}`} onClick={() => setSelected(party.id === selected ? null : party.id)}>
                      {party.id === selected ? 'Hide' : 'Transactions'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {current && <PartyTransactions party={current} onChanged={changed} />}
      {engagement.locked && <div className="muted small">The engagement is finalized: the register can no longer change.</div>}
    </div>
  )
}

function AddParty({ engagementId, onAdded }: { engagementId: string; onAdded: (party: Party) => Promise<void> }) {
  const [form, setForm] = useState<PartyForm>(EMPTY_PARTY)
  const [problems, setProblems] = useState<string[]>([])
  const create = useMutation({
    mutationFn: () =>
      ok(api.POST('/api/engagements/{engagement_id}/related-parties', { params: { path: { engagement_id: engagementId } }, body: partyBody(form) })),
    onSuccess: onAdded,
  })
  const set = <K extends keyof PartyForm>(key: K, value: PartyForm[K]) => setForm((previous) => ({ ...previous, [key]: value }))
  return (
    <form
      className="panel form"
      aria-label="Add a related party"
      onSubmit={(event) => {
        event.preventDefault()
        const found = partyProblems(form)
        setProblems(found)
        if (found.length === 0) create.mutate()
      }}
    >
      <FormProblems problems={problems} />
      <ErrorMessage error={create.error} title="The party was not added" />
      <label>
        Name
        <input value={form.name} onChange={(e) => set('name', e.target.value)} />
      </label>
      <label>
        Other names in the ledger (comma separated)
        <input value={form.aliases} onChange={(e) => set('aliases', e.target.value)} />
      </label>
      <div className="form-row">
        <label>
          Relationship
          <select value={form.relationship} onChange={(e) => set('relationship', e.target.value as PartyForm['relationship'])}>
            <option value="">Choose…</option>
            {RELATIONSHIPS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Ownership %
          <input inputMode="decimal" value={form.ownership} onChange={(e) => set('ownership', e.target.value)} />
        </label>
      </div>
      <label>
        Identified how
        <input value={form.identifiedHow} onChange={(e) => set('identifiedHow', e.target.value)} placeholder="Inquiry, board minutes, shareholder register…" />
      </label>
      <label>
        Accounts of the party (comma separated)
        <input value={form.accounts} onChange={(e) => set('accounts', e.target.value)} />
      </label>
      <label>
        <input type="checkbox" checked={form.relationshipDisclosed} onChange={(e) => set('relationshipDisclosed', e.target.checked)} /> The relationship is disclosed
      </label>
      <label>
        <input type="checkbox" checked={form.transactionsDisclosed} onChange={(e) => set('transactionsDisclosed', e.target.checked)} /> Its transactions are disclosed
      </label>
      <div>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add the party'}
        </button>
      </div>
    </form>
  )
}

function PartyTransactions({ party, onChanged }: { party: Party; onChanged: () => Promise<void> }) {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id, party_id: party.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const mayReview = can('workpaper.review') && !engagement.locked
  const key = keys.transactions(engagement.id, party.id)
  const rows = useQuery({
    queryKey: key,
    queryFn: async () =>
      (await ok(api.GET('/api/engagements/{engagement_id}/related-parties/{party_id}/transactions', { params: { path, query: { page_size: 500 } } }))).items,
  })
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: key })
    await onChanged()
  }
  const decide = useMutation({
    mutationFn: ({ row, decision }: { row: Transaction; decision: 'confirmed' | 'dismissed' }) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/related-parties/{party_id}/transactions/{transaction_id}/decision', {
          params: { path: { ...path, transaction_id: row.id } },
          body: { decision },
        }),
      ),
    onSuccess: refresh,
  })
  const note = useMutation({
    mutationFn: ({ row, text }: { row: Transaction; text: string }) =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/related-parties/{party_id}/transactions/{transaction_id}', {
          params: { path: { ...path, transaction_id: row.id } },
          body: { business_purpose: text },
        }),
      ),
    onSuccess: refresh,
  })
  return (
    <section className="panel" aria-labelledby="rp-transactions-heading">
      <h2 id="rp-transactions-heading">Transactions of {party.name}</h2>
      <ErrorMessage error={decide.error} title="The decision was not recorded" />
      <ErrorMessage error={note.error} title="The business purpose was not saved" />
      {rows.isPending ? (
        <Loading label="Loading the transactions…" />
      ) : rows.isError ? (
        <ErrorMessage error={rows.error} title="The transactions could not be loaded" />
      ) : rows.data.length === 0 ? (
        <Empty>No transaction was found for this party. Search the ledger after adding its names and accounts.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-label={`Transactions of ${party.name}`}>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Journal</th>
                <th scope="col">Account</th>
                <th scope="col">Description</th>
                <th scope="col">Amount</th>
                <th scope="col">Found by</th>
                <th scope="col">Red flags</th>
                <th scope="col">Business purpose</th>
                <th scope="col">Decision</th>
              </tr>
            </thead>
            <tbody>
              {rows.data.map((row) => (
                <tr key={row.id}>
                  <td>{formatDate(row.effective_date)}</td>
                  <th scope="row">
                    {row.journal_id} / {row.line_number}
                  </th>
                  <td>{row.account_number}</td>
                  <td>{row.description}</td>
                  <td className="num">{formatAmount(row.amount)}</td>
                  <td>{matchText(row)}</td>
                  <td>
                    {row.flags.length === 0 ? (
                      <span className="muted">None</span>
                    ) : (
                      <ul aria-label={`Red flags of ${row.journal_id} line ${row.line_number}`}>
                        {row.flags.map((flag) => (
                          <li key={flag}>{FLAG_LABELS[flag]}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {mayPrepare ? (
                      <PurposeField row={row} busy={note.isPending} onSave={(text) => note.mutate({ row, text })} />
                    ) : (
                      row.business_purpose ?? <span className="muted">Not noted</span>
                    )}
                  </td>
                  <td>
                    <StatusBadge status={row.status} />
                    {mayReview && (
                      <div>
                        {row.status !== 'confirmed' && (
                          <button type="button" disabled={decide.isPending} aria-label={`Confirm ${row.journal_id} line ${row.line_number}`} onClick={() => decide.mutate({ row, decision: 'confirmed' })}>
                            Confirm
                          </button>
                        )}{' '}
                        {row.status !== 'dismissed' && (
                          <button type="button" disabled={decide.isPending} aria-label={`Dismiss ${row.journal_id} line ${row.line_number}`} onClick={() => decide.mutate({ row, decision: 'dismissed' })}>
                            Dismiss
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {!mayReview && !engagement.locked && <div className="muted small">A senior, manager or partner confirms or dismisses what the search found.</div>}
    </section>
  )
}

function PurposeField({ row, busy, onSave }: { row: Transaction; busy: boolean; onSave: (text: string) => void }) {
  const [text, setText] = useState(row.business_purpose ?? '')
  const label = `Business purpose of ${row.journal_id} line ${row.line_number}`
  return (
    <form
      aria-label={label}
      onSubmit={(event) => {
        event.preventDefault()
        onSave(text)
      }}
    >
      <input aria-label={label} value={text} onChange={(e) => setText(e.target.value)} />{' '}
      <button type="submit" disabled={busy || text.trim() === (row.business_purpose ?? '')}>
        Save
      </button>
    </form>
  )
}
