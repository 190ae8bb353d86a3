import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ok } from '../api/client'
import { ApiError } from '../api/errors'
import { mockApi } from '../test/render'
import { expire, refresh, restore, session, signIn, signOut } from './session'

const tokens = (access: string) => ({ body: { access_token: access, token_type: 'bearer', expires_in: 900 } })
const unauthorized = (code: string) => ({
  status: 401,
  body: { type: 'x', title: 'Authentication is required', status: 401, detail: 'The access token has expired', code },
})

beforeEach(async () => {
  // start every test signed out
  mockApi({ 'DELETE /api/auth/session': { status: 204 } })
  await signOut()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('the browser session', () => {
  it('signs in with e-mail and password and keeps only the access token, in memory', async () => {
    const calls = mockApi({ 'POST /api/auth/session': tokens('access-1') })
    await signIn('senior@firm.example', 'correct horse battery')
    expect(session.status).toBe('signedIn')
    expect(session.token).toBe('access-1')
    expect(calls[0].body).toEqual({ email: 'senior@firm.example', password: 'correct horse battery' })
    expect(window.localStorage.length + window.sessionStorage.length).toBe(0)
  })

  it('says why a sign-in was refused, in the API words', async () => {
    mockApi({ 'POST /api/auth/session': { status: 401, body: { type: 'x', title: 'Authentication is required', status: 401, detail: 'Wrong e-mail or password', code: 'invalid_credentials' } } })
    const refused = signIn('senior@firm.example', 'wrong')
    await expect(refused).rejects.toBeInstanceOf(ApiError)
    await expect(refused).rejects.toThrow('Wrong e-mail or password')
    expect(session.status).toBe('signedOut')
  })

  it('restores a session from the cookie after a reload, and is signed out without one', async () => {
    const calls = mockApi({ 'POST /api/auth/session/refresh': tokens('access-2') })
    await restore()
    expect(session.status).toBe('signedIn')
    expect(calls[0].path).toBe('/api/auth/session/refresh')

    mockApi({ 'POST /api/auth/session/refresh': unauthorized('no_session'), 'DELETE /api/auth/session': { status: 204 } })
    await signOut()
    await restore()
    expect(session.status).toBe('signedOut')
  })

  it('asks for one refresh however many calls need it at once', async () => {
    let refreshes = 0
    mockApi({
      'POST /api/auth/session/refresh': () => {
        refreshes += 1
        return tokens(`access-${refreshes}`)
      },
    })
    const results = await Promise.all([refresh(), refresh(), refresh()])
    expect(results).toEqual([true, true, true])
    expect(refreshes).toBe(1)
  })

  it('renews the access token a minute before it expires', async () => {
    vi.useFakeTimers()
    let refreshes = 0
    mockApi({
      'POST /api/auth/session': tokens('first'),
      'POST /api/auth/session/refresh': () => {
        refreshes += 1
        return tokens('renewed')
      },
    })
    await signIn('a@firm.example', 'x')
    await vi.advanceTimersByTimeAsync(839_000)
    expect(refreshes).toBe(0)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(refreshes).toBe(1)
    expect(session.token).toBe('renewed')
  })

  it('signs out: the API ends the session and the token is gone', async () => {
    mockApi({ 'POST /api/auth/session': tokens('access-1') })
    await signIn('a@firm.example', 'x')
    const calls = mockApi({ 'DELETE /api/auth/session': { status: 204 } })
    await signOut()
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(['DELETE /api/auth/session'])
    expect(session.token).toBeNull()
    expect(session.status).toBe('signedOut')
  })

  it('expire() turns a signed-in session into an expired one', async () => {
    mockApi({ 'POST /api/auth/session': tokens('access-1') })
    await signIn('a@firm.example', 'x')
    expire()
    expect(session.status).toBe('expired')
  })
})

describe('the API client', () => {
  it('sends the access token, and after a 401 refreshes once and repeats the call', async () => {
    mockApi({ 'POST /api/auth/session': tokens('stale') })
    await signIn('a@firm.example', 'x')
    const seen: (string | null)[] = []
    mockApi({
      'GET /api/auth/me': (request) => {
        seen.push(request.headers.get('Authorization'))
        return request.headers.get('Authorization') === 'Bearer fresh' ? { body: { ok: true } } : unauthorized('token_expired')
      },
      'POST /api/auth/session/refresh': tokens('fresh'),
    })
    const me = await ok(api.GET('/api/auth/me'))
    expect(me).toEqual({ ok: true })
    expect(seen).toEqual(['Bearer stale', 'Bearer fresh'])
    expect(session.status).toBe('signedIn')
  })

  it('marks the session expired when the refresh is refused too', async () => {
    mockApi({ 'POST /api/auth/session': tokens('stale') })
    await signIn('a@firm.example', 'x')
    mockApi({ 'GET /api/auth/me': unauthorized('token_expired'), 'POST /api/auth/session/refresh': unauthorized('token_revoked') })
    await expect(ok(api.GET('/api/auth/me'))).rejects.toThrow('The access token has expired')
    expect(session.status).toBe('expired')
    expect(session.token).toBeNull()
  })
})
