import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useMemo, useRef, useState, type DragEvent } from 'react'
import { useParams } from 'react-router'
import { api, ok } from '../../api/client'
import { uploadRaw } from '../../api/transfer'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, ProgressBar } from '../../ui/States'
import { formatBytes, formatDateTime } from '../../ui/format'
import { useEngagement } from '../engagements/context'
import { DownloadButton } from './NodeSections'
import { flatten, keys, nodeLabel, useBinderTree, useEngagementCan, useTeam, type EvidenceRead } from './common'
import './binder.css'

/** What one request may carry (functions/engagement/evidence.py, MAX_EVIDENCE_BYTES). */
export const MAX_DIRECT_BYTES = 100 * 1024 * 1024
const PAGE_SIZE = 50

/** The SHA-256 of a file in hex, for the API to check the bytes it received (null where the browser cannot). */
export async function sha256Hex(file: Blob): Promise<string | null> {
  try {
    if (!globalThis.crypto?.subtle) return null
    const bytes = typeof file.arrayBuffer === 'function' ? await file.arrayBuffer() : await readBytes(file)
    const digest = await globalThis.crypto.subtle.digest('SHA-256', new Uint8Array(bytes))
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('')
  } catch {
    return null
  }
}

function readBytes(file: Blob): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(reader.result as ArrayBuffer)
    reader.onerror = () => reject(reader.error)
    reader.readAsArrayBuffer(file)
  })
}

interface Upload {
  key: number
  name: string
  size: number
  state: 'waiting' | 'hashing' | 'uploading' | 'done' | 'failed'
  progress: number
  error?: unknown
  result?: EvidenceRead
}

