import { ApiError } from '../api/errors'

/** Any error, with everything the API said: its message, the fields it named and the correlation id. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null
  if (error instanceof ApiError) {
    const extra = error.problem
    const lines = error.fieldErrors
    return (
      <div className="error" role="alert">
        <strong>{title ?? extra.title}</strong>
        <div>{error.message}</div>
        {lines.length > 0 && (
          <ul>
            {lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        )}
        {extra.correlation_id && <div className="muted small">Reference {extra.correlation_id}</div>}
      </div>
    )
  }
  return (
    <div className="error" role="alert">
      <strong>{title ?? 'Something went wrong'}</strong>
      <div>{error instanceof Error ? error.message : String(error)}</div>
    </div>
  )
}

/** What a form found wrong before sending, as one alert; nothing when the list is empty. */
export function FormProblems({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null
  return (
    <div className="error" role="alert">
      <strong>Fix these first</strong>
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  )
}
