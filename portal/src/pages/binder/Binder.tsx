import { useMemo, useState } from 'react'
import { useNavigate, useParams } from 'react-router'
import { useAuth } from '../../auth/AuthProvider'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Empty, Loading } from '../../ui/States'
import { useEngagement } from '../engagements/context'
import { BinderTree } from './BinderTree'
import { NewNodeDialog } from './NodeDialogs'
import { NodePanel } from './NodePanel'
import { flatten, LOCKED_NOTE, useBinderTree, useEngagementCan } from './common'
import './binder.css'

/** The binder: its tree on the left, the selected item on the right (/binder/:nodeId). */
export function Binder() {
  const { engagementId = '', nodeId } = useParams()
  const { engagement } = useEngagement()
  const { isClientUser } = useAuth()
  const can = useEngagementCan()
  const navigate = useNavigate()
  const [creating, setCreating] = useState(false)
  const tree = useBinderTree(engagementId, !isClientUser)
  const flat = useMemo(() => flatten(tree.data?.nodes ?? []), [tree.data])

  if (isClientUser) {
    return <p className="notice">The binder holds the firm&apos;s working papers; client contacts do not see it.</p>
  }

  const locked = engagement.locked
  const mayAdd = !locked && can('workpaper.prepare')
  const entry = flat.find((item) => item.node.id === nodeId)
  const folders = flat.filter((item) => item.node.kind === 'folder')
  const workpapers = flat.filter((item) => item.node.kind === 'workpaper').map((item) => item.node)
  // A new item goes into the selected folder, or beside the selected item.
  const defaultParent = entry ? (entry.node.kind === 'folder' ? entry.node.id : entry.node.parent_id) : null

  return (
    <div className="bn-page">
      {locked && <p className="notice">{LOCKED_NOTE}</p>}
      <div className="split bn-split">
        <nav className="panel bn-tree-pane" aria-labelledby="bn-tree-heading">
          <div className="bn-section-head">
            <h2 id="bn-tree-heading">Binder</h2>
            {mayAdd && (
              <button type="button" onClick={() => setCreating(true)}>
                New item
              </button>
            )}
          </div>
          {!locked && !mayAdd && <p className="muted small">Your role on this engagement does not allow adding to the binder.</p>}
          {tree.isPending ? (
            <Loading label="Loading the binder…" />
          ) : tree.isError ? (
            <ErrorMessage error={tree.error} title="The binder cannot be shown" />
          ) : tree.data.nodes.length === 0 ? (
            <Empty>The binder is empty.</Empty>
          ) : (
            <BinderTree nodes={tree.data.nodes} selectedId={nodeId} engagementId={engagementId} />
          )}
        </nav>
        <section className="bn-node-pane" aria-label="Selected binder item">
          {nodeId ? (
            <NodePanel
              key={nodeId}
              engagementId={engagementId}
              nodeId={nodeId}
              entry={entry}
              workpapers={workpapers}
              can={can}
              locked={locked}
            />
          ) : (
            <Empty>Choose an item of the binder to see its content and sign-offs.</Empty>
          )}
        </section>
      </div>
      {creating && (
        <NewNodeDialog
          engagementId={engagementId}
          folders={folders}
          defaultParentId={defaultParent}
          mayShape={can('binder.structure')}
          onClose={() => setCreating(false)}
          onCreated={(node) => {
            setCreating(false)
            navigate(`/engagements/${engagementId}/binder/${node.id}`)
          }}
        />
      )}
    </div>
  )
}
