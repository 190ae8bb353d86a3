import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { mockApi, renderPage } from '../test/render'
import { ForgotPassword } from './ForgotPassword'

describe('ForgotPassword', () => {
  it('asks for a link and gives the neutral answer', async () => {
    const calls = mockApi({
      'POST /api/auth/password-reset': { status: 202, body: { status: 'accepted', detail: 'If the address belongs to an active account, a reset link is on its way' } },
    })
    renderPage(<ForgotPassword />, { route: '/forgot-password' })
    await userEvent.type(screen.getByLabelText('E-mail'), 'someone@firm.example')
    await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }))
    expect(await screen.findByRole('status')).toHaveTextContent('If the address belongs to an active account, a reset link is on its way')
    expect(calls[0].body).toEqual({ email: 'someone@firm.example' })
  })

  it('shows a refusal such as too many requests', async () => {
    mockApi({
      'POST /api/auth/password-reset': { status: 429, body: { type: 'x', title: 'Too Many Requests', status: 429, detail: 'Too many requests; try again in a minute', code: 'rate_limited' } },
    })
    renderPage(<ForgotPassword />, { route: '/forgot-password' })
    await userEvent.type(screen.getByLabelText('E-mail'), 'someone@firm.example')
    await userEvent.click(screen.getByRole('button', { name: 'Send reset link' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many requests')
  })
})
