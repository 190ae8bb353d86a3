import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeMe, mockApi, renderPage } from '../../test/render'
import { Profile, changeProblem } from './Profile'

const sessions = {
  items: [
    { id: 's-1', started_at: '2026-12-07T01:00:00Z', last_active_at: '2026-12-07T01:10:00Z', expires_at: '2026-12-14T01:00:00Z', current: true },
    { id: 's-2', started_at: '2026-12-01T08:00:00Z', last_active_at: '2026-12-02T08:00:00Z', expires_at: '2026-12-08T08:00:00Z', current: false },
  ],
}

describe('the profile', () => {
  it('checks the new password against the policy before asking, then changes it', async () => {
    const calls = mockApi({ 'GET /api/auth/sessions': { body: sessions }, 'POST /api/auth/password': { body: { sessions_ended: 1 } } })
    renderPage(<Profile />, { route: '/profile', path: '/profile', me: makeMe() })
    await userEvent.type(screen.getByLabelText('Current password'), 'the old password 1')
    await userEvent.type(screen.getByLabelText('New password'), 'short')
    await userEvent.type(screen.getByLabelText('New password again'), 'short')
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(screen.getByRole('alert')).toHaveTextContent('The password needs at least 12 characters.')
    expect(calls.some((c) => c.path === '/api/auth/password')).toBe(false)
    await userEvent.clear(screen.getByLabelText('New password'))
    await userEvent.clear(screen.getByLabelText('New password again'))
    await userEvent.type(screen.getByLabelText('New password'), 'a brand new passphrase')
    await userEvent.type(screen.getByLabelText('New password again'), 'a brand new passphrase')
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(await screen.findByText('Password changed. 1 other sign-in ended.')).toBeInTheDocument()
    expect(calls.find((c) => c.path === '/api/auth/password')?.body).toEqual({ current_password: 'the old password 1', new_password: 'a brand new passphrase' })
  })

  it('says when the API refuses the current password', async () => {
    mockApi({
      'GET /api/auth/sessions': { body: sessions },
      'POST /api/auth/password': { status: 400, body: { title: 'The request is not valid', status: 400, code: 'validation_error', detail: 'The current password is wrong', errors: [] } },
    })
    renderPage(<Profile />, { route: '/profile', path: '/profile', me: makeMe() })
    await userEvent.type(screen.getByLabelText('Current password'), 'not the password')
    await userEvent.type(screen.getByLabelText('New password'), 'a brand new passphrase')
    await userEvent.type(screen.getByLabelText('New password again'), 'a brand new passphrase')
    await userEvent.click(screen.getByRole('button', { name: 'Change password' }))
    expect(await screen.findByText(/The current password is wrong/)).toBeInTheDocument()
  })

  it('lists the sign-ins, marks this one, and ends another', async () => {
    const calls = mockApi({ 'GET /api/auth/sessions': { body: sessions }, 'DELETE /api/auth/sessions/s-2': { status: 204 } })
    renderPage(<Profile />, { route: '/profile', path: '/profile', me: makeMe() })
    expect(await screen.findByText('this sign-in')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: /End the sign-in of/ }))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/auth/sessions/s-2')).toBe(true))
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/auth/sessions').length).toBe(2))
  })

  it('words the password problems', () => {
    expect(changeProblem('', 'x', 'x')).toBe('Type your current password.')
    expect(changeProblem('same password 12', 'same password 12', 'same password 12')).toBe('The new password is the same as the current one.')
    expect(changeProblem('old password here', 'new password here', 'new password hers')).toBe('The two passwords do not match.')
    expect(changeProblem('old password here', 'new password here', 'new password here')).toBeNull()
  })
})
