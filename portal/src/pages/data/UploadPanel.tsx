import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, useState, type DragEvent, type FormEvent } from 'react'
import { uploadRaw } from '../../api/transfer'
import { DataTable, type Column } from '../../ui/DataTable'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, ProgressBar } from '../../ui/States'
import { formatBytes, formatDate } from '../../ui/format'
import type { Engagement } from '../engagements/context'
import { DatasetDetails, ProblemTable } from './DatasetDetails'
import { MappingTable } from './MappingTable'
import {
  KINDS,
  MAX_DIRECT_BYTES,
  columnMapToSend,
  contentTypeOf,
  effectiveMapping,
  formatOf,
  kindLabel,
  missingRequired,
  needsMapping,
  type DatasetKind,
  type Overrides,
  type Preview,
} from './mapping'
import { invalidateData, previewFile, useDataset, useJob, type Accepted } from './queries'

type DateOrder = '' | 'dmy' | 'mdy'

/** The upload URL with the load's options; column_map only when the user changed the mapping. */
export function uploadUrl(
  engagementId: string,
  options: {
    kind: DatasetKind
    columnMap: Record<string, string>
    dateOrder: DateOrder
    sheet: string
    fiscalStart: string
    fiscalEnd: string
    allowUnbalanced: boolean
    filename: string
  },
): string {
  const params = new URLSearchParams({ kind: options.kind })
  if (Object.keys(options.columnMap).length) params.set('column_map', JSON.stringify(options.columnMap))
  if (options.dateOrder) params.set('date_order', options.dateOrder)
  if (options.sheet) params.set('sheet', options.sheet)
  if (options.fiscalStart) params.set('fiscal_start', options.fiscalStart)
  if (options.fiscalEnd) params.set('fiscal_end', options.fiscalEnd)
  if (options.allowUnbalanced && options.kind === 'trial_balance') params.set('allow_unbalanced', 'true')
  if (options.filename) params.set('filename', options.filename.slice(0, 255))
  return `/api/engagements/${engagementId}/datasets?${params.toString()}`
}

/**
 * Choose a kind and a file; see how its headers map (and fix the mapping); upload it with progress and
 * follow the load job to the dataset's outcome.
 */
