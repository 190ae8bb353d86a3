/**
 * The typed API client, generated from the API's OpenAPI document (src/api/schema.d.ts). Every call
 * carries the in-memory access token; a 401 triggers one refresh and one retry, then the session is
 * marked expired and the sign-in page asks the user to sign in again.
 */
import createClient, { type Middleware } from 'openapi-fetch'
import { expire, refresh, session } from '../auth/session'
import { ApiError, networkError, problemFrom } from './errors'
import type { paths } from './schema'

const retries = new WeakMap<Request, Request>()

const auth: Middleware = {
  onRequest({ request }) {
    if (session.token) request.headers.set('Authorization', `Bearer ${session.token}`)
    retries.set(request, request.clone())
    return request
  },
  async onResponse({ request, response }) {
    if (response.status !== 401) return response
    const again = retries.get(request)
    if (!again || !(await refresh()) || !session.token) {
      expire()
      return response
    }
    again.headers.set('Authorization', `Bearer ${session.token}`)
    const retried = await fetch(again)
    if (retried.status === 401) expire()
    return retried
  },
}

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  // Looked up per call, so the page always uses the current fetch (tests stub it).
  fetch: (request) => globalThis.fetch(request),
})
api.use(auth)

type Result<T> = { data?: T; error?: unknown; response: Response }

/** The data of a call, or an ApiError carrying the API's problem document. */
export async function ok<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>
  try {
    result = await call
  } catch (err) {
    throw networkError(err)
  }
  const { response } = result
  if (!response.ok) throw new ApiError(response.status, problemFrom(response.status, result.error, response.statusText))
  return result.data as T
}
