import { useMutation } from '@tanstack/react-query'
import { useMemo, useState, type FormEvent } from 'react'
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import type { components } from '../../api/schema'
import { Dialog, DialogActions } from '../../ui/Dialog'
import { ErrorMessage } from '../../ui/ErrorMessage'
import { humanize } from '../../ui/format'
import { buildRerun, fieldKey, fieldsOf, initialValue, parseField, type FieldValue, type ParamField } from './params'
import { TEST_CODES, testName, type Run, type TestCode } from './shared'

const INPUT_TYPE: Record<string, string> = { integer: 'number', number: 'number', date: 'date' }

function hint(field: ParamField): string | undefined {
  if (field.kind === 'list') return field.itemKind === 'date' ? 'comma-separated dates (YYYY-MM-DD)' : 'comma-separated'
  if (field.kind === 'optional') return 'empty: the default'
  if (field.kind === 'decimal') return 'a number, e.g. 1000 or 0.5'
  return undefined
}

/** Field errors of a refused run, keyed "test.name" (the API names body.parameters.<test>.<field>). */
function apiFieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!(error instanceof ApiError)) return out
  for (const e of error.problem.errors ?? []) {
    const loc = e.loc.map(String)
    const at = loc.indexOf('parameters')
    if (at >= 0 && loc.length >= at + 3) out[`${loc[at + 1]}.${loc[at + 2]}`] = e.msg
  }
  return out
}

/**
 * A new run with other tests or parameters: the chosen tests (all by default) and each one's parameters,
 * prefilled from the run shown; each chosen test is sent with all its parameters, so what is not changed
 * stays as it was in this run.
 */
export function RerunDialog({ run, engagementId, onClose, onStarted }: { run: Run; engagementId: string; onClose: () => void; onStarted: (runId: string) => void }) {
  const byCode = useMemo(() => new Map(run.tests.map((t) => [t.code, t])), [run.tests])
  const fields = useMemo(() => run.tests.flatMap((t) => fieldsOf(t.code, t.parameters)), [run.tests])
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(TEST_CODES))
  const [values, setValues] = useState<Record<string, FieldValue>>({})
  const [problem, setProblem] = useState<string | null>(null)

  const start = useMutation({
    mutationFn: (body: components['schemas']['RunCreate']) =>
      ok(api.POST('/api/engagements/{engagement_id}/je-tests', { params: { path: { engagement_id: engagementId } }, body })),
    onSuccess: (accepted) => onStarted(accepted.run_id),
  })
  const serverErrors = apiFieldErrors(start.error)

  const toggle = (code: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current)
      if (on) next.add(code)
      else next.delete(code)
      return next
    })

  const onSubmit = (event: FormEvent) => {
    event.preventDefault()
    const tests = TEST_CODES.filter((code) => chosen.has(code))
    if (tests.length === 0) {
      setProblem('Choose at least one test to run.')
      return
    }
    const request = buildRerun(tests, fields, values)
    const bad = Object.keys(request.errors)
    if (bad.length > 0) {
      setProblem(`Correct ${bad.length === 1 ? 'the parameter' : `the ${bad.length} parameters`} marked below before starting the run.`)
      return
    }
    setProblem(null)
    const parameters = Object.keys(request.parameters).length ? (request.parameters as unknown as components['schemas']['RunParameters']) : null
    start.mutate({ tests: request.tests as TestCode[], parameters })
  }

  return (
    <Dialog title="Run again with changes" onClose={onClose}>
      <form className="je-rerun" onSubmit={onSubmit} noValidate>
        <p className="muted small">
          Choose the tests to run on general ledger v{run.dataset_version} and change their parameters. The values shown are this run's,
          and what you leave unchanged stays as it was in this run.
        </p>
        <div className="je-actions">
          <button type="button" onClick={() => setChosen(new Set(TEST_CODES))}>
            Select all tests
          </button>
          <button type="button" onClick={() => setChosen(new Set())}>
            Clear selection
          </button>
          <span className="muted small">
            {chosen.size} of {TEST_CODES.length} tests chosen
          </span>
        </div>
        <div className="je-rerun-tests">
          {TEST_CODES.map((code) => {
            const on = chosen.has(code)
            const own = fields.filter((f) => f.test === code)
            const result = byCode.get(code)
            return (
              <fieldset key={code}>
                <legend>
                  <label>
                    <input type="checkbox" checked={on} onChange={(e) => toggle(code, e.target.checked)} />
                    {testName(code)}
                  </label>
                </legend>
                {on && (
                  <>
                    {result?.title && <div className="muted small">{result.title}</div>}
                    {!result && <div className="muted small">Not in this run: it runs with its defaults.</div>}
                    {result && own.length === 0 && <div className="muted small">No parameters.</div>}
                    {own.length > 0 && (
                      <div className="je-rerun-fields">
                        {own.map((field) => (
                          <ParamInput
                            key={fieldKey(field)}
                            field={field}
                            value={values[fieldKey(field)] ?? initialValue(field)}
                            serverError={serverErrors[fieldKey(field)]}
                            onChange={(value) => setValues((current) => ({ ...current, [fieldKey(field)]: value }))}
                          />
                        ))}
                      </div>
                    )}
                  </>
                )}
              </fieldset>
            )
          })}
        </div>
        {problem && (
          <div className="error" role="alert">
            {problem}
          </div>
        )}
        <ErrorMessage error={start.error} title="The run could not be started" />
        <DialogActions label="Start run" busyLabel="Starting…" busy={start.isPending} onCancel={onClose} className="je-actions" />
      </form>
    </Dialog>
  )
}

function ParamInput({ field, value, serverError, onChange }: { field: ParamField; value: FieldValue; serverError?: string; onChange: (value: FieldValue) => void }) {
  const id = `je-param-${field.test}-${field.name}`
  const parsed = parseField(field, value)
  const error = !parsed.ok ? parsed.error : serverError
  const help = hint(field)
  if (field.kind === 'boolean') {
    return (
      <label className="je-check">
        <input type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />
        {humanize(field.name)}
      </label>
    )
  }
  return (
    <div className="je-field">
      <label htmlFor={id}>{humanize(field.name)}</label>
      <input
        id={id}
        type={INPUT_TYPE[field.kind] ?? 'text'}
        inputMode={field.kind === 'decimal' || field.kind === 'optional' ? 'decimal' : undefined}
        step={field.kind === 'integer' ? 1 : field.kind === 'number' ? 'any' : undefined}
        value={String(value)}
        placeholder={field.kind === 'optional' ? 'default' : undefined}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error || help ? `${id}-note` : undefined}
      />
      {error ? (
        <span className="je-field-error" id={`${id}-note`}>
          {error}
        </span>
      ) : (
        help && (
          <span className="muted small" id={`${id}-note`}>
            {help}
          </span>
        )
      )}
    </div>
  )
}