export function UploadPanel({ engagement }: { engagement: Engagement }) {
  const engagementId = engagement.id
  const queryClient = useQueryClient()
  const [kind, setKind] = useState<DatasetKind>('general_ledger')
  const [file, setFile] = useState<File | null>(null)
  const [fileId, setFileId] = useState(0)
  const [over, setOver] = useState(false)
  const [dateOrder, setDateOrder] = useState<DateOrder>('')
  const [sheet, setSheet] = useState('')
  const [fiscalStart, setFiscalStart] = useState('')
  const [fiscalEnd, setFiscalEnd] = useState('')
  const [allowUnbalanced, setAllowUnbalanced] = useState(false)
  const [overrides, setOverrides] = useState<Overrides>({})
  const [uploaded, setUploaded] = useState(0)
  const [accepted, setAccepted] = useState<Accepted | null>(null)

  const tooLarge = !!file && file.size > MAX_DIRECT_BYTES
  const preview = useQuery({
    queryKey: ['engagement', engagementId, 'dataset-preview', fileId, kind, sheet, dateOrder],
    queryFn: () => previewFile(engagementId, file as File, { kind, sheet, dateOrder: dateOrder || undefined }),
    enabled: !!file && !tooLarge,
    staleTime: Infinity,
    gcTime: 60_000,
  })

  const upload = useMutation({
    mutationFn: (url: string) => uploadRaw<Accepted>(url, file as File, { contentType: contentTypeOf(file as File), onProgress: setUploaded }),
    onMutate: () => {
      setUploaded(0)
      setAccepted(null)
    },
    onSuccess: (answer) => setAccepted(answer),
  })

  const job = useJob(accepted?.job_id ?? null)
  const finished = job.data?.status === 'succeeded' || job.data?.status === 'failed'
  const dataset = useDataset(engagementId, finished ? (accepted?.dataset_id ?? null) : null, { poll: true })

  useEffect(() => {
    if (finished) invalidateData(queryClient, engagementId)
  }, [finished, queryClient, engagementId])

  const data: Preview | undefined = preview.data
  const mapping = useMemo(() => (data ? effectiveMapping(data.fields, overrides) : {}), [data, overrides])
  const missing = useMemo(() => (data && needsMapping(data) ? missingRequired(data.fields, mapping) : []), [data, mapping])
  const loading = !!accepted && !finished && !job.error
  const busy = upload.isPending || loading

  const choose = (next: File | null) => {
    setFile(next)
    setFileId((id) => id + 1)
    setOverrides({})
    setSheet('')
    setAccepted(null)
    upload.reset()
  }
  const changeKind = (next: DatasetKind) => {
    setKind(next)
    setOverrides({})
  }
  const changeSheet = (next: string) => {
    setSheet(next)
    setOverrides({})
  }

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!file || !data || missing.length > 0 || busy) return
    upload.mutate(
      uploadUrl(engagementId, {
        kind,
        columnMap: needsMapping(data) ? columnMapToSend(data.fields, overrides) : {},
        dateOrder,
        sheet: data.sheets.length ? sheet || data.sheet || '' : '',
        fiscalStart,
        fiscalEnd,
        allowUnbalanced,
        filename: file.name,
      }),
    )
  }

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setOver(false)
    const dropped = event.dataTransfer?.files?.[0]
    if (dropped && !busy) choose(dropped)
  }

  return (
    <section className="panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload</h2>
      <form onSubmit={submit} className="upload-form">
        <div className="toolbar">
          <label>
            Kind
            <select value={kind} onChange={(e) => changeKind(e.target.value as DatasetKind)} disabled={busy}>
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
        </div>

        <div
          className={`dropzone${over ? ' over' : ''}`}
          onDragEnter={(e) => {
            e.preventDefault()
            setOver(true)
          }}
          onDragOver={(e) => {
            e.preventDefault()
            if (!over) setOver(true)
          }}
          onDragLeave={(e) => {
            if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false)
          }}
          onDrop={onDrop}
          data-testid="dropzone"
        >
          <div>Drop a CSV, Excel workbook (.xlsx) or SAF-T XML file here, or</div>
          <label className="choose">
            Choose file
            <input
              type="file"
              accept=".csv,.txt,.tsv,.xlsx,.xml,text/csv,application/xml"
              disabled={busy}
              onChange={(e) => {
                choose(e.target.files?.[0] ?? null)
                e.target.value = ''
              }}
            />
          </label>
          {file && (
            <div className="chosen">
              <strong>{file.name}</strong> <span className="muted">({formatBytes(file.size)}, {formatOf(file).toUpperCase()})</span>
            </div>
          )}
        </div>

        <details className="advanced">
          <summary>Options</summary>
          <div className="form-row">
            <label>
              Date order
              <select value={dateOrder} onChange={(e) => setDateOrder(e.target.value as DateOrder)} disabled={busy}>
                <option value="">auto (ISO, YYYYMMDD, Excel dates)</option>
                <option value="dmy">dmy (31/03/2026)</option>
                <option value="mdy">mdy (03/31/2026)</option>
              </select>
            </label>
            <label>
              Sheet
              <select
                value={sheet || data?.sheet || ''}
                onChange={(e) => changeSheet(e.target.value)}
                disabled={busy || !data?.sheets.length}
              >
                {!data?.sheets.length && <option value="">(workbooks only)</option>}
                {data?.sheets.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="form-row">
            <label>
              Fiscal start
              <input type="date" value={fiscalStart} onChange={(e) => setFiscalStart(e.target.value)} disabled={busy} />
              <span className="muted small">default {formatDate(engagement.period_start)}</span>
            </label>
            <label>
              Fiscal end
              <input type="date" value={fiscalEnd} onChange={(e) => setFiscalEnd(e.target.value)} disabled={busy} />
              <span className="muted small">default {formatDate(engagement.period_end)}</span>
            </label>
          </div>
          {kind === 'trial_balance' && (
            <label className="checkbox">
              <input type="checkbox" checked={allowUnbalanced} onChange={(e) => setAllowUnbalanced(e.target.checked)} disabled={busy} />
              Load although unbalanced (keep a trial balance whose debits and credits differ, marked unbalanced)
            </label>
          )}
        </details>

        {tooLarge && (
          <div className="error" role="alert">
            {file?.name} is {formatBytes(file?.size)}; the portal sends files of up to {formatBytes(MAX_DIRECT_BYTES)}. Split the file or export
            it as CSV.
          </div>
        )}
        {preview.isLoading && <Loading label="Reading the file's header…" />}
        {preview.error && <ErrorMessage error={preview.error} title="The file cannot be read" />}
        {data && (
          <PreviewSection
            preview={data}
            kind={kind}
            mapping={mapping}
            overrides={overrides}
            missing={missing}
            disabled={busy}
            onChange={(field, header) => setOverrides((current) => ({ ...current, [field]: header }))}
          />
        )}

        <div className="toolbar">
          <button type="submit" className="primary" disabled={!file || !data || missing.length > 0 || busy || tooLarge}>
            Upload and load
          </button>
          {data && missing.length === 0 && !busy && !accepted && (
            <span className="muted small">
              Loads as a new {kindLabel(kind).toLowerCase()} version; the current one stays until it succeeds.
            </span>
          )}
        </div>
      </form>

      {upload.isPending && <ProgressBar value={uploaded} label="Uploading" />}
      {upload.error && <ErrorMessage error={upload.error} title="The upload failed" />}
      {accepted && (
        <div className="load-status">
          {!finished && (
            <>
              <p className="muted">
                Version {accepted.version} received; the job is {job.data?.status ?? 'queued'}.
              </p>
              <ProgressBar value={Number(job.data?.progress ?? 0)} label="Loading" />
            </>
          )}
          {job.error && <ErrorMessage error={job.error} title="The load job could not be followed" />}
          {finished && dataset.isLoading && <Loading label="Reading the outcome…" />}
          {dataset.error && <ErrorMessage error={dataset.error} />}
          {dataset.data && <DatasetDetails dataset={dataset.data} />}
        </div>
      )}
    </section>
  )
}

