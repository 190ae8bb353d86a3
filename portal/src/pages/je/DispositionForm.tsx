import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import { CodeOptions } from '../../ui/CodeOptions'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { StatusBadge } from '../../ui/States'
import { formatDateTime, humanize } from '../../ui/format'
import { submitOnCtrlEnter } from '../../ui/keys'
import { DISPOSITIONS, NEEDS_NOTE, exceptionsKey, journalsKey, type Disposition, type JournalRisk } from './shared'

/** Dispositions that clear a journal: only a senior or above (workpaper.review on the engagement) may set them. */
const CLEARING: readonly Disposition[] = ['explained', 'false_positive']

/**
 * The auditor's conclusion on a flagged journal: status, note (required to conclude) and evidence links.
 * `canEdit` is workpaper.prepare on the engagement; `canClear` is workpaper.review, without which the API
 * refuses explained and false positive (403), so they are not offered.
 */
export function DispositionForm({
  engagementId,
  runId,
  journal,
  canEdit,
  canClear,
}: {
  engagementId: string
  runId: string
  journal: JournalRisk
  canEdit: boolean
  canClear: boolean
}) {
  const queryClient = useQueryClient()
  const current = journal.disposition
  const [status, setStatus] = useState<Disposition>(current?.status ?? 'open')
  const [note, setNote] = useState(current?.note ?? '')
  const [evidence, setEvidence] = useState<string[]>(current?.evidence_ids ?? [])
  const [problem, setProblem] = useState<string | null>(null)
  const noteRequired = NEEDS_NOTE.includes(status)
  const offered = canClear ? DISPOSITIONS : DISPOSITIONS.filter((code) => !CLEARING.includes(code))
  // A journal a senior already cleared still shows its status, which this user may keep reading but not set.
  const kept = !canClear && current && CLEARING.includes(current.status) ? current.status : null
  const mayNotSet = !canClear && CLEARING.includes(status)

  const files = useQuery({
    queryKey: ['je-evidence', engagementId],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/evidence', { params: { path: { engagement_id: engagementId }, query: { page: 1, page_size: 100 } } })),
    enabled: canEdit,
    staleTime: 30_000,
  })

  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/je-tests/{run_id}/journals/{journal_id}/disposition', {
          params: { path: { engagement_id: engagementId, run_id: runId, journal_id: journal.journal_id } },
          body: { status, note: note.trim() || null, evidence_ids: evidence },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: journalsKey(engagementId, runId) })
      void queryClient.invalidateQueries({ queryKey: exceptionsKey(engagementId) })
    },
  })

  const touched = () => {
    setProblem(null)
    if (save.isSuccess || save.isError) save.reset()
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    if (noteRequired && !note.trim()) {
      setProblem(`A note is required to conclude a journal as “${humanize(status)}”: say what was done and found.`)
      return
    }
    setProblem(null)
    save.mutate()
  }

  if (!canEdit) {
    return (
      <div aria-labelledby="je-disposition-title">
        <h3 id="je-disposition-title">Disposition</h3>
        <p>
          <StatusBadge status={current?.status ?? 'open'} />{' '}
          {current ? <span className="muted small">updated {formatDateTime(current.updated_at)}</span> : <span className="muted small">not dispositioned yet</span>}
        </p>
        {current?.note && <p>{current.note}</p>}
        {current && current.evidence_ids.length > 0 && <p className="muted small">{current.evidence_ids.length} evidence file(s) linked.</p>}
        <p className="muted small">You can read the triage; preparing it needs the workpaper preparer permission.</p>
      </div>
    )
  }

  const noteId = `je-note-${journal.journal_id}`
  return (
    <form className="form" onSubmit={onSubmit} aria-labelledby="je-disposition-title">
      <h3 id="je-disposition-title">Disposition</h3>
      {current && (
        <p className="muted small">
          Currently <StatusBadge status={current.status} />, updated {formatDateTime(current.updated_at)}
        </p>
      )}
      <label>
        Disposition
        <select
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as Disposition)
            touched()
          }}
        >
          <CodeOptions codes={offered} label={humanize} />
          {kept && (
            <option value={kept} disabled>
              {humanize(kept)}
            </option>
          )}
        </select>
      </label>
      {!canClear && (
        <p className="muted small">
          {mayNotSet ? `This journal is “${humanize(status)}”: choose another disposition to change it. ` : ''}
          Explained and false positive are set by a senior or above (the workpaper review permission on this engagement).
        </p>
      )}
      <div className="je-field">
        <label htmlFor={noteId}>Note{noteRequired ? ' (required)' : ' (optional)'}</label>
        <textarea
          id={noteId}
          value={note}
          maxLength={4000}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${noteId}-hint`}
          onChange={(e) => {
            setNote(e.target.value)
            touched()
          }}
          onKeyDown={submitOnCtrlEnter}
        />
        <span className="muted small" id={`${noteId}-hint`}>
          Explained, exception and false positive need a note. Ctrl+Enter saves.
        </span>
      </div>
      <fieldset className="je-evidence">
        <legend>Evidence</legend>
        {files.isPending && <span className="muted small">Loading evidence files…</span>}
        {files.isError && <ErrorMessage error={files.error} title="The evidence files could not be listed" />}
        {files.data && files.data.items.length === 0 && <span className="muted small">No evidence files in this engagement yet.</span>}
        {files.data?.items.map((file) => (
          <label key={file.id}>
            <input
              type="checkbox"
              checked={evidence.includes(file.id)}
              onChange={(e) => {
                setEvidence((ids) => (e.target.checked ? [...ids, file.id] : ids.filter((id) => id !== file.id)))
                touched()
              }}
            />
            {file.filename}
          </label>
        ))}
      </fieldset>
      {problem && (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={save.error} title="The disposition was not saved" />
      {save.isSuccess && (
        <div className="success" role="status">
          Saved
        </div>
      )}
      <div>
        <button type="submit" className="primary" disabled={save.isPending || mayNotSet}>
          {save.isPending ? 'Saving…' : 'Save disposition'}
        </button>
      </div>
    </form>
  )
}
