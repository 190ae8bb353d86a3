import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'
import { api, ok } from '../../api/client'
import { download } from '../../api/transfer'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader, StatusBadge } from '../../ui/States'
import { formatDate, formatDateTime } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import '../qc/qc.css'
import {
  OPINIONS,
  OPINION_HINTS,
  OPINION_LABELS,
  STANDARDS_LABELS,
  draftBody,
  emptyDraft,
  groupedDigest,
  isModified,
  isStale,
  newestFirst,
  nextStep,
  signRefusal,
  staleText,
  supersededText,
  type DraftForm,
  type ReportCreate,
  type ReportRead,
  type Standards,
} from './report'
import { fetchPdf, pdfUrl, signReport } from './transport'

export const reportKeys = {
  all: (engagementId: string) => ['reports', engagementId] as const,
  list: (engagementId: string) => ['reports', engagementId, 'list'] as const,
  verification: (engagementId: string, reportId: string) => ['reports', engagementId, reportId, 'verification'] as const,
}

/** The auditor's report: draft it with its opinion, preview the PDF, approve, sign, and verify the stored copy. */
export function ReportPage() {
  const { engagement, refresh } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const [shownId, setShownId] = useState<string | null>(null)
  const mayDraft = !engagement.locked && (can('engagement.update') || can('report.approve'))
  const reports = useQuery({
    queryKey: reportKeys.list(engagement.id),
    queryFn: async () =>
      newestFirst((await ok(api.GET('/api/engagements/{engagement_id}/reports', { params: { path: { engagement_id: engagement.id } } }))).items),
  })
  const changed = async () => {
    await queryClient.invalidateQueries({ queryKey: reportKeys.all(engagement.id) })
    void queryClient.invalidateQueries({ queryKey: ['engagement', engagement.id, 'finalization-readiness'] })
    refresh()
  }
  const team = useQuery({
    queryKey: ['engagement', engagement.id, 'team'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/team', { params: { path: { engagement_id: engagement.id } } })),
  })
  const names = new Map((team.data?.members ?? []).map((m) => [m.user_id, m.display_name || m.email]))
  const nameOf = (id: string | null | undefined) => (id ? (names.get(id) ?? 'a former team member') : '')
  const list = reports.data ?? []
  const shown = list.find((r) => r.id === shownId) ?? list[0] ?? null
  const signedVersion = list.find((r) => r.status === 'signed')
  // A signed report stands until what it shows changes (then it is stale, and a new draft is taken).
  const standing = signedVersion && !isStale(signedVersion) ? signedVersion : null
  const draftAgain = mayDraft ? focusDraft : undefined

  return (
    <div className="qc-page">
      <PageHeader title="Auditor’s report" />
      {reports.isPending ? (
        <Loading label="Loading the reports…" />
      ) : reports.isError ? (
        <ErrorMessage error={reports.error} title="The reports could not be loaded" />
      ) : (
        <div className="report-grid">
          <div>
            {shown ? (
              <ReportPanel key={shown.id} report={shown} latest={shown.id === list[0]?.id} nameOf={nameOf} onChanged={changed} onDraftAgain={draftAgain} />
            ) : (
              <Empty>
                No report has been drafted yet. {mayDraft ? 'Choose the opinion in the form to draft one.' : 'A manager or partner on the team can draft it.'}
              </Empty>
            )}
            {list.length > 1 && (
              <section className="panel" aria-labelledby="report-versions">
                <h2 id="report-versions">Versions</h2>
                <ul className="report-versions">
                  {list.map((r) => (
                    <li key={r.id}>
                      <button type="button" aria-pressed={r.id === shown?.id} onClick={() => setShownId(r.id)}>
                        Version {r.version}
                      </button>{' '}
                      <StatusBadge status={r.status} />
                      {isStale(r) && <span className="badge badge-stale">older than the file</span>} {OPINION_LABELS[r.opinion]}{' '}
                      <span className="muted small">{formatDateTime(r.created_at)}</span>
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </div>
          {engagement.locked ? (
            <div className="muted small">The engagement is finalized: the report can no longer change.</div>
          ) : standing ? (
            <div className="muted small">
              Version {standing.version} is signed: it stands until the engagement is finalized, steps back or what the report shows changes.
            </div>
          ) : mayDraft ? (
            <DraftPanel
              engagementId={engagement.id}
              from={list[0] ?? null}
              onDrafted={async (created) => {
                setShownId(created.id)
                await changed()
              }}
            />
          ) : (
            <div className="muted small">
              Your role on this engagement does not allow drafting the report.
            </div>
          )}
        </div>
      )}
    </div>
  )
}

function ReportPanel({
  report,
  latest,
  nameOf,
  onChanged,
  onDraftAgain,
}: {
  report: ReportRead
  latest: boolean
  nameOf: (id: string | null | undefined) => string
  onChanged: () => Promise<void>
  /** Takes the user to the draft form, for someone who may draft; absent otherwise. */
  onDraftAgain?: () => void
}) {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const path = { engagement_id: engagement.id, report_id: report.id }
  const [signed, setSigned] = useState<string | null>(null)
  const approve = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/reports/{report_id}/approve', { params: { path } })),
    onSuccess: onChanged,
  })
  const mayApprove = latest && !engagement.locked && report.status === 'draft' && can('report.approve')
  const stale = engagement.locked ? null : staleText(report)
  const was = supersededText(report, nameOf)
  // Signing a stale approval would sign what was not approved: the report is drafted and approved again first.
  const maySign = latest && !engagement.locked && report.status === 'approved' && !stale && can('report.sign')
  const finalized = engagement.status === 'finalized' || engagement.locked
  return (
    <section className="panel" aria-labelledby="report-shown">
      <h2 id="report-shown">
        Version {report.version} <StatusBadge status={report.status} />
      </h2>
      {stale ? (
        <div className="stale-warning" role="alert">
          <span>{stale}</span>
          {onDraftAgain && (
            <button type="button" className="primary" onClick={onDraftAgain}>
              Draft again
            </button>
          )}
        </div>
      ) : (
        <p className="muted">{nextStep(report, engagement.locked)}</p>
      )}
      {was && (
        <p className="notice" aria-label="What this version was">
          {was}
        </p>
      )}
      <dl className="facts" aria-label="The report">
        <dt>Opinion</dt>
        <dd>{OPINION_LABELS[report.opinion]}</dd>
        {report.basis_for_modification && (
          <>
            <dt>Basis for modification</dt>
            <dd className="pre">{report.basis_for_modification}</dd>
          </>
        )}
        {report.emphasis_of_matter && (
          <>
            <dt>Emphasis of matter</dt>
            <dd className="pre">{report.emphasis_of_matter}</dd>
          </>
        )}
        <dt>Report date</dt>
        <dd>{report.report_date ? formatDate(report.report_date) : <span className="muted">the signing date</span>}</dd>
        {report.standards && (
          <>
            <dt>Standards</dt>
            <dd>{STANDARDS_LABELS[report.standards] ?? report.standards}</dd>
          </>
        )}
        {report.created_at && (
          <>
            <dt>Drafted</dt>
            <dd>{formatDateTime(report.created_at)}</dd>
          </>
        )}
        {report.approved_at && (
          <>
            <dt>Approved</dt>
            <dd>
              {formatDateTime(report.approved_at)} by {nameOf(report.approved_by)}
            </dd>
          </>
        )}
      </dl>
      {report.sha256 && report.signed_at && (
        <Signature sha256={report.sha256} signedBy={nameOf(report.signed_by)} signedAt={report.signed_at} />
      )}
      <PdfPreview engagementId={engagement.id} report={report} />
      {mayApprove && (
        <div className="form-actions report-panel-actions">
          <button type="button" className="primary" disabled={approve.isPending} onClick={() => approve.mutate()}>
            {approve.isPending ? 'Approving…' : 'Approve the report'}
          </button>
        </div>
      )}
      <ErrorMessage error={approve.error} title="The report was not approved" />
      {approve.isSuccess && (
        <div className="success" role="status">
          Version {report.version} approved.
        </div>
      )}
      {maySign && (
        <SignForm
          engagementId={engagement.id}
          report={report}
          onSigned={async (message) => {
            setSigned(message)
            await onChanged()
          }}
        />
      )}
      {signed && (
        <div className="success" role="status">
          {signed}
        </div>
      )}
      {!engagement.locked && report.status === 'approved' && !can('report.sign') && latest && (
        <div className="muted small">Only the engagement partner can sign the report.</div>
      )}
      {!engagement.locked && report.status === 'draft' && !can('report.approve') && latest && (
        <div className="muted small">A manager or partner on the team approves the report.</div>
      )}
      {report.status === 'signed' && <VerificationPanel engagementId={engagement.id} reportId={report.id} finalized={finalized} />}
    </section>
  )
}

/** Brings the draft form into view and puts the cursor on its first choice. */
function focusDraft() {
  const panel = document.getElementById('report-draft-panel')
  panel?.scrollIntoView?.({ behavior: 'smooth', block: 'start' })
  panel?.querySelector<HTMLInputElement>('input:checked, input')?.focus()
}

function Signature({ sha256, signedBy, signedAt }: { sha256: string; signedBy: string; signedAt: string }) {
  return (
    <dl className="facts report-signature" aria-label="Signature">
      <dt>Signed by</dt>
      <dd>{signedBy}</dd>
      <dt>Signed at</dt>
      <dd>{formatDateTime(signedAt)}</dd>
      <dt>SHA-256</dt>
      <dd>
        <code className="digest" title={sha256}>
          {groupedDigest(sha256)}
        </code>
      </dd>
    </dl>
  )
}

function PdfPreview({ engagementId, report }: { engagementId: string; report: ReportRead }) {
  const [open, setOpen] = useState(false)
  const [url, setUrl] = useState<string | null>(null)
  // The portal's content policy may not allow a blob: frame (frame-src); the browser says so with an event.
  const [blocked, setBlocked] = useState(false)
  useEffect(() => {
    const onViolation = (event: SecurityPolicyViolationEvent) => {
      if (event.blockedURI.startsWith('blob') || /^(frame|child)-src/.test(event.effectiveDirective)) setBlocked(true)
    }
    document.addEventListener('securitypolicyviolation', onViolation)
    return () => document.removeEventListener('securitypolicyviolation', onViolation)
  }, [])
  const pdf = useQuery({
    queryKey: ['reports', engagementId, report.id, 'pdf', report.status],
    queryFn: () => fetchPdf(engagementId, report.id),
    enabled: open,
    staleTime: Infinity,
  })
  useEffect(() => {
    if (!pdf.data) return
    const href = URL.createObjectURL(pdf.data)
    setUrl(href)
    return () => URL.revokeObjectURL(href)
  }, [pdf.data])
  const save = useMutation({ mutationFn: () => download(pdfUrl(engagementId, report.id), `report-v${report.version}.pdf`) })
  return (
    <div className="report-pdf">
      <div className="form-actions">
        <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide the PDF' : 'Preview the PDF'}
        </button>{' '}
        <button type="button" disabled={save.isPending} onClick={() => save.mutate()}>
          {save.isPending ? 'Downloading…' : 'Download the PDF'}
        </button>
      </div>
      <ErrorMessage error={save.error} title="The PDF could not be downloaded" />
      {open &&
        (pdf.isPending ? (
          <Loading label="Making the PDF…" />
        ) : pdf.isError ? (
          <ErrorMessage error={pdf.error} title="The PDF could not be shown" />
        ) : blocked ? (
          <div className="notice" role="status">
            This portal’s content policy does not allow showing the PDF inside the page. Download it to read it.
          </div>
        ) : url ? (
          <iframe className="report-frame" title={`The report, version ${report.version} (PDF)`} src={url} />
        ) : null)}
    </div>
  )
}

function SignForm({ engagementId, report, onSigned }: { engagementId: string; report: ReportRead; onSigned: (message: string) => Promise<void> }) {
  const [password, setPassword] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const field = useRef<HTMLInputElement>(null)
  const sign = useMutation({
    mutationFn: (typed: string) => signReport(engagementId, report.id, typed),
    onSuccess: (result) => {
      setPassword('')
      void onSigned(`Signed. SHA-256 ${result.sha256}.`)
    },
    onError: () => {
      setPassword('')
      field.current?.focus()
    },
  })
  const refusal = signRefusal(sign.error)
  return (
    <form
      className="form qc-waive-form"
      aria-label="Sign the report"
      onSubmit={(event) => {
        event.preventDefault()
        sign.reset()
        if (!password) {
          setProblem('Type your password to sign.')
          field.current?.focus()
          return
        }
        setProblem(null)
        sign.mutate(password)
      }}
    >
      <h3 style={{ margin: 0 }}>Sign version {report.version}</h3>
      <p className="small" style={{ margin: 0 }}>
        Signing records the PDF’s SHA-256 digest in the audit log under your name. Re-enter your password to confirm it is you.
      </p>
      <label>
        Your password
        <input ref={field} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={!!(problem || refusal)} />
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={sign.isPending}>
          {sign.isPending ? 'Signing…' : 'Sign the report'}
        </button>
      </div>
      {(problem || refusal) && (
        <div className="error" role="alert">
          {problem ?? refusal}
        </div>
      )}
      {!refusal && <ErrorMessage error={sign.error} title="The report was not signed" />}
    </form>
  )
}

function VerificationPanel({ engagementId, reportId, finalized }: { engagementId: string; reportId: string; finalized: boolean }) {
  const check = useQuery({
    queryKey: reportKeys.verification(engagementId, reportId),
    queryFn: async () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/reports/{report_id}/verification', {
          params: { path: { engagement_id: engagementId, report_id: reportId } },
        }),
      ),
    // Finalizing writes the write-once copy in the background: look again until it is there.
    refetchInterval: (query) => (finalized && query.state.data && !query.state.data.immutable ? 2000 : false),
  })
  return (
    <section aria-labelledby="report-verification">
      <h3 id="report-verification">Stored copy</h3>
      {check.isPending ? (
        <Loading label="Re-reading the stored PDF…" />
      ) : check.isError ? (
        <ErrorMessage error={check.error} title="The stored copy could not be verified" />
      ) : (
        <>
          <div className={check.data.matches ? 'success' : 'error'} role="status">
            {check.data.matches
              ? 'Verified: the stored PDF hashes to the signed digest.'
              : 'The stored PDF does NOT match the signed digest: it was changed outside Aura.'}
          </div>
          <dl className="facts" aria-label="Verification">
            <dt>SHA-256 signed</dt>
            <dd>
              <code className="digest">{groupedDigest(check.data.sha256)}</code>
            </dd>
            <dt>SHA-256 of the stored bytes now</dt>
            <dd>
              <code className="digest">{groupedDigest(check.data.stored_sha256)}</code>
            </dd>
            <dt>Write-once</dt>
            <dd>
              {check.data.immutable
                ? 'Yes: it cannot be overwritten or deleted'
                : finalized
                  ? 'Being written to write-once storage…'
                  : 'Not yet: the copy is stored write-once when the engagement is finalized'}
            </dd>
            <dt>Stored</dt>
            <dd>{formatDateTime(check.data.stored_at)}</dd>
          </dl>
          <button type="button" onClick={() => void check.refetch()} disabled={check.isFetching}>
            {check.isFetching ? 'Checking…' : 'Check again'}
          </button>
        </>
      )}
    </section>
  )
}

function DraftPanel({ engagementId, from, onDrafted }: { engagementId: string; from: ReportRead | null; onDrafted: (created: ReportRead) => Promise<void> }) {
  const [form, setForm] = useState<DraftForm>(() => emptyDraft(from))
  const [problems, setProblems] = useState<string[]>([])
  const create = useMutation({
    mutationFn: (body: ReportCreate) => ok(api.POST('/api/engagements/{engagement_id}/reports', { params: { path: { engagement_id: engagementId } }, body })),
    onSuccess: (created) => onDrafted(created),
  })
  const set = <K extends keyof DraftForm>(key: K, value: DraftForm[K]) => setForm((f) => ({ ...f, [key]: value }))
  const modified = isModified(form.opinion)
  return (
    <section className="panel" id="report-draft-panel" aria-labelledby="report-draft">
      <h2 id="report-draft">{from ? 'Draft a new version' : 'Draft the report'}</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          create.reset()
          const result = draftBody(form)
          if ('problems' in result) {
            setProblems(result.problems)
            if (modified) document.getElementById('report-basis')?.focus()
            return
          }
          setProblems([])
          create.mutate(result.body)
        }}
      >
        <fieldset className="report-opinions">
          <legend>Opinion</legend>
          {OPINIONS.map((o) => (
            <label key={o} className="report-opinion">
              <input type="radio" name="opinion" value={o} checked={form.opinion === o} onChange={() => set('opinion', o)} aria-describedby={`opinion-${o}-hint`} />
              <span>
                {OPINION_LABELS[o]}
                <span id={`opinion-${o}-hint`} className="muted small" style={{ display: 'block' }}>
                  {OPINION_HINTS[o]}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <label>
          Basis for modification{modified ? ' (required)' : ''}
          <textarea id="report-basis" value={form.basis} onChange={(e) => set('basis', e.target.value)} rows={4} maxLength={10000} aria-required={modified} />
        </label>
        <label>
          Emphasis of matter (optional)
          <textarea value={form.emphasis} onChange={(e) => set('emphasis', e.target.value)} rows={3} maxLength={10000} />
        </label>
        <div className="form-row">
          <label>
            Report date (optional)
            <input type="date" value={form.reportDate} onChange={(e) => set('reportDate', e.target.value)} />
          </label>
          <label>
            Standards
            <select value={form.standards} onChange={(e) => set('standards', e.target.value as '' | Standards)}>
              <option value="">From the client (issuer: PCAOB)</option>
              <option value="aicpa">{STANDARDS_LABELS.aicpa}</option>
              <option value="pcaob">{STANDARDS_LABELS.pcaob}</option>
            </select>
          </label>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={create.isPending}>
            {create.isPending ? 'Drafting…' : 'Draft the report'}
          </button>
        </div>
        <FormProblems problems={problems} />
        <ErrorMessage error={create.error} title="The report was not drafted" />
        {create.isSuccess && (
          <div className="success" role="status">
            Version {create.data.version} drafted.
          </div>
        )}
      </form>
    </section>
  )
}