interface PreviewProps {
  preview: Preview
  kind: DatasetKind
  mapping: Record<string, string | null>
  overrides: Overrides
  missing: string[]
  disabled: boolean
  onChange: (field: string, header: string | null) => void
}

type SampleRow = Preview['rows'][number]

function PreviewSection({ preview, kind, mapping, overrides, missing, disabled, onChange }: PreviewProps) {
  const sampleColumns: Column<SampleRow>[] = useMemo(
    () => [
      { key: 'row', header: 'Row', render: (r) => r.row, align: 'right' },
      ...preview.header.map((header, index) => ({ key: `c${index}`, header, render: (r: SampleRow) => r.cells[index] ?? '' })),
    ],
    [preview.header],
  )
  const dateHint = preview.sample_problems.some((p) => p.reason.includes('date_order'))
  return (
    <div className="preview">
      <p className="muted small">
        {preview.format.toUpperCase()}
        {preview.sheet ? `, sheet “${preview.sheet}”` : ''}
        {typeof preview.details.delimiter === 'string' ? `, ${delimiterName(preview.details.delimiter)}-separated` : ''}
        {typeof preview.details.encoding === 'string' ? `, ${preview.details.encoding}` : ''} — {preview.header.length} columns read as a{' '}
        {kindLabel(kind).toLowerCase()}.
      </p>
      {needsMapping(preview) ? (
        <MappingSection preview={preview} mapping={mapping} overrides={overrides} missing={missing} disabled={disabled} onChange={onChange} />
      ) : (
        <p className="notice" role="status">
          A SAF-T file names each field by its own elements, so it needs no column mapping: upload it as it is.
        </p>
      )}
      {preview.sample_problems.length > 0 && (
        <section aria-label="Problems in the first rows">
          <div className="notice">
            The load would refuse these values in the first rows{dateHint ? '; choose the date order under Options' : ''}.
          </div>
          <ProblemTable problems={preview.sample_problems} caption="Problems in the first rows" />
        </section>
      )}
      <h3>First rows</h3>
      <DataTable rows={preview.rows} columns={sampleColumns} rowKey={(r) => String(r.row)} empty="The file has no data rows." />
    </div>
  )
}

/** The column mapping of a CSV or workbook: what is missing, the header problems, field → header, the headers left unused. */
function MappingSection({ preview, mapping, overrides, missing, disabled, onChange }: Omit<PreviewProps, 'kind'>) {
  const used = new Set(Object.values(mapping).filter(Boolean))
  const unmapped = preview.header.filter((h) => !used.has(h))
  const headerProblems = preview.problems.filter((p) => !p.reason.startsWith('required column') && !(p.column && mapping[p.column]))
  return (
    <>
      <h3 id="mapping-heading">Column mapping</h3>
      {missing.length > 0 ? (
        <div className="notice missing-notice" role="status">
          Required {missing.length === 1 ? 'field' : 'fields'} not mapped: <strong>{missing.join(', ')}</strong>. Choose the header for each
          below; the upload stays disabled until then.
        </div>
      ) : (
        <p className="muted small">Every required field has a header. Change any choice below if it is wrong.</p>
      )}
      {headerProblems.length > 0 && (
        <ul className="notice">
          {headerProblems.map((p) => (
            <li key={`${p.column}-${p.reason}`}>
              {p.column}: {p.reason}
            </li>
          ))}
        </ul>
      )}
      <MappingTable preview={preview} mapping={mapping} overrides={overrides} missing={missing} onChange={onChange} disabled={disabled} />
      <p className="small">
        <span className="muted">Not used: </span>
        {unmapped.length ? unmapped.join(', ') : <span className="muted">none</span>}
      </p>
    </>
  )
}

function delimiterName(delimiter: string): string {
  return { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' }[delimiter] ?? `“${delimiter}”`
}
