import { useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { useAction } from '../../ui/useAction'
import { mayOn, useEngagement, type Engagement } from './context'
import { DueDate } from './DueDate'

// A PATCH sends only what changes; the API leaves every field not sent as it is.
type EngagementUpdate = components['schemas']['EngagementUpdate']

/** The engagement's report due date with its wording, and (for those who may change the engagement) a way to set or clear it. */
export function DueDateFact({ engagement }: { engagement: Engagement }) {
  const { refresh } = useEngagement()
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState(false)
  const [value, setValue] = useState(engagement.due_date ?? '')
  const [problem, setProblem] = useState<string | null>(null)
  const { busy, error, run, clearError } = useAction()
  const mayChange = !engagement.locked && mayOn(engagement)('engagement.update')

  const save = (dueDate: string | null) => {
    clearError()
    setProblem(null)
    if (dueDate && dueDate < engagement.period_end) return setProblem('The report cannot be due before the period ends.')
    void run(async () => {
      const updated = await ok(
        api.PATCH('/api/engagements/{engagement_id}', { params: { path: { engagement_id: engagement.id } }, body: { due_date: dueDate } as EngagementUpdate }),
      )
      queryClient.setQueryData(['engagement', engagement.id], updated)
      void queryClient.invalidateQueries({ queryKey: ['engagements'] })
      void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id, 'activity'] })
      setEditing(false)
      refresh()
    })
  }
  const submit = (event: FormEvent) => {
    event.preventDefault()
    save(value || null)
  }

  if (!editing) {
    return (
      <>
        <DueDate dueDate={engagement.due_date} status={engagement.status} />
        {mayChange && (
          <>
            {' '}
            <button type="button" className="link" onClick={() => {
                setValue(engagement.due_date ?? '')
                setEditing(true)
              }}>
              {engagement.due_date ? 'Change' : 'Set'}
            </button>
          </>
        )}
      </>
    )
  }
  return (
    <form onSubmit={submit} aria-label="Report due date" className="inline-form">
      <label>
        Report due
        <input type="date" value={value} onChange={(e) => setValue(e.target.value)} />
      </label>{' '}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>{' '}
      {engagement.due_date && (
        <button type="button" disabled={busy} onClick={() => save(null)}>
          Clear
        </button>
      )}{' '}
      <button type="button" disabled={busy} onClick={() => {
          setEditing(false)
          setProblem(null)
          clearError()
        }}>
        Cancel
      </button>
      {problem && (
        <div className="error" role="alert">
          {problem}
        </div>
      )}
      <ErrorMessage error={error} title="The due date was not changed" />
    </form>
  )
}
