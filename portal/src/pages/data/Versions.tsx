import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import { useAuth } from '../../auth/AuthProvider'
import { DataTable, Pager, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, StatusBadge } from '../../ui/States'
import { formatDateTime } from '../../ui/format'
import { DatasetDetails, summaryLine } from './DatasetDetails'
import { KINDS, kindLabel, type DatasetKind } from './mapping'
import { originalFileUrl } from './ledgerFilters'
import { Decision } from './Decision'
import { dataKeys, problemsOf, useDataset, useTeamNames, type Dataset } from './queries'

const PAGE_SIZE = 25

/** The engagement's dataset versions, newest first; opening one shows its figures, warnings or problems. */
export function Versions({ engagementId }: { engagementId: string }) {
  const { me, can } = useAuth()
  const [kind, setKind] = useState<DatasetKind | ''>('')
  const [page, setPage] = useState(1)
  const [openId, setOpenId] = useState<string | null>(null)
  const nameOf = useTeamNames(engagementId, can('engagement.read'))
  const uploader = (d: Dataset) => (d.created_by === me?.user.id ? 'you' : (d.created_by_name ?? nameOf(d.created_by)))
  const list = useQuery({
    queryKey: dataKeys.datasetList(engagementId, kind, page),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/datasets', {
          params: { path: { engagement_id: engagementId }, query: { page, page_size: PAGE_SIZE, kind: kind || undefined } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.items.some((d) => d.status === 'queued') ? 3000 : false),
  })
  const opened = useDataset(engagementId, openId, { poll: true })
  // The original file is the firm's working material: the team downloads it, a client user does not.
  const mayDownload = can('engagement.read')
  const original = useMutation({ mutationFn: (d: Dataset) => download(originalFileUrl(engagementId, d.id), d.filename) })

  const columns: Column<Dataset>[] = [
    { key: 'kind', header: 'Kind', render: (d) => kindLabel(d.kind), sortValue: (d) => d.kind },
    { key: 'version', header: 'Version', render: (d) => d.version, sortValue: (d) => d.version, align: 'right' },
    {
      key: 'status',
      header: 'Status',
      render: (d) => (
        <>
          <StatusBadge status={d.status} />
          {d.unbalanced && (
            <>
              {' '}
              <span className="badge badge-failed">unbalanced</span>
            </>
          )}
        </>
      ),
      sortValue: (d) => d.status,
    },
    {
      key: 'summary',
      header: 'Rows',
      render: (d) =>
        d.status === 'failed' ? (
          <span className="muted">{problemsOf(d).message ?? 'refused'}</span>
        ) : d.status === 'queued' ? (
          <span className="muted">loading {Math.round(Number(d.job?.progress ?? 0) * 100)}%</span>
        ) : (
          summaryLine(d)
        ),
    },
    {
      key: 'file',
      header: 'File',
      render: (d) =>
        mayDownload ? (
          <button type="button" className="link" aria-label={`Download the original ${d.filename}`} title="Download the file as it was uploaded" disabled={original.isPending} onClick={(e) => {
              e.stopPropagation()
              original.mutate(d)
            }}>
            {d.filename} ⤓
          </button>
        ) : (
          d.filename
        ),
      sortValue: (d) => d.filename,
    },
    { key: 'by', header: 'Uploaded by', render: (d) => uploader(d), sortValue: (d) => uploader(d) },
    { key: 'at', header: 'Uploaded at', render: (d) => formatDateTime(d.created_at), sortValue: (d) => d.created_at },
    { key: 'current', header: 'Current', render: (d) => (d.current ? <strong className="current">● current</strong> : ''), sortValue: (d) => (d.current ? 0 : 1) },
  ]

  return (
    <section className="panel" aria-labelledby="versions-heading">
      <div className="section-head">
        <h2 id="versions-heading">Versions</h2>
        <label className="inline">
          Show
          <select
            value={kind}
            onChange={(e) => {
              setKind(e.target.value as DatasetKind | '')
              setPage(1)
            }}
          >
            <option value="">all files</option>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      </div>
      {list.isLoading && <Loading />}
      {list.error && <ErrorMessage error={list.error} />}
      {list.data && (
        <>
          <DataTable
            rows={list.data.items}
            columns={columns}
            rowKey={(d) => d.id}
            onOpen={(d) => setOpenId((current) => (current === d.id ? null : d.id))}
            selectedKey={openId}
            caption="Dataset versions (Enter opens one)"
            empty="No data yet: upload a trial balance, general ledger or chart of accounts above."
          />
          <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onChange={setPage} />
          <ErrorMessage error={original.error} title="The original file cannot be downloaded" />
        </>
      )}
      {openId && (
        <section className="version-details" aria-label="Version details">
          <div className="section-head">
            <h3>
              {opened.data ? `${kindLabel(opened.data.kind)}, version ${opened.data.version}` : 'Version'}
            </h3>
            <button type="button" onClick={() => setOpenId(null)}>
              Close
            </button>
          </div>
          {opened.isLoading && <Loading />}
          {opened.error && <ErrorMessage error={opened.error} />}
          {opened.data && <DatasetDetails dataset={opened.data} headingLevel={4} />}
          {opened.data?.status === 'submitted' && <Decision engagementId={engagementId} dataset={opened.data} />}
        </section>
      )}
    </section>
  )
}
