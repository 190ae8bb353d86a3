/**
 * The browser session. The access token lives only in this module's memory; the refresh token is
 * an httpOnly cookie set by /api/auth/session that script never sees. Refreshes are serialised
 * across tabs (Web Locks), because the API revokes a whole session when a spent refresh token is
 * presented again.
 */
import createClient from 'openapi-fetch'
import { ApiError, networkError, problemFrom } from '../api/errors'
import type { paths } from '../api/schema'

export type SessionStatus = 'unknown' | 'signedOut' | 'signedIn' | 'expired'

type Listener = (status: SessionStatus) => void

const authApi = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
  fetch: (request) => globalThis.fetch(request),
})
const CSRF = { 'X-Requested-With': 'aura-portal' }

let accessToken: string | null = null
let status: SessionStatus = 'unknown'
let refreshTimer: ReturnType<typeof setTimeout> | undefined
let inflight: Promise<boolean> | null = null
const listeners = new Set<Listener>()

function setStatus(next: SessionStatus): void {
  status = next
  listeners.forEach((listener) => listener(next))
}

function accept(token: string, expiresIn: number): void {
  accessToken = token
  clearTimeout(refreshTimer)
  // Renew a minute before expiry (at least 10 s from now) so a working user never sees a 401.
  const delay = Math.max(10, expiresIn - 60) * 1000
  refreshTimer = setTimeout(() => void refresh(), delay)
  setStatus('signedIn')
}

function forget(next: SessionStatus): void {
  accessToken = null
  clearTimeout(refreshTimer)
  setStatus(next)
}

export const session = {
  get token(): string | null {
    return accessToken
  },
  get status(): SessionStatus {
    return status
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

export async function signIn(email: string, password: string): Promise<void> {
  let result
  try {
    result = await authApi.POST('/api/auth/session', { body: { email, password } })
  } catch (err) {
    throw networkError(err)
  }
  if (!result.data) throw new ApiError(result.response.status, problemFrom(result.response.status, result.error))
  accept(result.data.access_token, result.data.expires_in)
}

async function refreshOnce(): Promise<boolean> {
  let result
  try {
    result = await authApi.POST('/api/auth/session/refresh', { headers: CSRF })
  } catch {
    return false
  }
  if (result.data) {
    accept(result.data.access_token, result.data.expires_in)
    return true
  }
  return false
}

/**
 * Trade the cookie for a new access token. Concurrent callers share one request; other tabs wait
 * for the lock. `false` means there is no usable session any more.
 */
export function refresh(): Promise<boolean> {
  if (inflight) return inflight
  const run = async (): Promise<boolean> => {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined
    const ok = locks ? await locks.request('aura-session-refresh', refreshOnce) : await refreshOnce()
    if (!ok && status === 'signedIn') forget('expired')
    return ok
  }
  inflight = run().finally(() => {
    inflight = null
  })
  return inflight
}

/** On page load: a session cookie from before the reload gives a new access token. */
export async function restore(): Promise<void> {
  const ok = await refresh()
  if (!ok) forget('signedOut')
}

export async function signOut(): Promise<void> {
  try {
    await authApi.DELETE('/api/auth/session', { headers: CSRF })
  } finally {
    forget('signedOut')
  }
}

/**
 * Send a request with the current token; on a 401, refresh once and send it again; a second 401 ends
 * the session. For the raw transfers the typed client's middleware does not see.
 */
export async function authorised<T extends { status: number }>(send: () => Promise<T>): Promise<T> {
  let answer = await send()
  if (answer.status === 401 && (await refresh())) answer = await send()
  if (answer.status === 401) expire()
  return answer
}

/** The API refused the token and a refresh did not help. */
export function expire(): void {
  if (status === 'signedIn') forget('expired')
}
