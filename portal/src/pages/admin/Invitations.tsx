import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import '../engagements/engagements.css'
import { useClients } from '../engagements/useClients'
import { USER_ROLE_LABELS, label, type UserRole } from '../engagements/vocab'
import { RolesPicker, rolesBody, rolesProblem } from './RolesPicker'

type Invitation = components['schemas']['InvitationRead']
const PAGE_SIZE = 50

/** Where an invitation stands: accepted, withdrawn, expired or still open. */
export function invitationStatus(invitation: Invitation, now = new Date()): 'accepted' | 'revoked' | 'expired' | 'pending' {
  if (invitation.accepted_at) return 'accepted'
  if (invitation.revoked_at) return 'revoked'
  if (new Date(invitation.expires_at) <= now) return 'expired'
  return 'pending'
}

const STATUS_WORDS = { accepted: 'Accepted', revoked: 'Withdrawn', expired: 'Expired', pending: 'Pending' } as const
const STATUS_BADGE = { accepted: 'completed', revoked: 'rejected', expired: 'failed', pending: 'pending' } as const

/** Invite people by e-mail (a one-time link, valid 7 days), see what became of it, withdraw it. */
export function Invitations() {
  const { can } = useAuth()
  const queryClient = useQueryClient()
  const clients = useClients()
  const [page, setPage] = useState(1)
  const [email, setEmail] = useState('')
  const [roles, setRoles] = useState<UserRole[]>([])
  const [clientId, setClientId] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const [sent, setSent] = useState<Invitation | null>(null)
  const [withdrawn, setWithdrawn] = useState<string | null>(null)

  const query = useQuery({
    queryKey: ['invitations', { page }],
    queryFn: () => ok(api.GET('/api/invitations', { params: { query: { page, page_size: PAGE_SIZE } } })),
    placeholderData: keepPreviousData,
    enabled: can('users.manage'),
  })

  const invite = useMutation({
    mutationFn: () => ok(api.POST('/api/invitations', { body: { email: email.trim(), ...rolesBody(roles, clientId) } })),
    onSuccess: (invitation) => {
      setSent(invitation)
      setEmail('')
      setRoles([])
      setClientId('')
      void queryClient.invalidateQueries({ queryKey: ['invitations'] })
    },
  })
  const withdraw = useMutation({
    mutationFn: (invitation: Invitation) => ok(api.DELETE('/api/invitations/{invitation_id}', { params: { path: { invitation_id: invitation.id } } })),
    onSuccess: (_, invitation) => {
      setWithdrawn(`The invitation to ${invitation.email} is withdrawn; its link no longer works.`)
      void queryClient.invalidateQueries({ queryKey: ['invitations'] })
    },
  })

  const submit = (event: FormEvent) => {
    event.preventDefault()
    setSent(null)
    invite.reset()
    const wrong = rolesProblem(roles, clientId)
    setProblem(wrong)
    if (!wrong) invite.mutate()
  }

  const clientName = (id: string | null) => (id ? (clients.byId.get(id)?.name ?? '') : '')
  const columns: Column<Invitation>[] = [
    { key: 'email', header: 'E-mail', render: (i) => i.email, sortValue: (i) => i.email },
    { key: 'roles', header: 'Roles', render: (i) => i.roles.map((r) => label(USER_ROLE_LABELS, r)).join(', ') },
    { key: 'client', header: 'Client', render: (i) => clientName(i.client_id), sortValue: (i) => clientName(i.client_id) },
    {
      key: 'status',
      header: 'Status',
      render: (i) => {
        const status = invitationStatus(i)
        return <span className={`badge badge-${STATUS_BADGE[status]}`}>{STATUS_WORDS[status]}</span>
      },
      sortValue: (i) => invitationStatus(i),
    },
    { key: 'sent', header: 'Sent', render: (i) => formatDateTime(i.created_at), sortValue: (i) => i.created_at },
    { key: 'expires', header: 'Expires', render: (i) => formatDateTime(i.expires_at), sortValue: (i) => i.expires_at },
    {
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      render: (i) =>
        invitationStatus(i) === 'pending' ? (
          <button
            type="button"
            aria-label={`Withdraw the invitation to ${i.email}`}
            disabled={withdraw.isPending}
            onClick={() => {
              setWithdrawn(null)
              withdraw.mutate(i)
            }}
          >
            Withdraw
          </button>
        ) : null,
    },
  ]

  if (!can('users.manage')) {
    return (
      <div>
        <PageHeader title="Invitations" />
        <div className="notice">Only a firm admin can invite people.</div>
      </div>
    )
  }

  return (
    <div>
      <PageHeader title="Invitations" />
      <section className="panel" aria-labelledby="invite-heading">
        <h2 id="invite-heading" style={{ marginTop: 0 }}>
          Invite
        </h2>
        <form className="form" onSubmit={submit} aria-labelledby="invite-heading">
          <label>
            E-mail
            <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="off" />
          </label>
          <RolesPicker idPrefix="invite" roles={roles} onRoles={setRoles} clientId={clientId} onClient={setClientId} clients={clients.clients} disabled={invite.isPending} />
          {problem && (
            <div className="error" role="alert">
              {problem}
            </div>
          )}
          <ErrorMessage error={invite.error} title="The invitation was not sent" />
          {sent && (
            <div className="success" role="status">
              Invitation sent to {sent.email} as {sent.roles.map((r) => label(USER_ROLE_LABELS, r)).join(', ')}
              {sent.client_id ? ` of ${clientName(sent.client_id)}` : ''}. The e-mail with the one-time link is on its way; the link works until{' '}
              {formatDateTime(sent.expires_at)}.
            </div>
          )}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={invite.isPending}>
              {invite.isPending ? 'Sending…' : 'Send invitation'}
            </button>
          </div>
        </form>
      </section>
      <h2>Sent invitations</h2>
      {withdrawn && (
        <div className="success" role="status">
          {withdrawn}
        </div>
      )}
      <ErrorMessage error={withdraw.error} title="The invitation was not withdrawn" />
      {query.isPending ? (
        <Loading label="Loading invitations…" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The invitations could not be loaded" />
      ) : (
        <>
          <DataTable rows={query.data.items} columns={columns} rowKey={(i) => i.id} empty="No invitations yet." />
          <Pager page={page} pageSize={PAGE_SIZE} total={query.data.total} onChange={setPage} />
        </>
      )}
    </div>
  )
}