/** The engagement's evidence files: upload (drop or choose), list, download. */
export function Evidence() {
  const { engagementId = '' } = useParams()
  const { engagement } = useEngagement()
  const { isClientUser } = useAuth()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const [page, setPage] = useState(1)
  const [uploads, setUploads] = useState<Upload[]>([])
  const [over, setOver] = useState(false)
  const counter = useRef(0)
  const queue = useRef<Promise<void>>(Promise.resolve())
  const { nameOf } = useTeam(engagementId)
  const tree = useBinderTree(engagementId, !isClientUser)
  const labels = useMemo(() => new Map(flatten(tree.data?.nodes ?? []).map(({ node }) => [node.id, nodeLabel(node)])), [tree.data])
  const list = useQuery({
    queryKey: keys.evidence(engagementId, page),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/evidence', {
          params: { path: { engagement_id: engagementId }, query: { page, page_size: PAGE_SIZE } },
        }),
      ),
    enabled: !isClientUser,
  })

  if (isClientUser) {
    return (
      <div className="notice" role="note">
        <strong>Evidence is kept by your audit team.</strong> Evidence files are part of the firm&apos;s working papers: only
        the firm&apos;s engagement team lists, uploads and downloads them, so client contacts cannot use this tab. Send your trial balance and general ledger on the Data tab; for other documents, ask your audit team how
        they would like to receive them.
      </div>
    )
  }

  const locked = engagement.locked
  const mayUpload = !locked && (can('data.upload') || can('workpaper.prepare'))

  const update = (key: number, change: Partial<Upload>) => setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...change } : u)))

  const uploadOne = async (file: File, key: number) => {
    if (file.size > MAX_DIRECT_BYTES) {
      update(key, {
        state: 'failed',
        error: new Error(`${file.name} is ${formatBytes(file.size)}; an evidence file uploaded here may be at most 100 MB. Split it, or ask an administrator to load it.`),
      })
      return
    }
    if (file.size === 0) {
      update(key, { state: 'failed', error: new Error(`${file.name} is empty.`) })
      return
    }
    update(key, { state: 'hashing' })
    const headers: Record<string, string> = { 'X-Filename': encodeURIComponent(file.name) }
    const sha = await sha256Hex(file)
    if (sha) headers['X-Content-SHA256'] = sha
    update(key, { state: 'uploading' })
    try {
      const result = await uploadRaw<EvidenceRead>(`/api/engagements/${engagementId}/evidence`, file, {
        contentType: file.type || 'application/octet-stream',
        headers,
        onProgress: (fraction) => update(key, { progress: fraction }),
      })
      update(key, { state: 'done', progress: 1, result })
      setPage(1)
      await queryClient.invalidateQueries({ queryKey: keys.all(engagementId) })
    } catch (error) {
      update(key, { state: 'failed', error })
    }
  }

  /** Files upload one after the other, each with its own progress. */
  const enqueue = (files: FileList | File[] | null) => {
    if (!files) return
    for (const file of Array.from(files)) {
      const key = ++counter.current
      setUploads((all) => [{ key, name: file.name, size: file.size, state: 'waiting', progress: 0 }, ...all])
      queue.current = queue.current.then(() => uploadOne(file, key))
    }
  }

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setOver(false)
    if (mayUpload) enqueue(event.dataTransfer.files)
  }

  const columns: Column<EvidenceRead>[] = [
    { key: 'name', header: 'Name', render: (r) => r.filename, sortValue: (r) => r.filename },
    { key: 'size', header: 'Size', render: (r) => formatBytes(r.size_bytes), sortValue: (r) => r.size_bytes, align: 'right' },
    { key: 'type', header: 'Content type', render: (r) => r.content_type, sortValue: (r) => r.content_type },
    { key: 'by', header: 'Uploaded by', render: (r) => nameOf(r.uploaded_by), sortValue: (r) => nameOf(r.uploaded_by) },
    { key: 'at', header: 'Uploaded', render: (r) => formatDateTime(r.uploaded_at), sortValue: (r) => r.uploaded_at },
    {
      key: 'sha',
      header: 'SHA-256',
      render: (r) => (
        <span className="bn-sha" title={r.sha256}>
          {r.sha256.slice(0, 12)}…
        </span>
      ),
    },
    {
      key: 'nodes',
      header: 'Linked to',
      render: (r) => (r.node_ids.length ? r.node_ids.map((id) => labels.get(id) ?? id.slice(0, 8)).join(', ') : <span className="muted">not linked</span>),
      sortValue: (r) => r.node_ids.length,
    },
    { key: 'download', header: 'File', render: (r) => <DownloadButton engagementId={engagementId} file={r} /> },
  ]

  return (
    <div className="bn-page">
      <div className="bn-section-head">
        <h2>Evidence</h2>
      </div>
      {locked && <p className="notice">This engagement is finalized, so its evidence is read-only: files can be downloaded, not added.</p>}
      {!locked && !mayUpload && <p className="muted">Your role on this engagement does not allow uploading evidence.</p>}
      {mayUpload && (
        <div
          className={`dropzone bn-dropzone${over ? ' over' : ''}`}
          onDragOver={(event) => {
            event.preventDefault()
            setOver(true)
          }}
          onDragLeave={() => setOver(false)}
          onDrop={onDrop}
        >
          <p>Drop evidence files here, or</p>
          <label>
            Choose evidence file
            <input
              type="file"
              multiple
              onChange={(event) => {
                enqueue(event.target.files)
                event.target.value = ''
              }}
            />
          </label>
          <p className="muted small">
            Up to 100 MB per file: PDF, images, Office documents, CSV, text, JSON, XML, ZIP, e-mail. Each file is checked
            against its SHA-256 when stored.
          </p>
        </div>
      )}
      {uploads.length > 0 && (
        <div className="bn-uploads" aria-live="polite">
          {uploads.map((upload) =>
            upload.state === 'done' && upload.result ? (
              <div key={upload.key} className="success">
                Uploaded {upload.result.filename} ({formatBytes(upload.result.size_bytes)}), SHA-256{' '}
                <span className="bn-sha">{upload.result.sha256.slice(0, 12)}…</span>
              </div>
            ) : upload.state === 'failed' ? (
              <ErrorMessage key={upload.key} error={upload.error} title={`${upload.name} was not uploaded`} />
            ) : upload.state === 'waiting' ? (
              <div key={upload.key} className="muted small">
                {upload.name}: waiting
              </div>
            ) : upload.state === 'hashing' ? (
              <div key={upload.key} className="muted small">
                {upload.name}: computing its SHA-256…
              </div>
            ) : (
              <ProgressBar key={upload.key} value={upload.progress} label={`Uploading ${upload.name}`} />
            ),
          )}
          {uploads.some((u) => u.state === 'done' || u.state === 'failed') && (
            <div>
              <button type="button" className="link" onClick={() => setUploads((all) => all.filter((u) => u.state !== 'done' && u.state !== 'failed'))}>
                Clear messages
              </button>
            </div>
          )}
        </div>
      )}
      {list.isPending ? (
        <Loading label="Loading evidence files…" />
      ) : list.isError ? (
        <ErrorMessage error={list.error} title="The evidence files cannot be listed" />
      ) : (
        <>
          <DataTable
            rows={list.data.items}
            columns={columns}
            rowKey={(r) => r.id}
            caption="Evidence files, newest first"
            empty={mayUpload ? 'No evidence yet. Drop a file above to add the first.' : 'No evidence files.'}
          />
          <Pager page={list.data.page} pageSize={list.data.page_size} total={list.data.total} onChange={setPage} />
        </>
      )}
    </div>
  )
}
