import { Link } from 'react-router'
import { formatDateTime } from '../../ui/format'
import { KIND_ICON, KIND_LABEL, STEPS, SIGNED_AS, type SignoffState, type TreeNode } from './common'

const MARK_LETTER = { prepare: 'P', review: 'R', approve: 'A' } as const

/** "Prepared, reviewed, not approved": the sign-off state of a workpaper in words. */
export function signoffSummary(state: SignoffState): string {
  return STEPS.map((step) => {
    const done = state[SIGNED_AS[step]]
    return done ? SIGNED_AS[step] : `not ${SIGNED_AS[step]}`
  })
    .join(', ')
    .replace(/^./, (c) => c.toUpperCase())
}

/** P R A, each filled when signed; a signature given on an older version is marked as such. */
export function SignoffMarks({ state, version }: { state: SignoffState; version: number }) {
  return (
    <span className="bn-marks" role="img" aria-label={signoffSummary(state)}>
      {STEPS.map((step) => {
        const signature = state[SIGNED_AS[step]]
        const stale = signature && signature.node_version < version
        const title = signature
          ? `${SIGNED_AS[step]} by ${signature.display_name}, ${formatDateTime(signature.signed_at)} (version ${signature.node_version})`
          : `not ${SIGNED_AS[step]}`
        return (
          <span key={step} className={`bn-mark ${signature ? 'on' : 'off'}${stale ? ' stale' : ''}`} title={title} aria-hidden="true">
            {MARK_LETTER[step]}
          </span>
        )
      })}
    </span>
  )
}

/** The binder as nested lists of links: Tab moves through them, Enter opens one. */
export function BinderTree({ nodes, selectedId, engagementId }: { nodes: readonly TreeNode[]; selectedId?: string; engagementId: string }) {
  return (
    <ul className="tree bn-tree">
      {nodes.map((node) => (
        <li key={node.id}>
          <div className="bn-tree-row">
            <span className={`bn-kind bn-kind-${node.kind}`} role="img" aria-label={KIND_LABEL[node.kind]} title={KIND_LABEL[node.kind]}>
              {KIND_ICON[node.kind]}
            </span>
            <Link
              to={`/engagements/${engagementId}/binder/${node.id}`}
              className={node.id === selectedId ? 'active' : undefined}
              aria-current={node.id === selectedId ? 'page' : undefined}
            >
              {node.index_code && <span className="bn-ref">{node.index_code}</span>}
              {node.index_code ? ' ' : ''}
              {node.title}
            </Link>
            {node.signoffs && <SignoffMarks state={node.signoffs} version={node.version} />}
          </div>
          {node.children.length > 0 && <BinderTree nodes={node.children} selectedId={selectedId} engagementId={engagementId} />}
        </li>
      ))}
    </ul>
  )
}
