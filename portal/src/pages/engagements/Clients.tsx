import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { Dialog, DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import './engagements.css'
import type { Client } from './useClients'
import { ENTITY_TYPES, ENTITY_TYPE_LABELS, label, type EntityType } from './vocab'

const PAGE_SIZE = 50
type ClientUpdate = components['schemas']['ClientUpdate']

/** The firm's clients: find, add, change. */
export function Clients() {
  const { can } = useAuth()
  const mayManage = can('client.manage')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(1)
  const [editing, setEditing] = useState<Client | 'new' | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const q = search.trim()

  const query = useQuery({
    queryKey: ['clients', { q, page }],
    queryFn: () => ok(api.GET('/api/clients', { params: { query: { q: q || undefined, page, page_size: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
  })

  const columns: Column<Client>[] = [
    { key: 'name', header: 'Client', render: (c) => c.name, sortValue: (c) => c.name },
    { key: 'legal', header: 'Legal name', render: (c) => c.legal_name ?? '', sortValue: (c) => c.legal_name },
    { key: 'industry', header: 'Industry (NAICS)', render: (c) => c.industry ?? '', sortValue: (c) => c.industry },
    { key: 'entity', header: 'Entity type', render: (c) => label(ENTITY_TYPE_LABELS, c.entity_type), sortValue: (c) => c.entity_type },
    { key: 'fye', header: 'Fiscal year end', render: (c) => c.fiscal_year_end, sortValue: (c) => c.fiscal_year_end },
    { key: 'contacts', header: 'Contacts', render: (c) => c.contacts.length || '', align: 'right', sortValue: (c) => c.contacts.length },
  ]

  return (
    <div>
      <PageHeader title="Clients">
        {mayManage && (
          <button type="button" className="primary" onClick={() => { setSaved(null); setEditing('new') }}>
            Add client
          </button>
        )}
      </PageHeader>
      <form className="toolbar" role="search" aria-label="Find clients" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={search}
            placeholder="Part of the name"
            onChange={(e) => {
              setSearch(e.target.value)
              setPage(1)
            }}
          />
        </label>
      </form>
      {saved && (
        <div className="success" role="status">
          {saved}
        </div>
      )}
      {query.isPending ? (
        <Loading label="Loading clients…" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The clients could not be loaded" />
      ) : (
        <>
          <DataTable
            rows={query.data.items}
            columns={columns}
            rowKey={(c) => c.id}
            onOpen={mayManage ? (c) => { setSaved(null); setEditing(c) } : undefined}
            empty={q ? `No client’s name contains “${q}”.` : 'The firm has no clients yet.'}
          />
          <Pager page={page} pageSize={PAGE_SIZE} total={query.data.total} onChange={setPage} />
          {mayManage && query.data.items.length > 0 && <div className="muted small">Enter or click on a client to change its details.</div>}
        </>
      )}
      {editing && (
        <ClientDialog
          client={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={(client, created) => {
            setEditing(null)
            setSaved(created ? `Added ${client.name}.` : `Saved ${client.name}.`)
          }}
        />
      )}
    </div>
  )
}

function ClientDialog({ client, onClose, onSaved }: { client: Client | null; onClose: () => void; onSaved: (client: Client, created: boolean) => void }) {
  const queryClient = useQueryClient()
  const [name, setName] = useState(client?.name ?? '')
  const [legalName, setLegalName] = useState(client?.legal_name ?? '')
  const [industry, setIndustry] = useState(client?.industry ?? '')
  const [entityType, setEntityType] = useState<EntityType>(client?.entity_type ?? 'non_issuer')
  const [fiscalYearEnd, setFiscalYearEnd] = useState(client?.fiscal_year_end ?? '12-31')

  const save = useMutation({
    mutationFn: async () => {
      const fields = {
        name: name.trim(),
        legal_name: legalName.trim() || null,
        industry: industry.trim() || null,
        entity_type: entityType,
        fiscal_year_end: fiscalYearEnd.trim(),
      }
      if (!client) return ok(api.POST('/api/clients', { body: { ...fields, contacts: [] } }))
      // Only what changed is sent.
      const changes: Partial<ClientUpdate> = {}
      for (const key of Object.keys(fields) as (keyof typeof fields)[]) {
        if (fields[key] !== (client[key] ?? null)) Object.assign(changes, { [key]: fields[key] })
      }
      // The generated type marks every defaulted field as required; the API takes any subset (PATCH).
      return ok(api.PATCH('/api/clients/{client_id}', { params: { path: { client_id: client.id } }, body: changes as ClientUpdate }))
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['clients'] })
      onSaved(saved, !client)
    },
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    save.mutate()
  }

  return (
    <Dialog title={client ? `Edit ${client.name}` : 'Add client'} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label>
          Client name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label>
          Legal name
          <input value={legalName} onChange={(e) => setLegalName(e.target.value)} maxLength={300} />
        </label>
        <div className="form-row">
          <div>
            <label>
              Industry
              <input
                value={industry}
                onChange={(e) => setIndustry(e.target.value)}
                pattern="\d{2,6}"
                inputMode="numeric"
                aria-describedby="client-industry-hint"
              />
            </label>
            <span id="client-industry-hint" className="hint">
              NAICS code, 2 to 6 digits (e.g. 541211)
            </span>
          </div>
          <div>
            <label>
              Fiscal year end
              <input
                value={fiscalYearEnd}
                onChange={(e) => setFiscalYearEnd(e.target.value)}
                pattern="\d{2}-\d{2}"
                required
                aria-describedby="client-fye-hint"
              />
            </label>
            <span id="client-fye-hint" className="hint">
              Month and day as MM-DD (e.g. 12-31, 06-30)
            </span>
          </div>
        </div>
        <label>
          Entity type
          <select value={entityType} onChange={(e) => setEntityType(e.target.value as EntityType)}>
            <CodeOptions codes={ENTITY_TYPES} label={(t) => ENTITY_TYPE_LABELS[t]} />
          </select>
        </label>
        <ErrorMessage error={save.error} title="The client was not saved" />
        <DialogActions label="Save client" busyLabel="Saving…" busy={save.isPending} onCancel={onClose} />
      </form>
    </Dialog>
  )
}
