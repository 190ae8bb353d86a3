import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { mockApi, renderPage } from '../test/render'
import { ResetPassword } from './ResetPassword'

const open = (path = '/reset-password?token=tok-123') => renderPage(<ResetPassword />, { route: '/reset-password', path })

describe('ResetPassword', () => {
  it('refuses mismatched or short passwords without calling the API', async () => {
    const calls = mockApi({})
    open()
    await userEvent.type(screen.getByLabelText('New password'), 'correct horse battery')
    await userEvent.type(screen.getByLabelText('Repeat password'), 'correct horse batteries')
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The two passwords do not match.')
    await userEvent.clear(screen.getByLabelText('New password'))
    await userEvent.type(screen.getByLabelText('New password'), 'short')
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('at least 12 characters')
    expect(calls).toHaveLength(0)
  })

  it('posts the token with the new password, then links to sign-in', async () => {
    const calls = mockApi({ 'POST /api/auth/password-reset/confirm': { status: 204 } })
    open()
    await userEvent.type(screen.getByLabelText('New password'), 'correct horse battery')
    await userEvent.type(screen.getByLabelText('Repeat password'), 'correct horse battery')
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }))
    expect(await screen.findByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in')
    expect(calls[0].body).toEqual({ token: 'tok-123', new_password: 'correct horse battery' })
  })

  it('shows the API’s refusal of a used link', async () => {
    mockApi({
      'POST /api/auth/password-reset/confirm': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'The reset link is not valid or has expired', code: 'invalid_reset_token' } },
    })
    open()
    await userEvent.type(screen.getByLabelText('New password'), 'correct horse battery')
    await userEvent.type(screen.getByLabelText('Repeat password'), 'correct horse battery')
    await userEvent.click(screen.getByRole('button', { name: 'Set password' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The reset link is not valid or has expired')
  })

  it('says when the link has no token', () => {
    mockApi({})
    open('/reset-password')
    expect(screen.getByRole('alert')).toHaveTextContent('This link is incomplete')
    expect(screen.queryByRole('button', { name: 'Set password' })).not.toBeInTheDocument()
  })
})
