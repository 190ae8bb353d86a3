import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { useNavigate } from 'react-router'
import { api } from '../../api/client'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { ContentEditor } from './ContentEditor'
import { DeleteDialog, RenameDialog } from './NodeDialogs'
import { EvidenceNodeFile, LinkedEvidence, NodeReviewNotes, Versions } from './NodeSections'
import { NewReviewNoteDialog } from './NewReviewNoteDialog'
import { Signoffs } from './Signoffs'
import { changedBy, describeChange } from './changes'
import { keys, KIND_LABEL, nodeLabel, POLL_MS, revalidated, useTeam, type FlatNode, type NodeDetail, type TreeNode } from './common'

/** The selected binder item: what it is, its content, sign-offs, evidence, review notes and versions. */
export function NodePanel({
  engagementId,
  nodeId,
  entry,
  workpapers,
  can,
  locked,
}: {
  engagementId: string
  nodeId: string
  /** Where the node sits in the tree (for its path), once the tree is loaded. */
  entry: FlatNode | undefined
  workpapers: readonly TreeNode[]
  can: (permission: string) => boolean
  locked: boolean
}) {
  const navigate = useNavigate()
  const { nameOf } = useTeam(engagementId)
  const [dialog, setDialog] = useState<'rename' | 'delete' | 'note' | null>(null)
  const queryClient = useQueryClient()
  const { me } = useAuth()
  const key = keys.node(engagementId, nodeId)
  // Polled with its ETag: someone else's save or sign-off shows within seconds, and costs a 304 otherwise.
  const query = useQuery({
    queryKey: key,
    queryFn: () =>
      revalidated(key.join('/'), queryClient.getQueryData<NodeDetail>(key), (headers) =>
        api.GET('/api/engagements/{engagement_id}/binder/nodes/{node_id}', {
          params: { path: { engagement_id: engagementId, node_id: nodeId } },
          headers,
        }),
      ),
    refetchInterval: POLL_MS,
  })
  // What the user was shown: a change by someone else is named until they acknowledge it.
  const [seen, setSeen] = useState<NodeDetail | null>(null)
  const current = query.data
  useEffect(() => {
    if (!current) return
    if (!seen || seen.id !== current.id || changedBy(seen, current, me?.user.id)) setSeen(current)
  }, [current, seen, me?.user.id])
  if (query.isPending) return <Loading label="Loading the item…" />
  if (query.isError) return <ErrorMessage error={query.error} title="This binder item cannot be shown" />
  const node = query.data
  const change = seen && seen.id === node.id ? describeChange(seen, node, nameOf) : null
  const mayPrepare = can('workpaper.prepare')
  const editable = !locked && mayPrepare
  const whyReadOnly = locked
    ? 'The engagement is finalized: its binder is read-only.'
    : mayPrepare
      ? undefined
      : 'Your role on this engagement does not allow changing workpapers.'
  const mayRaise = !locked && can('review_note.write')
  // Sections and deleting work are the binder's structure: the manager's and partner's (binder.structure).
  const mayShape = can('binder.structure')
  const holdsWork = node.kind === 'folder' || node.version > 1 || Object.keys(node.content ?? {}).length > 0
  const mayRename = node.kind !== 'folder' || mayShape
  const mayDelete = !holdsWork || mayShape
  const hasContent = node.kind === 'workpaper' || node.kind === 'note'
  const path = entry ? [...entry.ancestors.map(nodeLabel), nodeLabel(node)].join(' › ') : nodeLabel(node)

  return (
    <div className="panel bn-node">
      <div className="bn-node-head">
        <h2 id="bn-node-title">{nodeLabel(node)}</h2>
        {editable && (mayRename || mayDelete) && (
          <div className="bn-actions">
            {mayRename && (
              <button type="button" onClick={() => setDialog('rename')}>
                Rename
              </button>
            )}
            {mayDelete && (
              <button type="button" className="danger" onClick={() => setDialog('delete')}>
                Delete
              </button>
            )}
          </div>
        )}
      </div>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{KIND_LABEL[node.kind]}</dd>
        <dt>Path</dt>
        <dd>{path}</dd>
        {hasContent && (
          <>
            <dt>Version</dt>
            <dd>{node.version}</dd>
          </>
        )}
        <dt>Last changed</dt>
        <dd>
          {formatDateTime(node.updated_at)}
          {node.updated_by ? ` by ${nameOf(node.updated_by)}` : ''}
        </dd>
      </dl>
      {!locked && whyReadOnly && <p className="notice small">{whyReadOnly}</p>}
      {change && (
        <div className="notice" role="alert">
          <strong>{change}</strong> What you see below is the current state; look at it before you sign.{' '}
          <button type="button" onClick={() => setSeen(node)}>
            I have looked at the change
          </button>
        </div>
      )}

      {hasContent && (
        <ContentEditor
          key={node.id}
          engagementId={engagementId}
          node={node}
          editable={editable}
          reload={async () => (await query.refetch()).data}
        />
      )}
      {node.kind === 'workpaper' && (
        <Signoffs engagementId={engagementId} node={node} can={can} locked={locked} unseenChange={!!change} />
      )}
      {node.kind === 'evidence' && node.evidence_id && <EvidenceNodeFile engagementId={engagementId} evidenceId={node.evidence_id} />}
      {node.kind !== 'evidence' && <LinkedEvidence engagementId={engagementId} node={node} editable={editable} />}
      <NodeReviewNotes engagementId={engagementId} nodeId={node.id} mayRaise={mayRaise} onRaise={() => setDialog('note')} />
      {hasContent && <Versions engagementId={engagementId} node={node} />}

      {dialog === 'rename' && <RenameDialog engagementId={engagementId} node={node} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <DeleteDialog
          engagementId={engagementId}
          node={node}
          onClose={() => setDialog(null)}
          onDeleted={() => navigate(`/engagements/${engagementId}/binder${node.parent_id ? `/${node.parent_id}` : ''}`, { replace: true })}
        />
      )}
      {dialog === 'note' && (
        <NewReviewNoteDialog
          engagementId={engagementId}
          items={workpapers}
          presetNode={node}
          onClose={() => setDialog(null)}
          onCreated={() => setDialog(null)}
        />
      )}
    </div>
  )
}
