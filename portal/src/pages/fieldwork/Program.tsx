import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { useAuth } from '../../auth/AuthProvider'
import { Dialog } from '../../ui/Dialog'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Empty, Loading, PageHeader, StatusBadge } from '../../ui/States'
import { useEngagement, useEngagementCan } from '../engagements/context'
import '../qc/qc.css'
import { FieldworkNav } from './FieldworkNav'
import { CustomProcedureDialog, RiskLinksDialog } from './ProgramDialogs'
import { ProgramFirmLibrary } from './ProgramFirmLibrary'
import {
  MIN_NA_REASON,
  NATURE_LABELS,
  STATUSES,
  groupByArea,
  moved,
  progress,
  removable,
  statusProblems,
  type LibraryProcedure,
  type ProcedureStatus,
  type Program as ProgramData,
  type ProgramProcedure,
} from './program'

type TreeNode = components['schemas']['TreeNode']
type ProcedureUpdate = components['schemas']['ProgramProcedureUpdate']
type ProcedureCreate = components['schemas']['ProgramProcedureCreate']
type Workpaper = { id: string; label: string }

export const programKeys = {
  program: (engagementId: string) => ['program', engagementId] as const,
  library: ['firm', 'procedures'] as const,
}

function workpapersOf(nodes: readonly TreeNode[]): Workpaper[] {
  return nodes.flatMap((node) => [
    ...(node.kind === 'workpaper' ? [{ id: node.id, label: node.index_code ? `${node.index_code} ${node.title}` : node.title }] : []),
    ...workpapersOf(node.children ?? []),
  ])
}

