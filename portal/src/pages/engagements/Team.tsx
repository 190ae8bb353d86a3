import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatDate } from '../../ui/format'
import { mayOn, type Engagement } from './context'
import { MAX_PAGE_SIZE } from './useClients'
import { TEAM_ROLES, TEAM_ROLE_LABELS, isClientRole, type TeamRole } from './vocab'

type TeamRead = components['schemas']['TeamRead']
type Member = components['schemas']['MemberRead']

const nameOf = (m: { display_name: string; email: string }) => m.display_name || m.email

/** The engagement's team; its leads (and whoever may update the engagement) manage it. */
export function Team({ engagement, query }: { engagement: Engagement; query: UseQueryResult<TeamRead> }) {
  const { can } = useAuth()
  const queryClient = useQueryClient()
  const manage = !engagement.locked && mayOn(engagement)('engagement.update')
  const [person, setPerson] = useState('')
  const [role, setRole] = useState<TeamRole>('staff')
  const [confirming, setConfirming] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)
  const path = { engagement_id: engagement.id }

  const users = useQuery({
    queryKey: ['users', 'active-firm'],
    queryFn: () => ok(api.GET('/api/users', { params: { query: { active: true, page: 1, page_size: MAX_PAGE_SIZE } } })),
    enabled: manage && can('users.read'),
    staleTime: 30_000,
  })

  const changed = (message: string) => {
    setOutcome(message)
    void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id, 'team'] })
    void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id, 'activity'] })
  }

  const add = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/team', { params: { path }, body: { user_id: person, role } })),
    onSuccess: (member) => {
      setPerson('')
      changed(`${nameOf(member)} joined the team as ${TEAM_ROLE_LABELS[member.role].toLowerCase()}.`)
    },
  })
  const update = useMutation({
    mutationFn: ({ member, to }: { member: Member; to: TeamRole }) =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/team/{user_id}', {
          params: { path: { ...path, user_id: member.user_id } },
          body: { role: to },
        }),
      ),
    onSuccess: (member) => changed(`${nameOf(member)} is now ${TEAM_ROLE_LABELS[member.role].toLowerCase()}.`),
  })
  const remove = useMutation({
    mutationFn: (member: Member) =>
      ok(api.DELETE('/api/engagements/{engagement_id}/team/{user_id}', { params: { path: { ...path, user_id: member.user_id } } })),
    onSuccess: (_, member) => {
      setConfirming(null)
      changed(`${nameOf(member)} is off the team.`)
    },
  })
  const busy = add.isPending || update.isPending || remove.isPending
  const error = add.error ?? update.error ?? remove.error
  const start = () => {
    setOutcome(null)
    add.reset()
    update.reset()
    remove.reset()
  }

  const members = query.data?.members ?? []
  const onTeam = new Set(members.map((m) => m.user_id))
  const candidates = (users.data?.items ?? []).filter((u) => u.is_active && !u.roles.some(isClientRole) && !onTeam.has(u.id))

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!person) return
    start()
    add.mutate()
  }

  return (
    <section className="panel" aria-labelledby="team-heading">
      <h2 id="team-heading" style={{ marginTop: 0 }}>
        Team
      </h2>
      {query.isPending ? (
        <Loading label="Loading the team…" />
      ) : query.isError ? (
        <ErrorMessage error={query.error} title="The team could not be loaded" />
      ) : members.length === 0 ? (
        <div className="muted">Nobody is on the team.</div>
      ) : (
        <div className="table-wrap">
          <table className="data-table team-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Engagement role</th>
                <th scope="col">Added</th>
                {manage && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.user_id}>
                  <td>{nameOf(m)}</td>
                  <td>{m.email}</td>
                  <td>
                    {manage ? (
                      <select
                        aria-label={`Engagement role of ${nameOf(m)}`}
                        value={m.role}
                        disabled={busy}
                        onChange={(e) => {
                          start()
                          update.mutate({ member: m, to: e.target.value as TeamRole })
                        }}
                      >
                        <CodeOptions codes={TEAM_ROLES} label={(r) => TEAM_ROLE_LABELS[r]} />
                      </select>
                    ) : (
                      TEAM_ROLE_LABELS[m.role]
                    )}
                  </td>
                  <td>{formatDate(m.added_at)}</td>
                  {manage && (
                    <td>
                      {confirming === m.user_id ? (
                        <span className="inline-confirm">
                          <span>Take {nameOf(m)} off the team?</span>
                          <button
                            type="button"
                            className="danger"
                            disabled={busy}
                            onClick={() => {
                              start()
                              remove.mutate(m)
                            }}
                          >
                            Yes, remove
                          </button>
                          <button type="button" onClick={() => setConfirming(null)}>
                            Cancel
                          </button>
                        </span>
                      ) : (
                        <button type="button" aria-label={`Remove ${nameOf(m)}`} disabled={busy} onClick={() => setConfirming(m.user_id)}>
                          Remove
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {manage &&
        (can('users.read') ? (
          <form className="toolbar" onSubmit={submit} aria-label="Add to team">
            <label>
              Person
              <select value={person} onChange={(e) => setPerson(e.target.value)} disabled={users.isPending} required>
                <option value="">{users.isPending ? 'Loading people…' : candidates.length ? 'Choose a person…' : 'Everyone is on the team'}</option>
                {candidates.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.display_name ? `${u.display_name} (${u.email})` : u.email}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Engagement role
              <select value={role} onChange={(e) => setRole(e.target.value as TeamRole)}>
                <CodeOptions codes={TEAM_ROLES} label={(r) => TEAM_ROLE_LABELS[r]} />
              </select>
            </label>
            <button type="submit" disabled={busy || !person}>
              {add.isPending ? 'Adding…' : 'Add to team'}
            </button>
          </form>
        ) : (
          <div className="muted small">Your role cannot list the firm’s people, so you cannot add anyone here.</div>
        ))}
      <ErrorMessage error={users.error} title="The firm’s people could not be loaded" />
      <ErrorMessage error={error} title="The team was not changed" />
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
      {engagement.locked && <div className="muted small">The engagement is finalized: its team no longer changes.</div>}
    </section>
  )
}
