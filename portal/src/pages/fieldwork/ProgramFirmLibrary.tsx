/**
 * The firm's procedure library as those holding program.manage keep it: add the firm's own procedures,
 * edit or retire them, and hide the starter procedures the firm does not use (or show them again). Hidden
 * and retired procedures are listed too (include_hidden), so a change can be undone from the same table.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { Dialog } from '../../ui/Dialog'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { NATURE_LABELS, type Area, type LibraryProcedure } from './program'
import {
  ASSERTIONS,
  RISK_RESPONSES,
  assertionLabel,
  emptyLibraryDraft,
  libraryProblems,
  toggled,
  type AreaCode,
  type Assertion,
  type LibraryDraft,
  type Nature,
  type RiskResponse,
} from './procedureLibrary'

type LibraryCreate = components['schemas']['LibraryProcedureCreate']
type LibraryUpdate = components['schemas']['LibraryProcedureUpdate']

const LIBRARY = ['firm', 'procedures'] as const
const rowLabel = { flexDirection: 'row', fontWeight: 400, gap: 6 } as const

function stateOf(p: LibraryProcedure): string {
  if (p.source === 'starter') return p.hidden ? 'Hidden' : 'Offered'
  return p.retired ? 'Retired' : 'Offered'
}

/** The library with its hidden and retired procedures, and the actions that keep it. */
export function ProgramFirmLibrary() {
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState<LibraryProcedure | 'new' | null>(null)
  const [outcome, setOutcome] = useState<string | null>(null)
  const library = useQuery({
    queryKey: [...LIBRARY, 'all'],
    queryFn: () => ok(api.GET('/api/firm/procedures', { params: { query: { include_hidden: true } } })),
  })
  // Every view of the library (the add-to-program list too) shows the change.
  const refresh = () => queryClient.invalidateQueries({ queryKey: LIBRARY })
  const visibility = useMutation({
    mutationFn: (p: LibraryProcedure) => ok(api.PUT('/api/firm/procedures/starter-visibility', { body: { code: p.code, hidden: !p.hidden } })),
    onSuccess: async (p) => {
      setOutcome(p.hidden ? `${p.code} is hidden from the library and generated programs.` : `${p.code} is offered again.`)
      await refresh()
    },
  })
  const retire = useMutation({
    mutationFn: (p: LibraryProcedure) =>
      ok(api.PATCH('/api/firm/procedures/{procedure_id}', { params: { path: { procedure_id: p.id! } }, body: { retired: !p.retired } as LibraryUpdate })),
    onSuccess: async (p) => {
      setOutcome(p.retired ? `${p.code} is retired: it is no longer offered.` : `${p.code} is offered again.`)
      await refresh()
    },
  })
  const busy = visibility.isPending || retire.isPending
  return (
    <section className="panel" aria-labelledby="firm-library-heading">
      <h2 id="firm-library-heading">The firm’s procedure library</h2>
      <div className="form-actions">
        <button type="button" onClick={() => { setOutcome(null); setEditing('new') }}>
          Add a procedure of the firm’s own…
        </button>
      </div>
      <ErrorMessage error={visibility.error} title="The starter procedure was not changed" />
      <ErrorMessage error={retire.error} title="The procedure was not changed" />
      {outcome && (
        <div className="notice" role="status">
          {outcome}
        </div>
      )}
      {library.isPending ? (
        <Loading label="Loading the library…" />
      ) : library.isError ? (
        <ErrorMessage error={library.error} title="The library could not be loaded" />
      ) : (
        <table className="qc-policies" aria-label="The firm’s library">
          <thead>
            <tr>
              <th scope="col">Procedure</th>
              <th scope="col">Areas</th>
              <th scope="col">State</th>
              <th scope="col">Act</th>
            </tr>
          </thead>
          <tbody>
            {library.data.procedures.map((p) => (
              <tr key={p.code}>
                <th scope="row" style={{ fontWeight: 400, background: 'none' }}>
                  {p.title}
                  <span className="qc-code">
                    {p.code} · {p.source === 'firm' ? 'the firm’s own' : 'starter'}
                  </span>
                </th>
                <td>{p.areas.map((code) => library.data.areas.find((a) => a.code === code)?.label ?? code).join(', ')}</td>
                <td>{stateOf(p)}</td>
                <td>
                  {p.source === 'starter' ? (
                    <button type="button" disabled={busy} onClick={() => { setOutcome(null); visibility.mutate(p) }} aria-label={`${p.hidden ? 'Show' : 'Hide'} ${p.code}`}>
                      {p.hidden ? 'Show' : 'Hide'}
                    </button>
                  ) : (
                    <>
                      <button type="button" onClick={() => { setOutcome(null); setEditing(p) }} aria-label={`Edit ${p.code}`}>
                        Edit…
                      </button>{' '}
                      <button type="button" disabled={busy} onClick={() => { setOutcome(null); retire.mutate(p) }} aria-label={`${p.retired ? 'Restore' : 'Retire'} ${p.code}`}>
                        {p.retired ? 'Restore' : 'Retire'}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <LibraryProcedureDialog
          procedure={editing === 'new' ? null : editing}
          areas={library.data?.areas ?? []}
          onClose={async (message) => {
            setEditing(null)
            if (message) {
              setOutcome(message)
              await refresh()
            }
          }}
        />
      )}
    </section>
  )
}

function draftOf(p: LibraryProcedure): LibraryDraft {
  return {
    code: p.code,
    title: p.title,
    objective: p.objective,
    assertions: p.assertions as Assertion[],
    areas: p.areas as AreaCode[],
    risk_responses: p.risk_responses as RiskResponse[],
    nature: p.nature,
  }
}

/** The form of a firm procedure: new (with its code) or edited (the code stays). */
function LibraryProcedureDialog({
  procedure,
  areas,
  onClose,
}: {
  procedure: LibraryProcedure | null
  areas: readonly Area[]
  onClose: (message: string | null) => void | Promise<void>
}) {
  const [draft, setDraft] = useState<LibraryDraft>(procedure ? draftOf(procedure) : emptyLibraryDraft())
  const [problems, setProblems] = useState<string[]>([])
  const set = (changes: Partial<LibraryDraft>) => setDraft((now) => ({ ...now, ...changes }))
  const fields = () => ({
    title: draft.title.trim(),
    objective: draft.objective.trim(),
    assertions: draft.assertions,
    areas: draft.areas,
    risk_responses: draft.risk_responses,
    nature: draft.nature as Nature,
  })
  const save = useMutation({
    mutationFn: () =>
      procedure
        ? ok(api.PATCH('/api/firm/procedures/{procedure_id}', { params: { path: { procedure_id: procedure.id! } }, body: fields() as LibraryUpdate }))
        : ok(api.POST('/api/firm/procedures', { body: { code: draft.code.trim(), ...fields() } as LibraryCreate })),
    onSuccess: (saved) => onClose(procedure ? `${saved.code} was updated.` : `${saved.code} was added to the firm’s library.`),
  })
  const title = procedure ? `Edit ${procedure.code}` : 'Add a procedure of the firm’s own'
  return (
    <Dialog title={title} onClose={() => void onClose(null)}>
      <form
        className="form"
        aria-label={title}
        onSubmit={(event) => {
          event.preventDefault()
          save.reset()
          const found = libraryProblems(draft, !procedure)
          setProblems(found)
          if (!found.length) save.mutate()
        }}
      >
        {!procedure && (
          <label>
            Code
            <input value={draft.code} onChange={(e) => set({ code: e.target.value })} maxLength={40} placeholder="F-CASH-01" />
          </label>
        )}
        <label>
          Title
          <input value={draft.title} onChange={(e) => set({ title: e.target.value })} maxLength={300} />
        </label>
        <label>
          Objective
          <textarea value={draft.objective} onChange={(e) => set({ objective: e.target.value })} rows={3} maxLength={10000} />
        </label>
        <label>
          Nature
          <select value={draft.nature} onChange={(e) => set({ nature: e.target.value as Nature | '' })}>
            <option value="">Choose…</option>
            {Object.entries(NATURE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Account areas</legend>
          {areas.map((a) => (
            <label key={a.code} style={rowLabel}>
              <input
                type="checkbox"
                checked={draft.areas.includes(a.code as AreaCode)}
                onChange={(e) => set({ areas: toggled(draft.areas, a.code as AreaCode, e.target.checked) })}
              />
              {a.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Assertions</legend>
          {ASSERTIONS.map((a) => (
            <label key={a} style={rowLabel}>
              <input type="checkbox" checked={draft.assertions.includes(a)} onChange={(e) => set({ assertions: toggled(draft.assertions, a, e.target.checked) })} />
              {assertionLabel(a)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Risk responses it suits</legend>
          {RISK_RESPONSES.map((r) => (
            <label key={r.value} style={rowLabel}>
              <input type="checkbox" checked={draft.risk_responses.includes(r.value)} onChange={(e) => set({ risk_responses: toggled(draft.risk_responses, r.value, e.target.checked) })} />
              {r.label}
            </label>
          ))}
        </fieldset>
        <FormProblems problems={problems} />
        <ErrorMessage error={save.error} title="The library procedure was not saved" />
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
