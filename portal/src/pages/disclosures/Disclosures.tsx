import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  ANSWER_LABELS,
  FRAMEWORK_LABELS,
  checkerProblems,
  describeReference,
  segments,
  topicProgress,
  topicsOn,
  type AnswerSet,
  type Checklist,
  type Citation,
  type Item,
  type Note,
  type TopicCode,
} from './disclosures'
import './disclosures.css'

export const disclosureKeys = {
  all: (engagementId: string) => ['disclosures', engagementId] as const,
  checklist: (engagementId: string) => ['disclosures', engagementId, 'checklist'] as const,
  notes: (engagementId: string) => ['disclosures', engagementId, 'notes'] as const,
}

/** Disclosures: the checklist of the engagement's framework (why each item is on, its answer) and the drafted notes. */
export function Disclosures() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const mayReview = can('workpaper.review') && !engagement.locked

  const checklist = useQuery({
    queryKey: disclosureKeys.checklist(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/disclosures/checklist', { params: { path } })),
  })
  const notes = useQuery({
    queryKey: disclosureKeys.notes(engagement.id),
    queryFn: async () => (await ok(api.GET('/api/engagements/{engagement_id}/disclosures/notes', { params: { path } }))).items,
  })
  const changed = () => queryClient.invalidateQueries({ queryKey: disclosureKeys.all(engagement.id) })
  const settings = useMutation({
    mutationFn: (change: { framework?: Checklist['framework']; notes_in_report?: boolean }) =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/disclosures/checklist', {
          params: { path },
          body: { framework: change.framework ?? null, notes_in_report: change.notes_in_report ?? null },
        }),
      ),
    onSuccess: (result) => queryClient.setQueryData(disclosureKeys.checklist(engagement.id), result),
  })
  const draft = useMutation({
    mutationFn: (topic: TopicCode) => ok(api.POST('/api/engagements/{engagement_id}/disclosures/notes', { params: { path }, body: { topic } })),
    onSuccess: changed,
  })

  if (checklist.isPending) return <Loading label="Loading the disclosure checklist…" />
  if (checklist.isError) return <ErrorMessage error={checklist.error} title="The disclosure checklist could not be loaded" />
  const data = checklist.data
  const drafted = new Map((notes.data ?? []).map((n) => [n.topic, n]))

  return (
    <div className="disclosures-page">
      <PageHeader title="Disclosures" />
      <section className="panel" aria-labelledby="disclosure-settings-heading">
        <h2 id="disclosure-settings-heading">Checklist</h2>
        <div className="form-row">
          <label>
            Framework
            <select
              value={data.framework}
              disabled={!mayReview || settings.isPending}
              onChange={(e) => settings.mutate({ framework: e.target.value as Checklist['framework'] })}
            >
              {Object.entries(FRAMEWORK_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <span className="muted small">{data.framework_chosen ? 'Chosen for this engagement.' : "From the client's entity type."}</span>
          <label className="inline">
            <input
              type="checkbox"
              checked={data.notes_in_report}
              disabled={!mayReview || settings.isPending}
              onChange={(e) => settings.mutate({ notes_in_report: e.target.checked })}
            />
            Print the approved notes in the auditor&apos;s report
          </label>
        </div>
        <ErrorMessage error={settings.error} title="The checklist settings were not changed" />
        {!data.trial_balance && <p className="muted">No trial balance is loaded yet: only the registers turn items on.</p>}
        {data.topics.map((topic) => (
          <section key={topic.topic} className="disclosure-topic" aria-labelledby={`topic-${topic.topic}`}>
            <h3 id={`topic-${topic.topic}`}>
              {topic.title} <StatusBadge status={topic.on ? 'on' : 'off'} />
              <span className="muted small"> {topicProgress(topic)}</span>
            </h3>
            <table className="disclosure-items" aria-label={`${topic.title} checklist`}>
              <thead>
                <tr>
                  <th scope="col">Requirement</th>
                  <th scope="col">Why it is on</th>
                  <th scope="col">Answer</th>
                </tr>
              </thead>
              <tbody>
                {topic.items.map((it) => (
                  <ItemRow key={it.code} item={it} engagementId={engagement.id} mayAnswer={mayPrepare} onSaved={changed} />
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </section>

      <section className="panel" aria-labelledby="disclosure-notes-heading">
        <h2 id="disclosure-notes-heading">Notes</h2>
        <p className="muted small">
          Every amount in a note is a reference to the engagement&apos;s data, resolved when it is shown; a note with a figure
          or citation no source gives cannot be saved or approved.
        </p>
        {mayPrepare && (
          <div className="disclosure-draft-buttons">
            {topicsOn(data).map((t) => (
              <button key={t.topic} type="button" disabled={draft.isPending} onClick={() => draft.mutate(t.topic as TopicCode)}>
                {drafted.has(t.topic) ? `Draft ${t.title} again` : `Draft ${t.title}`}
              </button>
            ))}
          </div>
        )}
        <ErrorMessage error={draft.error} title="The note was not drafted" />
        {notes.isPending ? (
          <Loading label="Loading the notes…" />
        ) : notes.isError ? (
          <ErrorMessage error={notes.error} title="The notes could not be loaded" />
        ) : notes.data.length === 0 ? (
          <div className="muted">No note is drafted yet.</div>
        ) : (
          notes.data.map((n) => (
            <NoteCard key={n.id} note={n} engagementId={engagement.id} mayEdit={mayPrepare} mayApprove={mayReview} onChanged={changed} />
          ))
        )}
      </section>
    </div>
  )
}

function ItemRow({ item, engagementId, mayAnswer, onSaved }: { item: Item; engagementId: string; mayAnswer: boolean; onSaved: () => unknown }) {
  const [answer, setAnswer] = useState<AnswerSet['answer']>(item.answer?.answer ?? 'yes')
  const [reason, setReason] = useState(item.answer?.reason ?? '')
  const [evidence, setEvidence] = useState((item.answer?.evidence ?? []).map((e) => e.id).join(', '))
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/disclosures/checklist/items/{item_code}', {
          params: { path: { engagement_id: engagementId, item_code: item.code } },
          body: {
            answer,
            reason,
            evidence: evidence
              .split(/[\s,]+/)
              .filter(Boolean)
              .map((id) => ({ kind: 'node' as const, id })),
          },
        }),
      ),
    onSuccess: onSaved,
  })
  return (
    <tr className={item.on ? 'disclosure-on' : 'disclosure-off'}>
      <th scope="row">
        {item.requirement}
        <span className="disclosure-citation">{item.citation}</span>
      </th>
      <td>
        {item.reasons.length ? (
          <ul className="disclosure-reasons">
            {item.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        ) : (
          <span className="muted">Not turned on by the engagement&apos;s data</span>
        )}
      </td>
      <td>
        {item.answer && (
          <div className="small">
            <strong>{ANSWER_LABELS[item.answer.answer]}</strong>
            {item.answer.reason && <> — {item.answer.reason}</>}
            <div className="muted">
              {item.answer.answered_by_name || 'Someone'} at {formatDateTime(item.answer.answered_at)}
              {item.answer.evidence.length > 0 && `; evidence: ${item.answer.evidence.map((e) => `${e.kind} ${e.id}`).join(', ')}`}
            </div>
          </div>
        )}
        {mayAnswer && (
          <form
            aria-label={`Answer ${item.code}`}
            onSubmit={(e) => {
              e.preventDefault()
              save.mutate()
            }}
          >
            <select aria-label="Answer" value={answer} onChange={(e) => setAnswer(e.target.value as AnswerSet['answer'])}>
              {Object.entries(ANSWER_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
            <input aria-label="Reason" placeholder={answer === 'not_applicable' ? 'Why it does not apply (required)' : 'Reason (optional)'} value={reason} onChange={(e) => setReason(e.target.value)} />
            <input aria-label="Evidence (workpaper ids)" placeholder="Workpaper ids" value={evidence} onChange={(e) => setEvidence(e.target.value)} />
            <button type="submit" disabled={save.isPending}>
              Save
            </button>
            <ErrorMessage error={save.error} title="The answer was not saved" />
          </form>
        )}
      </td>
    </tr>
  )
}

function NoteCard({
  note,
  engagementId,
  mayEdit,
  mayApprove,
  onChanged,
}: {
  note: Note
  engagementId: string
  mayEdit: boolean
  mayApprove: boolean
  onChanged: () => unknown
}) {
  const [editing, setEditing] = useState(false)
  const [body, setBody] = useState(note.body)
  const [shown, setShown] = useState<string | null>(null)
  const path = { engagement_id: engagementId, note_id: note.id }
  const save = useMutation({
    mutationFn: () => ok(api.PUT('/api/engagements/{engagement_id}/disclosures/notes/{note_id}', { params: { path }, body: { body, title: null } })),
    onSuccess: async () => {
      setEditing(false)
      await onChanged()
    },
  })
  const approve = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/disclosures/notes/{note_id}/approve', { params: { path } })),
    onSuccess: onChanged,
  })
  const refusal = save.error ?? approve.error
  const problems = refusal instanceof ApiError ? checkerProblems(refusal.problem as Record<string, unknown>) : []
  const cited: Citation | undefined = note.citations.find((c) => c.key === shown)
  return (
    <article className="disclosure-note" aria-labelledby={`note-${note.id}`}>
      <h3 id={`note-${note.id}`}>
        {note.title} <StatusBadge status={note.status} />
        <span className="muted small"> drafted with {note.drafted_with}</span>
      </h3>
      {editing ? (
        <form
          aria-label={`Edit ${note.title}`}
          onSubmit={(e) => {
            e.preventDefault()
            save.mutate()
          }}
        >
          <textarea aria-label="Note text" rows={8} value={body} onChange={(e) => setBody(e.target.value)} />
          <div className="muted small">Write amounts as references, e.g. {'{{tb:21700}}'}; cite as [[source:asc-842#disclosure-maturity]].</div>
          <button type="submit" className="primary" disabled={save.isPending}>
            Save the note
          </button>
          <button type="button" onClick={() => { setEditing(false); setBody(note.body) }}>
            Cancel
          </button>
        </form>
      ) : (
        <p className="disclosure-body">
          {segments(note).map((s, index) =>
            s.kind === 'text' ? (
              <span key={index}>{s.text}</span>
            ) : s.kind === 'reference' ? (
              <mark key={index} className={s.value === null ? 'disclosure-unresolved' : 'disclosure-ref'} title={`${describeReference(s.key)} ({{${s.key}}})`} tabIndex={0} aria-label={`${s.value ?? 'unresolved'}: ${describeReference(s.key)}`}>
                {s.value ?? `{{${s.key}}}`}
              </mark>
            ) : (
              <button key={index} type="button" className="disclosure-cite" aria-pressed={shown === s.key} onClick={() => setShown(shown === s.key ? null : s.key)}>
                [{s.citation ? s.citation.document : s.key}]
              </button>
            ),
          )}
        </p>
      )}
      {cited && (
        <aside className="disclosure-source" aria-label="Cited text">
          <strong>{cited.document}</strong> <span className="muted small">{cited.locator}</span>
          <blockquote>{cited.text}</blockquote>
        </aside>
      )}
      {note.problems.length > 0 && (
        <ul className="error" aria-label="What the checker finds now">
          {note.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {note.status === 'approved' && note.approved_at && <div className="muted small">Approved at {formatDateTime(note.approved_at)}.</div>}
      {note.changed_since_approval && (
        <div className="stale-warning" role="status">
          The engagement&apos;s figures changed after this note was approved: the report prints the approved text until the note is approved again.
        </div>
      )}
      {problems.length > 0 ? (
        <div className="error" role="alert">
          <strong>The checker refused the note</strong>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorMessage error={refusal} title="The note was not changed" />
      )}
      <div className="disclosure-actions">
        {mayEdit && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        {mayApprove && (note.status === 'draft' || note.changed_since_approval) && !editing && (
          <button type="button" className="primary" disabled={approve.isPending} onClick={() => approve.mutate()}>
            {note.status === 'draft' ? 'Approve' : 'Approve with today’s figures'}
          </button>
        )}
      </div>
    </article>
  )
}
