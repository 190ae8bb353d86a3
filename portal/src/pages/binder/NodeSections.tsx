import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatBytes, formatDateTime } from '../../ui/format'
import { contentToText } from './ContentEditor'
import { keys, useAllEvidence, useTeam, type EvidenceRead, type NodeDetail } from './common'

/** A download button that says when it failed. */
export function DownloadButton({ engagementId, file, label = 'Download' }: { engagementId: string; file: Pick<EvidenceRead, 'id' | 'filename'>; label?: string }) {
  const fetchFile = useMutation({
    mutationFn: () => download(`/api/engagements/${engagementId}/evidence/${file.id}/content`, file.filename),
  })
  return (
    <>
      <button type="button" onClick={() => fetchFile.mutate()} disabled={fetchFile.isPending} title={`${label} ${file.filename}`}>
        {fetchFile.isPending ? 'Downloading…' : label}
      </button>
      {fetchFile.error != null && <ErrorMessage error={fetchFile.error} title={`${file.filename} was not downloaded`} />}
    </>
  )
}

/** Evidence files linked to a folder, workpaper or note; link another or unlink one. */
export function LinkedEvidence({ engagementId, node, editable }: { engagementId: string; node: NodeDetail; editable: boolean }) {
  const queryClient = useQueryClient()
  const files = useAllEvidence(engagementId)
  const [choice, setChoice] = useState('')
  const byId = new Map((files.data?.items ?? []).map((file) => [file.id, file]))
  const linked = node.evidence_ids
  const unlinked = (files.data?.items ?? []).filter((file) => !linked.includes(file.id))
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
  const link = useMutation({
    mutationFn: (evidenceId: string) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/binder/nodes/{node_id}/evidence', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
          body: { evidence_id: evidenceId },
        }),
      ),
    onSuccess: async () => {
      setChoice('')
      await refresh()
    },
  })
  const unlink = useMutation({
    mutationFn: (evidenceId: string) =>
      ok(
        api.DELETE('/api/engagements/{engagement_id}/binder/nodes/{node_id}/evidence/{evidence_id}', {
          params: { path: { engagement_id: engagementId, node_id: node.id, evidence_id: evidenceId } },
        }),
      ),
    onSuccess: refresh,
  })
  return (
    <section className="bn-section" aria-labelledby="bn-evidence-heading">
      <h3 id="bn-evidence-heading">Linked evidence</h3>
      {files.isError && <ErrorMessage error={files.error} title="The evidence files cannot be listed" />}
      {linked.length === 0 ? (
        <p className="muted">No evidence linked.</p>
      ) : (
        <ul className="bn-list">
          {linked.map((id) => {
            const file = byId.get(id)
            return (
              <li key={id} className="bn-row">
                <span>
                  {file ? file.filename : `file ${id.slice(0, 8)}`}
                  {file && <span className="muted small"> · {formatBytes(file.size_bytes)}</span>}
                </span>
                {file && <DownloadButton engagementId={engagementId} file={file} />}
                {editable && (
                  <button type="button" onClick={() => unlink.mutate(id)} disabled={unlink.isPending} title={`Unlink ${file?.filename ?? id}`}>
                    Unlink
                  </button>
                )}
              </li>
            )
          })}
        </ul>
      )}
      <ErrorMessage error={unlink.error} title="Not unlinked" />
      {editable && (
        <form
          className="toolbar"
          onSubmit={(event) => {
            event.preventDefault()
            if (choice) link.mutate(choice)
          }}
        >
          {files.isPending ? (
            <Loading label="Loading evidence files…" />
          ) : unlinked.length === 0 ? (
            <span className="muted small">
              {files.data?.items.length ? 'Every evidence file is linked here.' : 'No evidence files yet.'}{' '}
              <Link to={`/engagements/${engagementId}/evidence`}>Upload on the Evidence tab</Link>
            </span>
          ) : (
            <>
              <label>
                Evidence file
                <select value={choice} onChange={(e) => setChoice(e.target.value)}>
                  <option value="">Choose a file…</option>
                  {unlinked.map((file) => (
                    <option key={file.id} value={file.id}>
                      {file.filename} ({formatBytes(file.size_bytes)})
                    </option>
                  ))}
                </select>
              </label>
              <button type="submit" disabled={!choice || link.isPending}>
                {link.isPending ? 'Linking…' : 'Link'}
              </button>
            </>
          )}
        </form>
      )}
      <ErrorMessage error={link.error} title="Not linked" />
    </section>
  )
}

