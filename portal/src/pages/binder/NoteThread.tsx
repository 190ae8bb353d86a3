import { NoteRoutingFields } from './NoteFields'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { submitOnCtrlEnter } from '../../ui/keys'
import { keys, noteNodeLabel, partial, useTeam, type NoteStatus, type ReviewNoteRead } from './common'

type NoteUpdate = components['schemas']['ReviewNoteUpdate']

export const TRANSITION_LABEL: Record<NoteStatus, string> = { addressed: 'Mark addressed', cleared: 'Clear', open: 'Reopen' }
/** Reopening a cleared note needs a reason of at least this many characters (review_notes.MIN_REOPEN_REASON). */
export const MIN_REOPEN_REASON = 10

/** One note: its text, its thread, a reply, the allowed moves and (for its author or a reviewer) editing. */
export function NoteThread({
  engagementId,
  noteId,
  can,
  locked,
  onClose,
}: {
  engagementId: string
  noteId: string
  can: (permission: string) => boolean
  locked: boolean
  onClose: () => void
}) {
  const queryClient = useQueryClient()
  const { me } = useAuth()
  const myId = me?.user.id
  const { nameOf, members } = useTeam(engagementId)
  const [reply, setReply] = useState('')
  const [comment, setComment] = useState('')
  const [editing, setEditing] = useState(false)
  const [outcome, setOutcome] = useState<string | null>(null)
  const query = useQuery({
    queryKey: keys.note(engagementId, noteId),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/review-notes/{note_id}', {
          params: { path: { engagement_id: engagementId, note_id: noteId } },
        }),
      ),
  })
  const path = { engagement_id: engagementId, note_id: noteId }
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
  const send = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/review-notes/{note_id}/replies', { params: { path }, body: { body: reply.trim() } })),
    onMutate: () => setOutcome(null),
    onSuccess: async () => {
      setReply('')
      setOutcome('Reply sent.')
      await refresh()
    },
  })
  const move = useMutation({
    mutationFn: (to: NoteStatus) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/review-notes/{note_id}/transitions', {
          params: { path },
          body: { to, comment: comment.trim() || null },
        }),
      ),
    onMutate: () => setOutcome(null),
    onSuccess: async (note) => {
      queryClient.setQueryData(keys.note(engagementId, noteId), note)
      setComment('')
      setOutcome(`The note is ${note.status}.`)
      await refresh()
    },
  })

  if (query.isPending) return <Loading label="Loading the note…" />
  if (query.isError) return <ErrorMessage error={query.error} title="This review note cannot be shown" />
  const note = query.data
  // The API says which moves the caller may make (the assignee addresses, the raiser clears): no copy of its rules here.
  const moves = locked ? [] : (note.my_transitions ?? [])
  const cleared = note.status === 'cleared'
  const reopenNeedsReason = cleared && moves.includes('open')
  const mayEdit = !locked && !cleared && (note.author_id === myId || can('review_note.write'))

  return (
    <section className="panel" aria-labelledby="bn-note-heading">
      <div className="bn-section-head">
        <h2 id="bn-note-heading">Review note on {noteNodeLabel(note)}</h2>
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="bn-row small">
        <StatusBadge status={note.status} />
        {note.blocking ? <span className="badge badge-open">blocking</span> : <span className="badge">not blocking</span>}
        <Link to={`/engagements/${engagementId}/binder/${note.node_id}`}>Open in the binder</Link>
      </div>
      <dl className="facts small">
        <dt>Raised by</dt>
        <dd>
          {nameOf(note.author_id)}, {formatDateTime(note.created_at)}
        </dd>
        <dt>Assigned to</dt>
        <dd>{note.assignee_id ? nameOf(note.assignee_id) : <span className="muted">nobody</span>}</dd>
        {note.addressed_at && (
          <>
            <dt>Addressed</dt>
            <dd>
              {formatDateTime(note.addressed_at)} by {nameOf(note.addressed_by)}
            </dd>
          </>
        )}
        {note.cleared_at && (
          <>
            <dt>Cleared</dt>
            <dd>
              {formatDateTime(note.cleared_at)} by {nameOf(note.cleared_by)}
            </dd>
          </>
        )}
      </dl>

      {editing ? (
        <EditNote
          engagementId={engagementId}
          note={note}
          members={members}
          onDone={(saved) => {
            setEditing(false)
            if (saved) setOutcome('The note is updated.')
          }}
        />
      ) : (
        <div className="bn-body panel">{note.body}</div>
      )}
      {mayEdit && !editing && (
        <button type="button" onClick={() => setEditing(true)}>
          Edit note
        </button>
      )}

      <h3>Thread</h3>
      {note.replies.length === 0 ? (
        <p className="muted">No replies yet.</p>
      ) : (
        <ol className="bn-thread" aria-label="Replies">
          {note.replies.map((r) => (
            <li key={r.id}>
              <div className="bn-meta">
                {nameOf(r.author_id)} · {formatDateTime(r.created_at)}
              </div>
              <div className="bn-body">{r.body}</div>
            </li>
          ))}
        </ol>
      )}

      {locked ? (
        <p className="muted small">The engagement is finalized: the note can no longer change.</p>
      ) : cleared ? (
        <p className="muted small">A cleared note takes no replies; it must be reopened first.</p>
      ) : (
        <form
          className="form"
          onSubmit={(event) => {
            event.preventDefault()
            if (reply.trim()) send.mutate()
          }}
        >
          <label>
            Reply
            <textarea
              value={reply}
              onChange={(e) => setReply(e.target.value)}
              maxLength={10000}
              rows={3}
              onKeyDown={submitOnCtrlEnter}
            />
          </label>
          <div className="bn-actions">
            <button type="submit" className="primary" disabled={send.isPending || !reply.trim()}>
              {send.isPending ? 'Sending…' : 'Send reply'}
            </button>
            <span className="muted small">Ctrl+Enter sends.</span>
          </div>
        </form>
      )}
      <ErrorMessage error={send.error} title="The reply was not sent" />

      {moves.length > 0 && (
        <div className="bn-section">
          <label>
            {reopenNeedsReason ? `Reason for reopening (at least ${MIN_REOPEN_REASON} characters)` : 'Comment with the change (optional)'}
            <input value={comment} onChange={(e) => setComment(e.target.value)} maxLength={10000} />
          </label>
          <div className="bn-actions">
            {moves.map((to) => (
              <button
                key={to}
                type="button"
                disabled={move.isPending || (reopenNeedsReason && to === 'open' && comment.trim().length < MIN_REOPEN_REASON)}
                onClick={() => move.mutate(to)}
              >
                {TRANSITION_LABEL[to]}
              </button>
            ))}
          </div>
        </div>
      )}
      {!locked && moves.length === 0 && <p className="muted small">Your role does not allow moving this note on from {note.status}.</p>}
      <ErrorMessage error={move.error} title="The note was not moved" />
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
    </section>
  )
}

