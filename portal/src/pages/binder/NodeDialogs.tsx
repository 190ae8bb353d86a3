import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { Dialog, DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { keys, nodeLabel, partial, type FlatNode, type NodeDetail, type NodeKind } from './common'

type NodeUpdate = components['schemas']['NodeUpdate']

const CREATABLE: { kind: NodeKind; label: string }[] = [
  { kind: 'workpaper', label: 'Workpaper' },
  { kind: 'note', label: 'Note' },
  { kind: 'folder', label: 'Folder' },
]
// As the API checks index codes (binder_schemas.INDEX_CODE_PATTERN).
/**
 * The server's INDEX_CODE_PATTERN (functions/engagement/binder_schemas.py) without its anchors, which a
 * browser adds. Browsers compile `pattern` with the `v` flag, where `/` and `-` in a class must be
 * escaped; an invalid pattern is silently ignored, so this one is tested against the server's.
 */
export const REFERENCE_PATTERN = '[A-Za-z0-9][A-Za-z0-9.\\-_\\/]*'
const REFERENCE_HINT = 'Letters, digits and . - _ / (e.g. D-100); unique in the binder.'

/** Add a folder, workpaper or note, in a folder or at the top level. */
export function NewNodeDialog({
  engagementId,
  folders,
  defaultParentId,
  mayShape,
  onClose,
  onCreated,
}: {
  engagementId: string
  folders: FlatNode[]
  defaultParentId: string | null
  /** binder.structure: sections and folders are the manager's and partner's to add. */
  mayShape: boolean
  onClose: () => void
  onCreated: (node: NodeDetail) => void
}) {
  const queryClient = useQueryClient()
  const [kind, setKind] = useState<NodeKind>('workpaper')
  const [parentId, setParentId] = useState(defaultParentId ?? '')
  const [reference, setReference] = useState('')
  const [title, setTitle] = useState('')
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/api/engagements/{engagement_id}/binder/nodes', {
          params: { path: { engagement_id: engagementId } },
          body: {
            kind,
            title: title.trim(),
            parent_id: parentId || null,
            index_code: reference.trim() || null,
            position: null,
            content: null,
            evidence_id: null,
          },
        }),
      ),
    onSuccess: async (node) => {
      queryClient.setQueryData(keys.node(engagementId, node.id), node)
      await queryClient.invalidateQueries({ queryKey: keys.tree(engagementId) })
      onCreated(node)
    },
  })
  return (
    <Dialog title="New binder item" onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          create.mutate()
        }}
      >
        <div className="form-row">
          <label>
            Kind
            <select value={kind} onChange={(e) => setKind(e.target.value as NodeKind)}>
              {CREATABLE.filter((option) => mayShape || option.kind !== 'folder').map((option) => (
                <option key={option.kind} value={option.kind}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Place in
            <select value={parentId} onChange={(e) => setParentId(e.target.value)}>
              <option value="">Top level of the binder</option>
              {folders.map(({ node, depth }) => (
                <option key={node.id} value={node.id}>
                  {'\u00a0\u00a0'.repeat(depth)}
                  {nodeLabel(node)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Reference (optional)
          <input value={reference} onChange={(e) => setReference(e.target.value)} maxLength={32} pattern={REFERENCE_PATTERN} title={REFERENCE_HINT} placeholder="D-100" />
        </label>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
        </label>
        <ErrorMessage error={create.error} />
        <DialogActions label="Add" busyLabel="Adding…" busy={create.isPending} disabled={!title.trim()} onCancel={onClose} className="bn-actions" />
      </form>
    </Dialog>
  )
}

/** Change a node's title and reference; its version and sign-offs stay. */
export function RenameDialog({ engagementId, node, onClose }: { engagementId: string; node: NodeDetail; onClose: () => void }) {
  const queryClient = useQueryClient()
  const [title, setTitle] = useState(node.title)
  const [reference, setReference] = useState(node.index_code ?? '')
  const rename = useMutation({
    mutationFn: () => {
      const changes: Partial<NodeUpdate> = {}
      if (title.trim() !== node.title) changes.title = title.trim()
      if ((reference.trim() || null) !== node.index_code) changes.index_code = reference.trim() || null
      return ok(
        api.PATCH('/api/engagements/{engagement_id}/binder/nodes/{node_id}', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
          body: partial<NodeUpdate>(changes),
        }),
      )
    },
    onSuccess: async (updated) => {
      queryClient.setQueryData(keys.node(engagementId, node.id), updated)
      await queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
      onClose()
    },
  })
  return (
    <Dialog title={`Rename ${nodeLabel(node)}`} onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          rename.mutate()
        }}
      >
        <label>
          Reference (optional)
          <input value={reference} onChange={(e) => setReference(e.target.value)} maxLength={32} pattern={REFERENCE_PATTERN} title={REFERENCE_HINT} />
        </label>
        <label>
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={300} />
        </label>
        <ErrorMessage error={rename.error} />
        <DialogActions label="Save" busyLabel="Saving…" busy={rename.isPending} disabled={!title.trim()} onCancel={onClose} className="bn-actions" />
      </form>
    </Dialog>
  )
}

/** A yes/no question before something that cannot be undone. */
export function ConfirmDialog({
  title,
  children,
  confirm,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  title: string
  children: ReactNode
  confirm: string
  pending: boolean
  error: unknown
  onConfirm: () => void
  onClose: () => void
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <div className="form">
        <div>{children}</div>
        <ErrorMessage error={error} />
        <DialogActions
          label={confirm}
          busyLabel="Working…"
          busy={pending}
          variant="danger"
          onConfirm={onConfirm}
          onCancel={onClose}
          className="bn-actions"
        />
      </div>
    </Dialog>
  )
}

/** Remove an empty node (no children, sign-offs, review notes or linked evidence: the API checks). */
export function DeleteDialog({
  engagementId,
  node,
  onClose,
  onDeleted,
}: {
  engagementId: string
  node: NodeDetail
  onClose: () => void
  onDeleted: () => void
}) {
  const queryClient = useQueryClient()
  const remove = useMutation({
    mutationFn: () =>
      ok(
        api.DELETE('/api/engagements/{engagement_id}/binder/nodes/{node_id}', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
        }),
      ),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: keys.node(engagementId, node.id) })
      await queryClient.invalidateQueries({ queryKey: keys.tree(engagementId) })
      onDeleted()
    },
  })
  return (
    <ConfirmDialog
      title={`Delete ${nodeLabel(node)}?`}
      confirm="Delete"
      pending={remove.isPending}
      error={remove.error}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    >
      Only an empty item can be deleted: no items inside it, no active sign-offs, no review notes and no linked
      evidence. Its saved versions go with it; the audit log keeps the deletion.
    </ConfirmDialog>
  )
}
