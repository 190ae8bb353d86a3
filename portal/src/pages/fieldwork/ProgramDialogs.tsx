/**
 * The dialogs that change the program's shape (program.manage): a procedure written for this engagement
 * alone, and which risks of the register a procedure answers. The API decides coverage; these only send.
 */
import { useMutation, useQuery } from '@tanstack/react-query'
import { useState } from 'react'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import { Dialog } from '../../ui/Dialog'
import { ErrorMessage, FormProblems } from '../../ui/ErrorMessage'
import { Loading } from '../../ui/States'
import { MAX_PAGE_SIZE } from '../engagements/useClients'
import { NATURE_LABELS, type Area, type ProgramProcedure } from './program'
import { ASSERTIONS, assertionLabel, customProblems, riskLabel, toggled, type Assertion, type AreaCode, type CustomDraft, type Nature } from './procedureLibrary'

type ProcedureCreate = components['schemas']['ProgramProcedureCreate']
type ProcedureUpdate = components['schemas']['ProgramProcedureUpdate']

const rowLabel = { flexDirection: 'row', fontWeight: 400, gap: 6 } as const

/** The engagement's risk register, every risk (the program links any of them). */
function useRisks(engagementId: string) {
  return useQuery({
    queryKey: ['engagement', engagementId, 'risks', 'all'],
    queryFn: async () =>
      (await ok(api.GET('/api/engagements/{engagement_id}/risks', { params: { path: { engagement_id: engagementId }, query: { page: 1, page_size: MAX_PAGE_SIZE } } })))
        .items,
  })
}

/** Write a procedure of the engagement's own into its program, optionally answering risks at once. */
export function CustomProcedureDialog({
  engagementId,
  areas,
  onClose,
}: {
  engagementId: string
  areas: readonly Area[]
  onClose: (message: string | null) => void | Promise<void>
}) {
  const [draft, setDraft] = useState<CustomDraft>({ title: '', objective: '', area: '', nature: '', assertions: [] })
  const [problems, setProblems] = useState<string[]>([])
  const set = (changes: Partial<CustomDraft>) => setDraft((now) => ({ ...now, ...changes }))
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.POST('/api/engagements/{engagement_id}/program/procedures', {
          params: { path: { engagement_id: engagementId } },
          body: {
            title: draft.title.trim(),
            objective: draft.objective.trim(),
            area: draft.area as AreaCode,
            nature: draft.nature as Nature,
            assertions: draft.assertions,
          } as ProcedureCreate,
        }),
      ),
    onSuccess: (created) => onClose(`“${created.title}” was written into the program.`),
  })
  return (
    <Dialog title="Write a procedure" onClose={() => void onClose(null)}>
      <form
        className="form"
        aria-label="Write a procedure"
        onSubmit={(event) => {
          event.preventDefault()
          save.reset()
          const found = customProblems(draft)
          setProblems(found)
          if (!found.length) save.mutate()
        }}
      >
        <label>
          Title
          <input value={draft.title} onChange={(e) => set({ title: e.target.value })} maxLength={300} />
        </label>
        <label>
          Objective
          <textarea value={draft.objective} onChange={(e) => set({ objective: e.target.value })} rows={3} maxLength={10000} />
        </label>
        <label>
          Account area
          <select value={draft.area} onChange={(e) => set({ area: e.target.value as AreaCode | '' })}>
            <option value="">Choose…</option>
            {areas.map((a) => (
              <option key={a.code} value={a.code}>
                {a.label}
              </option>
            ))}
          </select>
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
          <legend>Assertions</legend>
          {ASSERTIONS.map((a) => (
            <label key={a} style={rowLabel}>
              <input type="checkbox" checked={draft.assertions.includes(a)} onChange={(e) => set({ assertions: toggled<Assertion>(draft.assertions, a, e.target.checked) })} />
              {assertionLabel(a)}
            </label>
          ))}
        </fieldset>
        <FormProblems problems={problems} />
        <ErrorMessage error={save.error} title="The procedure was not added" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Adding…' : 'Add to the program'}
          </button>{' '}
          <button type="button" onClick={() => void onClose(null)}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  )
}

/** Link or unlink the risks of the register a procedure answers. */
export function RiskLinksDialog({
  engagementId,
  procedure,
  onClose,
}: {
  engagementId: string
  procedure: ProgramProcedure
  onClose: (message: string | null) => void | Promise<void>
}) {
  const [chosen, setChosen] = useState<string[]>(procedure.risk_ids)
  const risks = useRisks(engagementId)
  const save = useMutation({
    mutationFn: () =>
      ok(
        api.PATCH('/api/engagements/{engagement_id}/program/procedures/{procedure_id}', {
          params: { path: { engagement_id: engagementId, procedure_id: procedure.id } },
          // A linked risk since deleted from the register is dropped: the API accepts only risks that exist.
          body: { risk_ids: chosen.filter((id) => (risks.data ?? []).some((risk) => risk.id === id)) } as ProcedureUpdate,
        }),
      ),
    onSuccess: () => onClose(`The risks “${procedure.title}” answers were saved.`),
  })
  const register = risks.data ?? []
  return (
    <Dialog title={`Risks “${procedure.title}” answers`} onClose={() => void onClose(null)}>
      <form
        className="form"
        aria-label={`Risks ${procedure.title} answers`}
        onSubmit={(event) => {
          event.preventDefault()
          save.mutate()
        }}
      >
        <fieldset>
          <legend>The risk register</legend>
          {risks.isPending ? (
            <Loading label="Loading the risk register…" />
          ) : risks.isError ? (
            <ErrorMessage error={risks.error} title="The risk register could not be loaded" />
          ) : register.length === 0 ? (
            <span className="muted small">The risk register has no risks yet.</span>
          ) : (
            register.map((risk) => (
              <label key={risk.id} style={rowLabel}>
                <input type="checkbox" checked={chosen.includes(risk.id)} onChange={(e) => setChosen((now) => toggled(now, risk.id, e.target.checked))} />
                <span>
                  {riskLabel(risk)}
                  {risk.description && <span className="small muted"> — {risk.description}</span>}
                </span>
              </label>
            ))
          )}
        </fieldset>
        <ErrorMessage error={save.error} title="The risk links were not saved" />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={save.isPending || risks.isPending}>
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