/** Reword, reassign or change whether the note blocks finalization (PATCH sends only what changed). */
function EditNote({
  engagementId,
  note,
  members,
  onDone,
}: {
  engagementId: string
  note: ReviewNoteRead
  members: components['schemas']['MemberRead'][]
  onDone: (saved: boolean) => void
}) {
  const queryClient = useQueryClient()
  const [body, setBody] = useState(note.body)
  const [blocking, setBlocking] = useState(note.blocking)
  const [assigneeId, setAssigneeId] = useState(note.assignee_id ?? '')
  const save = useMutation({
    mutationFn: () => {
      const changes: Partial<NoteUpdate> = {}
      if (body.trim() !== note.body) changes.body = body.trim()
      if (blocking !== note.blocking) changes.blocking = blocking
      if ((assigneeId || null) !== note.assignee_id) changes.assignee_id = assigneeId || null
      return ok(
        api.PATCH('/api/engagements/{engagement_id}/review-notes/{note_id}', {
          params: { path: { engagement_id: engagementId, note_id: note.id } },
          body: partial<NoteUpdate>(changes),
        }),
      )
    },
    onSuccess: async (saved) => {
      queryClient.setQueryData(keys.note(engagementId, note.id), saved)
      await queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
      onDone(true)
    },
  })
  return (
    <form
      className="form panel"
      onSubmit={(event) => {
        event.preventDefault()
        save.mutate()
      }}
    >
      <label>
        Note text
        <textarea value={body} onChange={(e) => setBody(e.target.value)} required maxLength={10000} rows={4} />
      </label>
      <NoteRoutingFields
        blocking={blocking}
        onBlocking={setBlocking}
        assigneeId={assigneeId}
        onAssignee={setAssigneeId}
        members={members}
        nobody="Nobody"
        current={note.assignee_id}
      />
      <ErrorMessage error={save.error} title="The note was not changed" />
      <DialogActions
        label="Save changes"
        busyLabel="Saving…"
        busy={save.isPending}
        disabled={!body.trim()}
        onCancel={() => onDone(false)}
        className="bn-actions"
      />
    </form>
  )
}
