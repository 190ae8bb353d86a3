import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { api, ok } from '../../api/client'
import { CodeOptions } from '../../ui/CodeOptions'
import { type Column, DataTable } from '../../ui/DataTable'
import { Dialog, DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { Loading, PageHeader } from '../../ui/States'
import { humanize } from '../../ui/format'
import { useEngagement, useEngagementCan } from '../engagements/context'
import {
  ASSERTIONS,
  ASSERTION_LABELS,
  LEVELS,
  LEVEL_LABELS,
  filterRisks,
  riskBody,
  riskForm,
  rmmMatrix,
  type Level,
  type RiskFilter,
  type RiskForm,
  type RiskRead,
} from './planning'
import './planning.css'

const riskKeys = {
  all: (engagementId: string) => ['planning', engagementId, 'risks'] as const,
  workpapers: (engagementId: string) => ['planning', engagementId, 'workpapers'] as const,
}

type Workpaper = { id: string; index_code: string | null; title: string }

/** The binder's workpapers, which a risk's procedures link to. */
function useWorkpapers(engagementId: string, enabled: boolean) {
  return useQuery({
    queryKey: riskKeys.workpapers(engagementId),
    enabled,
    queryFn: async () => {
      const tree = await ok(api.GET('/api/engagements/{engagement_id}/binder', { params: { path: { engagement_id: engagementId } } }))
      const out: Workpaper[] = []
      const walk = (nodes: typeof tree.nodes) => {
        for (const node of nodes) {
          if (node.kind === 'workpaper') out.push({ id: node.id, index_code: node.index_code, title: node.title })
          walk(node.children)
        }
      }
      walk(tree.nodes)
      return out
    },
  })
}

const label = (w: { index_code: string | null; title: string }) => (w.index_code ? `${w.index_code} ${w.title}` : w.title)

/** The risk register: the RMM matrix (inherent by control risk), fraud and significant risks, and their procedures. */
export function Risks() {
  const { engagement } = useEngagement()
  const can = useEngagementCan()
  const mayChange = can('engagement.update') && !engagement.locked
  const risks = useQuery({
    queryKey: riskKeys.all(engagement.id),
    queryFn: () =>
      ok(api.GET('/api/engagements/{engagement_id}/risks', { params: { path: { engagement_id: engagement.id }, query: { page: 1, page_size: 500 } } })),
  })
  const [filter, setFilter] = useState<RiskFilter>({ cell: null, fraudOnly: false, significantOnly: false })
  const [editing, setEditing] = useState<RiskRead | 'new' | null>(null)
  const all = risks.data?.items ?? []
  const shown = filterRisks(all, filter)
  const base = `/engagements/${engagement.id}`

  const columns: Column<RiskRead>[] = [
    { key: 'area', header: 'Area', sortValue: (r) => r.area, render: (r) => r.area },
    { key: 'assertion', header: 'Assertion', sortValue: (r) => r.assertion, render: (r) => ASSERTION_LABELS[r.assertion] },
    { key: 'description', header: 'Risk', render: (r) => <span className="planning-wrap">{r.description}</span> },
    { key: 'ir', header: 'Inherent', render: (r) => LEVEL_LABELS[r.inherent_risk] },
    { key: 'cr', header: 'Control', render: (r) => LEVEL_LABELS[r.control_risk] },
    {
      key: 'rmm',
      header: 'RMM',
      sortValue: (r) => LEVELS.indexOf(r.rmm),
      render: (r) => <span className={`badge badge-${r.rmm}`}>{LEVEL_LABELS[r.rmm]}</span>,
    },
    {
      key: 'flags',
      header: 'Flags',
      render: (r) => (
        <>
          {r.fraud_risk && <span className="badge badge-fraud">fraud</span>} {r.significant_risk && <span className="badge">significant</span>}
        </>
      ),
    },
    {
      key: 'response',
      header: 'Planned response',
      render: (r) => (
        <span className="planning-wrap small">
          {humanize(r.response.nature)}, {r.response.extent} extent, {humanize(r.response.timing)}
          {r.response.unpredictability ? ', unpredictability' : ''}
        </span>
      ),
    },
    {
      key: 'procedures',
      header: 'Procedures',
      render: (r) =>
        r.procedures.length === 0 ? (
          <span className="muted">none linked</span>
        ) : (
          <span className="planning-wrap">
            {r.procedures.map((p, i) => (
              <span key={p.node_id}>
                {i > 0 && ', '}
                <Link to={`${base}/binder/${p.node_id}`} onClick={(e) => e.stopPropagation()}>
                  {label(p)}
                </Link>
              </span>
            ))}
          </span>
        ),
    },
  ]

  return (
    <div className="planning-page">
      <PageHeader title="Risk assessment">
        {mayChange && (
          <button type="button" className="primary" onClick={() => setEditing('new')}>
            Add a risk
          </button>
        )}
      </PageHeader>
      {risks.isPending ? (
        <Loading label="Loading the risk register…" />
      ) : risks.isError ? (
        <ErrorMessage error={risks.error} title="The risk register could not be loaded" />
      ) : (
        <>
          <div className="planning-grid" style={{ gridTemplateColumns: 'max-content minmax(0, 1fr)' }}>
            <section className="panel" aria-labelledby="rmm-heading">
              <h2 id="rmm-heading">Risk of material misstatement</h2>
              <Matrix risks={all} selected={filter.cell} onSelect={(cell) => setFilter((f) => ({ ...f, cell }))} />
              <div className="muted small">Inherent risk down, control risk across; choose a cell to list its risks.</div>
            </section>
            <section className="panel" aria-labelledby="register-summary">
              <h2 id="register-summary">Summary</h2>
              <dl className="planning-figures">
                <div>
                  <dt>Risks assessed</dt>
                  <dd>{all.length}</dd>
                </div>
                <div>
                  <dt>Fraud risks</dt>
                  <dd>{all.filter((r) => r.fraud_risk).length}</dd>
                </div>
                <div>
                  <dt>Significant risks</dt>
                  <dd>{all.filter((r) => r.significant_risk).length}</dd>
                </div>
                <div>
                  <dt>Without a procedure</dt>
                  <dd>{all.filter((r) => r.procedures.length === 0).length}</dd>
                </div>
              </dl>
              <div className="planning-checks">
                <label>
                  <input type="checkbox" checked={filter.fraudOnly} onChange={(e) => setFilter((f) => ({ ...f, fraudOnly: e.target.checked }))} />
                  Fraud risks only
                </label>
                <label>
                  <input type="checkbox" checked={filter.significantOnly} onChange={(e) => setFilter((f) => ({ ...f, significantOnly: e.target.checked }))} />
                  Significant risks only
                </label>
                {filter.cell && (
                  <button type="button" className="link" onClick={() => setFilter((f) => ({ ...f, cell: null }))}>
                    Show every cell
                  </button>
                )}
              </div>
            </section>
          </div>
          <DataTable
            rows={shown}
            columns={columns}
            rowKey={(r) => r.id}
            onOpen={mayChange ? (r) => setEditing(r) : undefined}
            caption={`${shown.length} of ${all.length} risks${mayChange ? ' · Enter or click a row to change it' : ''}`}
            empty={all.length === 0 ? 'No risk has been assessed yet.' : 'No risk matches the filter.'}
          />
        </>
      )}
      {editing && <RiskDialog engagementId={engagement.id} risk={editing === 'new' ? undefined : editing} onClose={() => setEditing(null)} />}
    </div>
  )
}

function Matrix({
  risks,
  selected,
  onSelect,
}: {
  risks: readonly RiskRead[]
  selected: RiskFilter['cell']
  onSelect: (cell: { inherent: Level; control: Level } | null) => void
}) {
  const rows = rmmMatrix(risks)
  return (
    <table className="rmm" aria-label="RMM matrix">
      <thead>
        <tr>
          <th scope="col">Inherent \ Control</th>
          {LEVELS.map((l) => (
            <th key={l} scope="col">
              {LEVEL_LABELS[l]}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row[0].inherent}>
            <th scope="row">{LEVEL_LABELS[row[0].inherent]}</th>
            {row.map((cell) => {
              const pressed = selected?.inherent === cell.inherent && selected.control === cell.control
              return (
                <td key={cell.control} className={cell.rmm ? `rmm-${cell.rmm}` : undefined}>
                  <button
                    type="button"
                    aria-pressed={pressed}
                    aria-label={`Inherent ${cell.inherent}, control ${cell.control}: ${cell.risks.length} risks${cell.rmm ? `, RMM ${cell.rmm}` : ''}`}
                    onClick={() => onSelect(pressed ? null : { inherent: cell.inherent, control: cell.control })}
                    style={{ background: 'transparent' }}
                  >
                    <span className="rmm-count">{cell.risks.length}</span>
                    <span className="rmm-note">
                      {cell.rmm ? `RMM ${cell.rmm}` : ' '}
                      {cell.fraud > 0 ? ` · ${cell.fraud} fraud` : ''}
                    </span>
                  </button>
                </td>
              )
            })}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function RiskDialog({ engagementId, risk, onClose }: { engagementId: string; risk?: RiskRead; onClose: () => void }) {
  const queryClient = useQueryClient()
  const [form, setForm] = useState<RiskForm>(() => riskForm(risk))
  const workpapers = useWorkpapers(engagementId, true)
  const set = <K extends keyof RiskForm>(key: K, value: RiskForm[K]) => setForm((f) => ({ ...f, [key]: value }))
  const done = async () => {
    await queryClient.invalidateQueries({ queryKey: riskKeys.all(engagementId) })
    onClose()
  }
  const save = useMutation({
    mutationFn: () =>
      risk
        ? ok(
            api.PATCH('/api/engagements/{engagement_id}/risks/{risk_id}', {
              params: { path: { engagement_id: engagementId, risk_id: risk.id } },
              body: riskBody(form),
            }),
          )
        : ok(api.POST('/api/engagements/{engagement_id}/risks', { params: { path: { engagement_id: engagementId } }, body: riskBody(form) })),
    onSuccess: done,
  })
  const remove = useMutation({
    mutationFn: () =>
      ok(api.DELETE('/api/engagements/{engagement_id}/risks/{risk_id}', { params: { path: { engagement_id: engagementId, risk_id: risk!.id } } })),
    onSuccess: done,
  })
  const options: Workpaper[] = [...(workpapers.data ?? [])]
  for (const p of risk?.procedures ?? []) if (!options.some((o) => o.id === p.node_id)) options.push({ id: p.node_id, index_code: p.index_code, title: p.title })
  const toggle = (id: string, on: boolean) => set('procedures', on ? [...form.procedures, id] : form.procedures.filter((p) => p !== id))
  return (
    <Dialog title={risk ? 'Change the risk' : 'Add a risk'} onClose={onClose}>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault()
          save.mutate()
        }}
      >
        <div className="form-row">
          <label>
            Account or area
            <input value={form.area} onChange={(e) => set('area', e.target.value)} required maxLength={200} />
          </label>
          <label>
            Assertion
            <select value={form.assertion} onChange={(e) => set('assertion', e.target.value as RiskForm['assertion'])}>
              <CodeOptions codes={ASSERTIONS} label={(a) => ASSERTION_LABELS[a]} />
            </select>
          </label>
        </div>
        <label>
          Description
          <textarea value={form.description} onChange={(e) => set('description', e.target.value)} required maxLength={10000} rows={3} />
        </label>
        <div className="form-row">
          <label>
            Inherent risk
            <select value={form.inherent} onChange={(e) => set('inherent', e.target.value as Level)}>
              <CodeOptions codes={LEVELS} label={(l) => LEVEL_LABELS[l]} />
            </select>
          </label>
          <label>
            Control risk
            <select value={form.control} onChange={(e) => set('control', e.target.value as Level)}>
              <CodeOptions codes={LEVELS} label={(l) => LEVEL_LABELS[l]} />
            </select>
          </label>
        </div>
        <div className="planning-checks">
          <label>
            <input type="checkbox" checked={form.fraud} onChange={(e) => set('fraud', e.target.checked)} />
            Fraud risk
          </label>
          <label>
            <input type="checkbox" checked={form.significant} onChange={(e) => set('significant', e.target.checked)} />
            Significant risk
          </label>
        </div>
        <fieldset style={{ border: 'none', padding: 0, margin: 0 }}>
          <legend>Procedures (binder workpapers)</legend>
          {workpapers.isPending ? (
            <Loading label="Loading the binder…" />
          ) : workpapers.isError ? (
            <ErrorMessage error={workpapers.error} title="The binder could not be loaded" />
          ) : options.length === 0 ? (
            <div className="muted small">The binder has no workpaper yet.</div>
          ) : (
            <div className="planning-procedures">
              {options.map((w) => (
                <label key={w.id} className="planning-check">
                  <input type="checkbox" checked={form.procedures.includes(w.id)} onChange={(e) => toggle(w.id, e.target.checked)} />
                  {label(w)}
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <ErrorMessage error={save.error} title="The risk was not saved" />
        <ErrorMessage error={remove.error} title="The risk was not removed" />
        <DialogActions label={risk ? 'Save changes' : 'Add risk'} busyLabel="Saving…" busy={save.isPending} onCancel={onClose} />
        {risk && (
          <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
            Remove this risk
          </button>
        )}
      </form>
    </Dialog>
  )
}