/** The file an evidence node shows. */
export function EvidenceNodeFile({ engagementId, evidenceId }: { engagementId: string; evidenceId: string }) {
  const file = useQuery({
    queryKey: [...keys.all(engagementId), 'evidence-file', evidenceId],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/evidence/{evidence_id}', {
          params: { path: { engagement_id: engagementId, evidence_id: evidenceId } },
        }),
      ),
  })
  return (
    <section className="bn-section" aria-labelledby="bn-file-heading">
      <h3 id="bn-file-heading">File</h3>
      {file.isPending ? (
        <Loading />
      ) : file.isError ? (
        <ErrorMessage error={file.error} />
      ) : (
        <div className="bn-row">
          <span>
            {file.data.filename} <span className="muted small">· {formatBytes(file.data.size_bytes)} · {file.data.content_type}</span>
          </span>
          <DownloadButton engagementId={engagementId} file={file.data} />
        </div>
      )}
    </section>
  )
}

/** The review notes raised on this node, each a link to its thread on the review-notes tab. */
export function NodeReviewNotes({
  engagementId,
  nodeId,
  mayRaise,
  onRaise,
}: {
  engagementId: string
  nodeId: string
  mayRaise: boolean
  onRaise: () => void
}) {
  const notes = useQuery({
    queryKey: keys.notes(engagementId, { node_id: nodeId }),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/review-notes', {
          params: { path: { engagement_id: engagementId }, query: { node_id: nodeId, page_size: 100 } },
        }),
      ),
  })
  return (
    <section className="bn-section" aria-labelledby="bn-notes-heading">
      <div className="bn-section-head">
        <h3 id="bn-notes-heading">Review notes</h3>
        {mayRaise && (
          <button type="button" onClick={onRaise}>
            Raise review note
          </button>
        )}
      </div>
      {notes.isPending ? (
        <Loading />
      ) : notes.isError ? (
        <ErrorMessage error={notes.error} />
      ) : notes.data.items.length === 0 ? (
        <p className="muted">No review notes on this item.</p>
      ) : (
        <ul className="bn-list">
          {notes.data.items.map((note) => (
            <li key={note.id} className="bn-row">
              <StatusBadge status={note.status} />
              {note.blocking && <span className="badge badge-open">blocking</span>}
              <Link to={`/engagements/${engagementId}/review-notes?note=${note.id}`}>{excerpt(note.body, 90)}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

export function excerpt(text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat
}

/** Every saved version, newest first; any one can be opened read-only. */
export function Versions({ engagementId, node }: { engagementId: string; node: NodeDetail }) {
  const { nameOf } = useTeam(engagementId)
  const [shown, setShown] = useState<number | null>(null)
  const versions = useQuery({
    queryKey: keys.versions(engagementId, node.id),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/binder/nodes/{node_id}/versions', {
          params: { path: { engagement_id: engagementId, node_id: node.id } },
        }),
      ),
  })
  const old = useQuery({
    queryKey: [...keys.versions(engagementId, node.id), shown],
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/binder/nodes/{node_id}/versions/{version}', {
          params: { path: { engagement_id: engagementId, node_id: node.id, version: String(shown) } },
        }),
      ),
    enabled: shown !== null,
  })
  return (
    <section className="bn-section" aria-labelledby="bn-versions-heading">
      <h3 id="bn-versions-heading">Versions</h3>
      {versions.isPending ? (
        <Loading />
      ) : versions.isError ? (
        <ErrorMessage error={versions.error} />
      ) : (
        <ol className="bn-list bn-versions">
          {versions.data.items.map((version) => (
            <li key={version.version} className="bn-row">
              <strong>v{version.version}</strong>
              <span>{formatDateTime(version.changed_at)}</span>
              <span>{nameOf(version.changed_by)}</span>
              <span className="muted">{version.change_reason}</span>
              {version.version === versions.data.current_version ? (
                <span className="badge">current</span>
              ) : (
                <button type="button" className="link" onClick={() => setShown(shown === version.version ? null : version.version)} aria-expanded={shown === version.version}>
                  {shown === version.version ? `Hide version ${version.version}` : `View version ${version.version}`}
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
      {shown !== null && (
        <div className="bn-old-version" role="region" aria-label={`Version ${shown}`}>
          {old.isPending ? (
            <Loading />
          ) : old.isError ? (
            <ErrorMessage error={old.error} />
          ) : (
            <>
              <div className="muted small">
                Version {old.data.version}: “{old.data.title}”, {formatDateTime(old.data.changed_at)}
              </div>
              <pre className="bn-code">{contentToText(old.data.content).text || '(empty)'}</pre>
            </>
          )}
        </div>
      )}
    </section>
  )
}
