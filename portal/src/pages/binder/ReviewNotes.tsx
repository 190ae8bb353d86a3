import { useQuery } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { useParams, useSearchParams } from 'react-router'
import { api, ok } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { CodeOptions } from '../../ui/CodeOptions'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatDate } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { NewReviewNoteDialog } from './NewReviewNoteDialog'
import { excerpt } from './NodeSections'
import { NoteThread } from './NoteThread'
import { flatten, keys, LOCKED_NOTE, noteNodeLabel, useBinderTree, useEngagementCan, useTeam, type NoteStatus, type ReviewNoteRead } from './common'
import './binder.css'

const PAGE_SIZE = 100
const STATUSES: NoteStatus[] = ['open', 'addressed', 'cleared']

/** The engagement's review notes: filter by status, open one to read and answer its thread. */
export function ReviewNotes() {
  const { engagementId = '' } = useParams()
  const { engagement } = useEngagement()
  const { isClientUser } = useAuth()
  const can = useEngagementCan()
  const [params, setParams] = useSearchParams()
  const [creating, setCreating] = useState(false)
  const status = (STATUSES as string[]).includes(params.get('status') ?? '') ? (params.get('status') as NoteStatus) : undefined
  const page = Math.max(1, Number(params.get('page')) || 1)
  const selected = params.get('note')
  const { nameOf } = useTeam(engagementId)
  const tree = useBinderTree(engagementId, !isClientUser)
  const workpapers = useMemo(() => flatten(tree.data?.nodes ?? []).filter(({ node }) => node.kind === 'workpaper').map(({ node }) => node), [tree.data])
  const list = useQuery({
    queryKey: keys.notes(engagementId, { status, page: String(page) }),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/review-notes', {
          params: { path: { engagement_id: engagementId }, query: { status, page, page_size: PAGE_SIZE } },
        }),
      ),
    enabled: !isClientUser,
  })

  if (isClientUser) return <p className="notice">Review notes are the firm&apos;s working papers; client contacts do not see them.</p>

  const locked = engagement.locked
  const mayRaise = !locked && can('review_note.write')
  const change = (next: Record<string, string | null>) =>
    setParams(
      (current) => {
        const copy = new URLSearchParams(current)
        for (const [name, value] of Object.entries(next)) {
          if (value === null || value === '') copy.delete(name)
          else copy.set(name, value)
        }
        return copy
      },
      { replace: true },
    )

  const columns: Column<ReviewNoteRead>[] = [
    { key: 'item', header: 'Binder item', render: (n) => noteNodeLabel(n), sortValue: (n) => noteNodeLabel(n) },
    {
      key: 'text',
      header: 'Note',
      render: (n) => (
        <span className="bn-excerpt" title={n.body}>
          {excerpt(n.body, 60)}
        </span>
      ),
    },
    { key: 'author', header: 'Raised by', render: (n) => nameOf(n.author_id), sortValue: (n) => nameOf(n.author_id) },
    { key: 'assignee', header: 'Assigned to', render: (n) => (n.assignee_id ? nameOf(n.assignee_id) : ''), sortValue: (n) => (n.assignee_id ? nameOf(n.assignee_id) : '') },
    { key: 'status', header: 'Status', render: (n) => <StatusBadge status={n.status} />, sortValue: (n) => STATUSES.indexOf(n.status) },
    { key: 'blocking', header: 'Blocking', render: (n) => (n.blocking ? 'Blocking' : ''), sortValue: (n) => (n.blocking ? 0 : 1) },
    { key: 'raised', header: 'Raised', render: (n) => formatDate(n.created_at), sortValue: (n) => n.created_at },
  ]

  return (
    <div className="bn-page">
      {locked && <p className="notice">{LOCKED_NOTE}</p>}
      <div className="bn-section-head">
        <h2>Review notes</h2>
        {mayRaise && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New review note
          </button>
        )}
      </div>
      {!locked && !mayRaise && <p className="muted small">Your role on this engagement does not allow raising review notes; you may answer them.</p>}
      <div className="toolbar">
        <label>
          Status
          <select value={status ?? ''} onChange={(e) => change({ status: e.target.value, page: null })}>
            <option value="">All</option>
            <CodeOptions codes={STATUSES} label={(s) => s.charAt(0).toUpperCase() + s.slice(1)} />
          </select>
        </label>
      </div>
      <div className={`bn-notes-layout${selected ? '' : ' single'}`}>
        <div>
          {list.isPending ? (
            <Loading label="Loading review notes…" />
          ) : list.isError ? (
            <ErrorMessage error={list.error} title="The review notes cannot be listed" />
          ) : (
            <>
              <DataTable
                rows={list.data.items}
                columns={columns}
                rowKey={(n) => n.id}
                selectedKey={selected}
                onOpen={(n) => change({ note: n.id })}
                caption="Review notes, oldest first (Enter opens one)"
                empty={status ? `No ${status} review notes.` : 'No review notes on this engagement.'}
              />
              <Pager page={list.data.page} pageSize={list.data.page_size} total={list.data.total} onChange={(p) => change({ page: String(p) })} />
            </>
          )}
        </div>
        {selected && <NoteThread key={selected} engagementId={engagementId} noteId={selected} can={can} locked={locked} onClose={() => change({ note: null })} />}
      </div>
      {creating && (
        <NewReviewNoteDialog
          engagementId={engagementId}
          items={workpapers}
          onClose={() => setCreating(false)}
          onCreated={(note) => {
            setCreating(false)
            change({ note: note.id })
          }}
        />
      )}
    </div>
  )
}
