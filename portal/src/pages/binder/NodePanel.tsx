import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { useNavigate } from 'react-router'
import { api, ok } from '../../api/client'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { ContentEditor } from './ContentEditor'
import { DeleteDialog, RenameDialog } from './NodeDialogs'
import { EvidenceNodeFile, LinkedEvidence, NodeReviewNotes, Versions } from './NodeSections'
import { NewReviewNoteDialog } from './NewReviewNoteDialog'
import { Signoffs } from './Signoffs'
import { keys, KIND_LABEL, nodeLabel, useTeam, type FlatNode, type TreeNode } from './common'

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
  const query = useQuery({
    queryKey: keys.node(engagementId, nodeId),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/binder/nodes/{node_id}', {
          params: { path: { engagement_id: engagementId, node_id: nodeId } },
        }),
      ),
  })
  if (query.isPending) return <Loading label="Loading the item…" />
  if (query.isError) return <ErrorMessage error={query.error} title="This binder item cannot be shown" />
  const node = query.data
  const mayPrepare = can('workpaper.prepare')
  const editable = !locked && mayPrepare
  const whyReadOnly = locked
    ? 'The engagement is finalized: its binder is read-only.'
    : mayPrepare
      ? undefined
      : 'Your role on this engagement does not allow changing workpapers.'
  const mayRaise = !locked && can('review_note.write')
  const hasContent = node.kind === 'workpaper' || node.kind === 'note'
  const path = entry ? [...entry.ancestors.map(nodeLabel), nodeLabel(node)].join(' › ') : nodeLabel(node)

  return (
    <div className="panel bn-node">
      <div className="bn-node-head">
        <h2 id="bn-node-title">{nodeLabel(node)}</h2>
        {editable && (
          <div className="bn-actions">
            <button type="button" onClick={() => setDialog('rename')}>
              Rename
            </button>
            <button type="button" className="danger" onClick={() => setDialog('delete')}>
              Delete
            </button>
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

      {hasContent && (
        <ContentEditor
          key={node.id}
          engagementId={engagementId}
          node={node}
          editable={editable}
          reload={async () => (await query.refetch()).data}
        />
      )}
      {node.kind === 'workpaper' && <Signoffs engagementId={engagementId} node={node} can={can} locked={locked} />}
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
