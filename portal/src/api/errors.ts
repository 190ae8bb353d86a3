/** The API's problem document (components.schemas.Problem), plus whatever extra members an error adds. */
export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  instance?: string | null
  correlation_id?: string | null
  errors?: { loc: (string | number)[]; msg: string; type: string }[] | null
  [extra: string]: unknown
}

/** An error answer of the API (RFC 9457 problem document), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title)
    this.name = 'ApiError'
    this.status = status
    this.problem = problem
  }

  get code(): string {
    return this.problem.code
  }

  /** Field errors as "where: what" lines (loc without the leading body/query). */
  get fieldErrors(): string[] {
    return (this.problem.errors ?? []).map((e) => {
      const where = e.loc.filter((part, i) => !(i === 0 && (part === 'body' || part === 'query'))).join('.')
      return where ? `${where}: ${e.msg}` : e.msg
    })
  }
}

export function problemFrom(status: number, body: unknown, statusText = ''): Problem {
  if (body && typeof body === 'object' && 'detail' in body && 'code' in body) return body as Problem
  return {
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    detail: typeof body === 'string' && body ? body.slice(0, 300) : statusText || `The server answered ${status}.`,
    code: `http_${status}`,
  }
}

export function networkError(err: unknown): ApiError {
  const detail = err instanceof Error ? err.message : String(err)
  return new ApiError(0, {
    type: 'about:blank',
    title: 'The server could not be reached',
    status: 0,
    detail: `The server could not be reached (${detail}). Check the connection and try again.`,
    code: 'network_error',
  })
}
