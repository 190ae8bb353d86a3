import { NoteRoutingFields } from './NoteFields'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { Dialog, DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { submitOnCtrlEnter } from '../../ui/keys'
import { keys, nodeLabel, useTeam, type ReviewNoteDetail, type TreeNode } from './common'

/**
 * Raise a review note on a binder item: the workpapers of the binder are offered (and the item the
 * note was raised from, whatever its kind); it blocks finalization unless unticked.
 */
export function NewReviewNoteDialog({
  engagementId,
  items,
  presetNode,
  onClose,
  onCreated,
}: {
  engagementId: string
  items: readonly TreeNode[]
  presetNode?: { id: string; index_code: string | null; title: string }
  onClose: () => void
  onCreated: (note: ReviewNoteDetail) => void
}) {
  const queryClient = useQueryClient()
  const { members } = useTeam(engagementId)
  const options = presetNode && !items.some((item) => item.id === presetNode.id) ? [presetNode, ...items] : items
  const [nodeId, setNodeId] = useState(presetNode?.id ?? '')
  const [body, setBody] = useState('')
  const [blocking, setBlocking] = useState(true)
  const [assigneeId, setAssigneeId] = useState('')
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/api/engagements/{engagement_id}/review-notes', {
          params: { path: { engagement_id: engagementId } },
          body: { node_id: nodeId, body: body.trim(), blocking, assignee_id: assigneeId || null },
        }),
      ),
    onSuccess: async (note) => {
      await queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
      onCreated(note)
    },
  })
  return (
    <Dialog title="New review note" onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          create.mutate()
        }}
      >
        <label>
          Binder item
          <select value={nodeId} onChange={(e) => setNodeId(e.target.value)} required>
            <option value="">Choose a workpaper…</option>
            {options.map((item) => (
              <option key={item.id} value={item.id}>
                {nodeLabel(item)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Note
          <textarea
            value={body}
            onChange={(e) => setBody(e.target.value)}
            required
            maxLength={10000}
            rows={5}
            onKeyDown={submitOnCtrlEnter}
          />
        </label>
        <NoteRoutingFields
          blocking={blocking}
          onBlocking={setBlocking}
          assigneeId={assigneeId}
          onAssignee={setAssigneeId}
          members={members}
          nobody="Nobody yet"
        />
        <ErrorMessage error={create.error} title="The note was not raised" />
        <DialogActions
          label="Raise note"
          busyLabel="Raising…"
          busy={create.isPending}
          disabled={!nodeId || !body.trim()}
          onCancel={onClose}
          className="bn-actions"
        />
      </form>
    </Dialog>
  )
}
