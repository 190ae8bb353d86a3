import { useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { useAction } from '../../ui/useAction'
import './engagements.css'
import { useClients } from './useClients'
import { FRAMEWORKS, FRAMEWORK_LABELS, TYPES, TYPE_LABELS, type EngagementType, type Framework } from './vocab'

/** Open a draft engagement for a client (adding the client first if it is new). */
export function NewEngagement() {
  const { can } = useAuth()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const clients = useClients()
  const [clientId, setClientId] = useState('')
  const [newClient, setNewClient] = useState(false)
  const [clientName, setClientName] = useState('')
  const [name, setName] = useState('')
  const [type, setType] = useState<EngagementType>('audit')
  const [periodStart, setPeriodStart] = useState('')
  const [periodEnd, setPeriodEnd] = useState('')
  const [framework, setFramework] = useState<Framework>('us_gaap')
  const [dueDate, setDueDate] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const { busy, error, run, clearError } = useAction()
  const mayAddClient = can('client.manage')

  if (!can('engagement.create')) {
    return (
      <div>
        <PageHeader title="New engagement" />
        <div className="notice">Your role does not allow opening engagements. A manager or partner can open one for you.</div>
      </div>
    )
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    clearError()
    setProblem(null)
    if (newClient ? !clientName.trim() : !clientId) return setProblem(newClient ? 'Enter the new client’s name.' : 'Choose the client.')
    if (!periodStart || !periodEnd) return setProblem('Enter the start and the end of the period.')
    if (periodEnd <= periodStart) return setProblem('The period must end after it starts.')
    if (dueDate && dueDate < periodEnd) return setProblem('The report cannot be due before the period ends.')
    void run(async () => {
      let client = clientId
      if (newClient) {
        const created = await ok(
          api.POST('/api/clients', {
            body: {
              name: clientName.trim(),
              legal_name: null,
              industry: null,
              entity_type: 'non_issuer',
              // The period's end is the client's year end (MM-DD); it can be changed on the client.
              fiscal_year_end: periodEnd.slice(5, 10),
              contacts: [],
            },
          }),
        )
        client = created.id
        // Should the engagement be refused, the client exists now: pick it rather than add it again.
        setClientId(created.id)
        setNewClient(false)
        setClientName('')
        void queryClient.invalidateQueries({ queryKey: ['clients'] })
      }
      const engagement = await ok(
        api.POST('/api/engagements', {
          body: {
            client_id: client,
            name: name.trim(),
            engagement_type: type,
            period_start: periodStart,
            period_end: periodEnd,
            framework,
            due_date: dueDate || null,
          },
        }),
      )
      void queryClient.invalidateQueries({ queryKey: ['engagements'] })
      navigate(`/engagements/${engagement.id}`)
    })
  }

  return (
    <div>
      <PageHeader title="New engagement" />
      <form className="form panel" onSubmit={submit} aria-label="New engagement">
        {clients.isPending ? (
          <Loading label="Loading clients…" />
        ) : newClient ? (
          <div className="form-row">
            <label>
              Client name
              <input value={clientName} onChange={(e) => setClientName(e.target.value)} maxLength={200} required autoFocus />
            </label>
            <div className="form-actions" style={{ flex: 0, alignSelf: 'flex-end' }}>
              <button type="button" onClick={() => setNewClient(false)}>
                Existing client
              </button>
            </div>
          </div>
        ) : (
          <div className="form-row">
            <label>
              Client
              <select value={clientId} onChange={(e) => setClientId(e.target.value)} required>
                <option value="">Choose a client…</option>
                {clients.clients.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            {mayAddClient && (
              <div className="form-actions" style={{ flex: 0, alignSelf: 'flex-end' }}>
                <button type="button" onClick={() => setNewClient(true)}>
                  New client
                </button>
              </div>
            )}
          </div>
        )}
        {!clients.isPending && !newClient && clients.clients.length === 0 && (
          <div className="muted small">{mayAddClient ? 'The firm has no clients yet: add one with “New client”.' : 'The firm has no clients yet.'}</div>
        )}
        <ErrorMessage error={clients.error} title="The clients could not be loaded" />
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={200} required placeholder="FY2026 financial statement audit" />
        </label>
        <div className="form-row">
          <label>
            Type
            <select value={type} onChange={(e) => setType(e.target.value as EngagementType)}>
              <CodeOptions codes={TYPES} label={(t) => TYPE_LABELS[t]} />
            </select>
          </label>
          <label>
            Framework
            <select value={framework} onChange={(e) => setFramework(e.target.value as Framework)}>
              <CodeOptions codes={FRAMEWORKS} label={(f) => FRAMEWORK_LABELS[f]} />
            </select>
          </label>
        </div>
        <div className="form-row">
          <label>
            Period start
            <input type="date" value={periodStart} onChange={(e) => setPeriodStart(e.target.value)} required />
          </label>
          <label>
            Period end
            <input type="date" value={periodEnd} onChange={(e) => setPeriodEnd(e.target.value)} required />
          </label>
          <label>
            Report due
            <input type="date" value={dueDate} onChange={(e) => setDueDate(e.target.value)} aria-describedby="due-date-hint" />
          </label>
        </div>
        <div id="due-date-hint" className="hint">
          Optional: the date the auditor’s report is due to the client (not before the period end).
        </div>
        {problem && (
          <div className="error" role="alert">
            {problem}
          </div>
        )}
        <ErrorMessage error={error} title="The engagement could not be created" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create engagement'}
          </button>
          <Link to="/engagements">Cancel</Link>
        </div>
      </form>
    </div>
  )
}
