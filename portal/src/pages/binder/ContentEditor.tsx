import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { keys, STEPS, SIGNED_AS, type NodeDetail } from './common'

type Content = NodeDetail['content']
type Mode = 'text' | 'json'

/**
 * A workpaper's content is a JSON object. Plain prose is kept as {"text": "..."} and edited as text;
 * any other structure (figures a workpaper carries, for instance) is edited as JSON.
 */
export function contentToText(content: Content): { mode: Mode; text: string } {
  if (!content || Object.keys(content).length === 0) return { mode: 'text', text: '' }
  const names = Object.keys(content)
  if (names.length === 1 && names[0] === 'text' && typeof content.text === 'string') return { mode: 'text', text: content.text }
  return { mode: 'json', text: JSON.stringify(content, null, 2) }
}

export function textToContent(mode: Mode, text: string): Record<string, unknown> {
  if (mode === 'text') return { text }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new Error(`The content is not valid JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('The content must be a JSON object ({ … }).')
  return parsed as Record<string, unknown>
}

interface Base {
  version: number
  mode: Mode
  text: string
}

function baseOf(node: NodeDetail): Base {
  return { version: node.version, ...contentToText(node.content) }
}

/** What a save cleared, in words ("reviewed, approved"). */
function clearedBy(before: NodeDetail['signoffs'], after: NodeDetail['signoffs']): string[] {
  if (!before) return []
  return STEPS.map((step) => SIGNED_AS[step]).filter((name) => before[name] && !after?.[name])
}

/**
 * The content of a workpaper or note, saved as a new version against the version it was loaded at:
 * if someone saved in between, the API answers 409 version_conflict and the editor offers a reload,
 * keeping the unsaved text beside it to merge by hand.
 */
export function ContentEditor({
  engagementId,
  node,
  editable,
  whyReadOnly,
  reload,
}: {
  engagementId: string
  node: NodeDetail
  editable: boolean
  whyReadOnly?: string
  reload: () => Promise<NodeDetail | undefined>
}) {
  const queryClient = useQueryClient()
  const [base, setBase] = useState<Base>(() => baseOf(node))
  const [draft, setDraft] = useState(base.text)
  const [reason, setReason] = useState('')
  const [unsaved, setUnsaved] = useState<string | null>(null)
  const [invalid, setInvalid] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)
  const [reloading, setReloading] = useState(false)

  const save = useMutation({
    mutationFn: (content: Record<string, unknown>) =>
      ok(
        api.PUT('/api/engagements/{engagement_id}/binder/nodes/{node_id}/content', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
          body: { content, version: base.version, reason: reason.trim() || null },
        }),
      ),
    onSuccess: async (saved) => {
      const cleared = clearedBy(node.signoffs, saved.signoffs)
      queryClient.setQueryData(keys.node(engagementId, node.id), saved)
      const next = baseOf(saved)
      setBase(next)
      setDraft(next.text)
      setReason('')
      setUnsaved(null)
      setOutcome(`Saved as version ${saved.version}.${cleared.length ? ` Sign-offs cleared by the change: ${cleared.join(', ')}.` : ''}`)
      await queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
    },
  })
  const conflict = save.error instanceof ApiError && save.error.status === 409 && save.error.code === 'version_conflict'

  // Someone else saved a new version (the open item is polled): show it, unless there is unsaved text,
  // which stays until its save meets the 409 and the reload keeps it beside the new version.
  useEffect(() => {
    if (node.version === base.version || draft !== base.text || save.isPending) return
    const next = baseOf(node)
    setBase(next)
    setDraft(next.text)
  }, [node, base, draft, save.isPending])

  const submit = () => {
    setOutcome(null)
    setInvalid(null)
    let content: Record<string, unknown>
    try {
      content = textToContent(base.mode, draft)
    } catch (err) {
      setInvalid(err instanceof Error ? err.message : String(err))
      return
    }
    save.mutate(content)
  }

  const doReload = async () => {
    setReloading(true)
    try {
      const fresh = await reload()
      if (!fresh) return
      if (draft !== base.text) setUnsaved(draft)
      const next = baseOf(fresh)
      setBase(next)
      setDraft(next.text)
      save.reset()
      setOutcome(`Reloaded version ${fresh.version}.`)
    } finally {
      setReloading(false)
    }
  }

  const dirty = draft !== base.text
  return (
    <section className="bn-section">
      <form
        className="bn-content-form"
        onSubmit={(event) => {
          event.preventDefault()
          submit()
        }}
      >
        <label>
          Content
          <textarea
            className={base.mode === 'json' ? 'bn-code' : undefined}
            value={draft}
            readOnly={!editable}
            rows={12}
            onChange={(e) => {
              setDraft(e.target.value)
              setOutcome(null)
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && editable) {
                e.preventDefault()
                submit()
              }
            }}
          />
        </label>
        <div className="muted small">
          {base.mode === 'json' ? 'Structured content, edited as a JSON object.' : 'Text.'} Loaded at version {base.version}
          {editable ? '; Ctrl+Enter saves.' : '.'}
        </div>
        {editable ? (
          <div className="bn-actions">
            <label className="bn-inline">
              Reason for the change (optional)
              <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} />
            </label>
            <button type="submit" className="primary" disabled={save.isPending || !dirty}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
          </div>
        ) : (
          whyReadOnly && <p className="muted small">{whyReadOnly}</p>
        )}
      </form>
      {invalid && (
        <div className="error" role="alert">
          {invalid}
        </div>
      )}
      {save.error != null && <ErrorMessage error={save.error} title={conflict ? 'Someone saved a newer version' : 'The content was not saved'} />}
      {conflict && (
        <div className="bn-actions">
          <button type="button" onClick={() => void doReload()} disabled={reloading}>
            {reloading ? 'Reloading…' : 'Reload'}
          </button>
          <span className="muted small">Loads the latest version; your unsaved text stays below so you can merge it.</span>
        </div>
      )}
      {outcome && (
        <div className="success" role="status">
          {outcome}
        </div>
      )}
      {unsaved !== null && (
        <div className="bn-unsaved">
          <label>
            Your unsaved text
            <textarea value={unsaved} readOnly rows={6} className={base.mode === 'json' ? 'bn-code' : undefined} />
          </label>
          <button type="button" className="link" onClick={() => setUnsaved(null)}>
            Dismiss
          </button>
        </div>
      )}
    </section>
  )
}