/** The audit program: procedures by account area with their status, owner, risks, workpapers and samples. */
export function Program() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const queryClient = useQueryClient()
  const path = { engagement_id: engagement.id }
  const mayManage = can('program.manage') && !engagement.locked
  const mayPrepare = can('workpaper.prepare') && !engagement.locked
  const [editing, setEditing] = useState<ProgramProcedure | null>(null)
  const [showLibrary, setShowLibrary] = useState(false)
  const [showFirmLibrary, setShowFirmLibrary] = useState(false)
  const [writing, setWriting] = useState(false)
  const [linking, setLinking] = useState<ProgramProcedure | null>(null)
  // The firm's library is the firm's, not the engagement's: its keepers hold program.manage in the firm.
  const mayKeepLibrary = useAuth().can('program.manage')
  const [outcome, setOutcome] = useState<string | null>(null)

  const program = useQuery({
    queryKey: programKeys.program(engagement.id),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/program', { params: { path } })),
  })
  const team = useQuery({
    queryKey: ['engagement', engagement.id, 'team'],
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/team', { params: { path } })),
  })
  const members = team.data?.members ?? []
  const nameOf = (id: string | null) => (id ? (members.find((m) => m.user_id === id)?.display_name ?? 'a former team member') : 'Unassigned')

  const data = program.data
  const show = (next: ProgramData) => queryClient.setQueryData(programKeys.program(engagement.id), next)
  const refresh = () => queryClient.invalidateQueries({ queryKey: programKeys.program(engagement.id) })
  const generate = useMutation({
    mutationFn: () => ok(api.POST('/api/engagements/{engagement_id}/program/generate', { params: { path } })),
    onSuccess: (data) => {
      show(data)
      setOutcome(data.added ? `${data.added} procedures added from the risk register.` : 'The program already answers the risk register: nothing to add.')
    },
  })
  const reorder = useMutation({
    mutationFn: (procedureIds: string[]) =>
      ok(api.PUT('/api/engagements/{engagement_id}/program/order', { params: { path }, body: { procedure_ids: procedureIds } })),
    onSuccess: show,
  })
  const move = (procedure: ProgramProcedure, direction: -1 | 1) => {
    const order = data ? moved(data, procedure.id, direction) : null
    if (order) {
      setOutcome(null)
      reorder.mutate(order)
    }
  }
  const remove = useMutation({
    mutationFn: (procedure: ProgramProcedure) =>
      ok(api.DELETE('/api/engagements/{engagement_id}/program/procedures/{procedure_id}', { params: { path: { ...path, procedure_id: procedure.id } } })),
    onSuccess: async (_, procedure) => {
      setOutcome(`“${procedure.title}” was removed from the program.`)
      await refresh()
    },
  })

  const summary = data ? progress(data) : null
  return (
    <div className="qc-page">
      <FieldworkNav />
      <PageHeader title="Audit program">
        <button type="button" onClick={() => setShowLibrary((open) => !open)} aria-expanded={showLibrary}>
          {showLibrary ? 'Hide the procedure library' : 'Procedure library'}
        </button>
        {mayKeepLibrary && (
          <button type="button" onClick={() => setShowFirmLibrary((open) => !open)} aria-expanded={showFirmLibrary}>
            {showFirmLibrary ? 'Hide the firm’s library' : 'Manage the firm’s library'}
          </button>
        )}
        {mayManage && (
          <button type="button" onClick={() => { setOutcome(null); setWriting(true) }}>
            Write a procedure…
          </button>
        )}
        {mayManage && (
          <button type="button" className="primary" disabled={generate.isPending} onClick={() => { setOutcome(null); generate.mutate() }}>
            {generate.isPending ? 'Generating…' : 'Generate from risks'}
          </button>
        )}
      </PageHeader>
      <ErrorMessage error={generate.error} title="The program was not generated" />
      <ErrorMessage error={remove.error} title="The procedure was not removed" />
      <ErrorMessage error={reorder.error} title="The program was not reordered" />
      {outcome && (
        <div className="notice" role="status">
          {outcome}
        </div>
      )}
      {showFirmLibrary && <ProgramFirmLibrary />}
      {showLibrary && <LibraryPanel engagementId={engagement.id} mayAdd={mayManage} onAdded={(title) => { setOutcome(`“${title}” was added to the program.`); void refresh() }} />}
      {program.isPending ? (
        <Loading label="Loading the audit program…" />
      ) : program.isError ? (
        <ErrorMessage error={program.error} title="The audit program could not be loaded" />
      ) : !data || data.procedures.length === 0 ? (
        <Empty>
          The program has no procedures yet.{' '}
          {mayManage ? 'Generate it from the risk register, add procedures from the library, or write your own.' : 'A manager or partner can generate it from the risk register.'}
        </Empty>
      ) : (
        <>
          {summary && (
            <p className="muted">
              {summary.completed} of {summary.total} procedures completed
              {summary.notApplicable ? `, ${summary.notApplicable} not applicable` : ''}.
            </p>
          )}
          {data.uncovered_risks.length > 0 && (
            <div className="stale-warning" role="alert">
              <div>
                <strong>Risks the program does not answer yet:</strong>
                <ul className="qc-missing" aria-label="Unanswered risks">
                  {data.uncovered_risks.map((risk) => (
                    <li key={risk.id}>
                      {risk.area} / {risk.assertion.replace(/_/g, '-')}: {risk.reason}
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          )}
          {groupByArea(data).map((group) => (
            <section className="panel" key={group.area.code} aria-labelledby={`area-${group.area.code}`}>
              <h2 id={`area-${group.area.code}`}>{group.area.label}</h2>
              <table className="qc-policies" aria-label={`${group.area.label} procedures`}>
                <thead>
                  <tr>
                    <th scope="col">Procedure</th>
                    <th scope="col">Status</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Risks</th>
                    <th scope="col">Workpapers</th>
                    <th scope="col">Samples</th>
                    <th scope="col">Act</th>
                  </tr>
                </thead>
                <tbody>
                  {group.procedures.map((p, index) => (
                    <tr key={p.id}>
                      <th scope="row" style={{ fontWeight: 400, background: 'none' }}>
                        {p.title}
                        <span className="qc-code">
                          {p.library_code && p.source !== 'generic' ? `${p.library_code} · ` : ''}
                          {NATURE_LABELS[p.nature]}
                        </span>
                      </th>
                      <td>
                        <StatusBadge status={p.status} />
                        {p.status === 'not_applicable' && p.na_reason && <div className="small muted">{p.na_reason}</div>}
                      </td>
                      <td>{nameOf(p.owner_id)}</td>
                      <td>{p.risks.map((r) => r.label).join('; ') || <span className="muted">None</span>}</td>
                      <td>
                        {p.workpapers.length === 0 ? (
                          <span className="muted">None</span>
                        ) : (
                          p.workpapers.map((w) => (
                            <div key={w.id}>
                              <Link to={`../binder/${w.id}`} relative="path">
                                {w.label}
                              </Link>
                              {p.signed_workpapers.includes(w.id) ? <span className="small muted"> (signed)</span> : null}
                            </div>
                          ))
                        )}
                      </td>
                      <td>{p.samples.map((s) => s.label).join('; ') || <span className="muted">None</span>}</td>
                      <td>
                        {mayPrepare && (
                          <button type="button" onClick={() => { setOutcome(null); setEditing(p) }} aria-label={`Update ${p.title}`}>
                            Update…
                          </button>
                        )}
                        {mayManage && (
                          <button type="button" onClick={() => { setOutcome(null); setLinking(p) }} aria-label={`Link risks to ${p.title}`}>
                            Risks…
                          </button>
                        )}
                        {mayManage && group.procedures.length > 1 && (
                          <>
                            <button type="button" disabled={reorder.isPending || index === 0} onClick={() => move(p, -1)} aria-label={`Move ${p.title} up`}>
                              ↑
                            </button>
                            <button type="button" disabled={reorder.isPending || index === group.procedures.length - 1} onClick={() => move(p, 1)} aria-label={`Move ${p.title} down`}>
                              ↓
                            </button>
                          </>
                        )}
                        {mayManage && removable(p) && (
                          <button type="button" disabled={remove.isPending} onClick={() => { setOutcome(null); remove.mutate(p) }} aria-label={`Remove ${p.title}`}>
                            Remove
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </>
      )}
      {engagement.locked && <div className="muted small">The engagement is finalized: the program can no longer change.</div>}
      {writing && (
        <CustomProcedureDialog
          engagementId={engagement.id}
          areas={data?.areas ?? []}
          onClose={async (message) => {
            setWriting(false)
            if (message) {
              setOutcome(message)
              await refresh()
            }
          }}
        />
      )}
      {linking && (
        <RiskLinksDialog
          engagementId={engagement.id}
          procedure={linking}
          onClose={async (message) => {
            setLinking(null)
            if (message) {
              setOutcome(message)
              await refresh()
            }
          }}
        />
      )}
      {editing && (
        <ProcedureDialog
          engagementId={engagement.id}
          procedure={editing}
          members={members.map((m) => ({ id: m.user_id, label: m.display_name || m.email }))}
          onClose={async (message) => {
            setEditing(null)
            if (message) {
              setOutcome(message)
              await refresh()
            }
          }}
        />
      )}
    </div>
  )
}

function ProcedureDialog({
  engagementId,
  procedure,
  members,
  onClose,
}: {
  engagementId: string
  procedure: ProgramProcedure
  members: { id: string; label: string }[]
  onClose: (message: string | null) => void | Promise<void>
}) {
  const [status, setStatus] = useState<ProcedureStatus>(procedure.status)
  const [reason, setReason] = useState(procedure.na_reason ?? '')
  const [conclusion, setConclusion] = useState(procedure.conclusion)
  const [owner, setOwner] = useState(procedure.owner_id ?? '')
  const [papers, setPapers] = useState<string[]>(procedure.workpaper_node_ids)
  const [problems, setProblems] = useState<string[]>([])
  const binder = useQuery({
    queryKey: ['binder', engagementId, 'workpapers'],
    queryFn: async () => workpapersOf((await ok(api.GET('/api/engagements/{engagement_id}/binder', { params: { path: { engagement_id: engagementId } } }))).nodes),
  })
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/program/procedures/{procedure_id}', {
          params: { path: { engagement_id: engagementId, procedure_id: procedure.id } },
          body: {
            status,
            conclusion: conclusion.trim(),
            owner_id: owner || null,
            workpaper_node_ids: papers,
            ...(status === 'not_applicable' ? { na_reason: reason.trim() } : {}),
          } as ProcedureUpdate,
        }),
      ),
    onSuccess: () => onClose(`“${procedure.title}” was updated.`),
  })
  // Whether the chosen workpapers include a signed one is the API's to say; the form knows only those already linked.
  const signedNow = { ...procedure, signed_workpapers: procedure.signed_workpapers.filter((id) => papers.includes(id)) }
  return (
    <Dialog title={`Update “${procedure.title}”`} onClose={() => void onClose(null)}>
      <form
        className="form"
        aria-label={`Update ${procedure.title}`}
        onSubmit={(event) => {
          event.preventDefault()
          save.reset()
          const found = statusProblems(status, reason, conclusion, signedNow).filter(
            (problem) => !(problem.startsWith('Link a workpaper') && papers.some((id) => !procedure.workpaper_node_ids.includes(id))),
          )
          setProblems(found)
          if (!found.length) save.mutate()
        }}
      >
        {procedure.objective && <p className="muted">{procedure.objective}</p>}
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value as ProcedureStatus)}>
            {STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        {status === 'not_applicable' && (
          <label>
            Why it is not applicable
            <textarea value={reason} onChange={(e) => setReason(e.target.value)} rows={2} maxLength={4000} aria-describedby="na-hint" />
            <span id="na-hint" className="muted small">
              At least {MIN_NA_REASON} characters. {reason.trim().length} typed.
            </span>
          </label>
        )}
        <label>
          Owner
          <select value={owner} onChange={(e) => setOwner(e.target.value)}>
            <option value="">Unassigned</option>
            {members.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Workpapers</legend>
          {binder.isPending ? (
            <Loading label="Loading the binder…" />
          ) : (binder.data ?? []).length === 0 ? (
            <span className="muted small">The binder has no workpapers yet.</span>
          ) : (
            (binder.data ?? []).map((w) => (
              <label key={w.id} style={{ flexDirection: 'row', fontWeight: 400, gap: 6 }}>
                <input
                  type="checkbox"
                  checked={papers.includes(w.id)}
                  onChange={(e) => setPapers((now) => (e.target.checked ? [...now, w.id] : now.filter((id) => id !== w.id)))}
                />
                {w.label}
              </label>
            ))
          )}
        </fieldset>
        <label>
          Conclusion
          <textarea value={conclusion} onChange={(e) => setConclusion(e.target.value)} rows={3} maxLength={10000} />
        </label>
        <FormProblems problems={problems} />
        <ErrorMessage error={save.error} title="The procedure was not updated" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>{' '}
          <button type="button" onClick={() => void onClose(null)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  )
}

function LibraryPanel({ engagementId, mayAdd, onAdded }: { engagementId: string; mayAdd: boolean; onAdded: (title: string) => void }) {
  const [area, setArea] = useState('')
  const library = useQuery({
    queryKey: programKeys.library,
    queryFn: () => ok(api.GET('/api/firm/procedures', { params: { query: { include_hidden: false } } })),
  })
  const add = useMutation({
    mutationFn: (procedure: LibraryProcedure) =>
      ok(
        api.POST('/api/engagements/{engagement_id}/program/procedures', {
          params: { path: { engagement_id: engagementId } },
          body: { library_code: procedure.code, ...(area ? { area } : {}) } as ProcedureCreate,
        }),
      ),
    onSuccess: (_, procedure) => onAdded(procedure.title),
  })
  const shown = (library.data?.procedures ?? []).filter((p) => !area || p.areas.includes(area))
  return (
    <section className="panel" aria-labelledby="library-heading">
      <h2 id="library-heading">Procedure library</h2>
      {library.isPending ? (
        <Loading label="Loading the library…" />
      ) : library.isError ? (
        <ErrorMessage error={library.error} title="The library could not be loaded" />
      ) : (
        <>
          <label>
            Area{' '}
            <select value={area} onChange={(e) => setArea(e.target.value)}>
              <option value="">Every area</option>
              {(library.data?.areas ?? []).map((a) => (
                <option key={a.code} value={a.code}>
                  {a.label}
                </option>
              ))}
            </select>
          </label>
          <ErrorMessage error={add.error} title="The procedure was not added" />
          <table className="qc-policies" aria-label="Library procedures">
            <thead>
              <tr>
                <th scope="col">Procedure</th>
                <th scope="col">Assertions</th>
                <th scope="col">Nature</th>
                <th scope="col">Act</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((p) => (
                <tr key={p.code}>
                  <th scope="row" style={{ fontWeight: 400, background: 'none' }}>
                    {p.title}
                    <span className="qc-code">
                      {p.code}
                      {p.source === 'firm' ? ' · the firm’s own' : ''}
                    </span>
                    <div className="small muted">{p.objective}</div>
                  </th>
                  <td>{p.assertions.map((a) => a.replace(/_/g, ' ')).join(', ')}</td>
                  <td>{NATURE_LABELS[p.nature]}</td>
                  <td>
                    {mayAdd && (
                      <button type="button" disabled={add.isPending} onClick={() => add.mutate(p)} aria-label={`Add ${p.code} to the program`}>
                        Add
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
