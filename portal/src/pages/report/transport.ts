/**
 * The two report calls the typed client's middleware cannot make: the signature, whose 401 means
 * "wrong password" (the middleware would take it for an expired token, retry it and end the
 * session), and the PDF, read as a blob for the preview. Both send the session's token.
 */
import { ApiError, networkError, problemFrom } from '../../api/errors'
import { authorised, expire, refresh, session } from '../../auth/session'
import { TOKEN_CODES, type SignResult } from './report'

const base = (engagementId: string, reportId: string) =>
  `/api/engagements/${encodeURIComponent(engagementId)}/reports/${encodeURIComponent(reportId)}`

export const pdfUrl = (engagementId: string, reportId: string) => `${base(engagementId, reportId)}/pdf`

async function parse(response: Response): Promise<unknown> {
  const text = await response.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

async function send(url: string, init: RequestInit): Promise<Response> {
  const headers = new Headers(init.headers)
  if (session.token) headers.set('Authorization', `Bearer ${session.token}`)
  try {
    return await fetch(url, { ...init, headers })
  } catch (err) {
    throw networkError(err)
  }
}

/** Sign with the partner's password: the result, or an ApiError (401 = the password was wrong). */
export async function signReport(engagementId: string, reportId: string, password: string): Promise<SignResult> {
  const init: RequestInit = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }) }
  const url = `${base(engagementId, reportId)}/sign`
  let response = await send(url, init)
  let body = await parse(response)
  const tokenRefused = () => response.status === 401 && TOKEN_CODES.has(problemFrom(401, body).code)
  if (tokenRefused() && (await refresh())) {
    response = await send(url, init)
    body = await parse(response)
  }
  if (tokenRefused()) expire()
  if (!response.ok) throw new ApiError(response.status, problemFrom(response.status, body, response.statusText))
  return body as SignResult
}

/** The report's PDF as a blob (for the preview). */
export async function fetchPdf(engagementId: string, reportId: string): Promise<Blob> {
  const response = await authorised(() => send(pdfUrl(engagementId, reportId), { headers: { Accept: 'application/pdf' } }))
  if (!response.ok) throw new ApiError(response.status, problemFrom(response.status, await parse(response), response.statusText))
  const blob = await response.blob()
  return blob.type === 'application/pdf' ? blob : new Blob([blob], { type: 'application/pdf' })
}
