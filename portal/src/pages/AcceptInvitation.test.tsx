import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { mockApi, renderPage } from '../test/render'
import { AcceptInvitation } from './AcceptInvitation'

const open = (path = '/accept-invitation?token=inv-1') => renderPage(<AcceptInvitation />, { route: '/accept-invitation', path })
const password = () => screen.getByLabelText('Password', { exact: true })

describe('AcceptInvitation', () => {
  it('accepts with name and password, then links to sign-in', async () => {
    const calls = mockApi({
      'POST /api/invitations/accept': {
        status: 201,
        body: { id: 'u-7', email: 'nia@firm.example', display_name: 'Nia New', roles: ['staff'], client_id: null, is_active: true, locked_until: null, last_login_at: null, created_at: '' },
      },
    })
    open()
    await userEvent.type(screen.getByLabelText('Your name'), 'Nia New')
    await userEvent.type(password(), 'a long enough secret')
    await userEvent.type(screen.getByLabelText('Repeat password'), 'a long enough secret')
    await userEvent.click(screen.getByRole('button', { name: 'Accept invitation' }))
    expect(await screen.findByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in')
    expect(screen.getByRole('status')).toHaveTextContent('nia@firm.example')
    expect(calls[0].body).toEqual({ token: 'inv-1', password: 'a long enough secret', display_name: 'Nia New' })
  })

  it('refuses mismatched passwords without calling the API', async () => {
    const calls = mockApi({})
    open()
    await userEvent.type(password(), 'a long enough secret')
    await userEvent.type(screen.getByLabelText('Repeat password'), 'a long enough secreT')
    await userEvent.click(screen.getByRole('button', { name: 'Accept invitation' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('do not match')
    expect(calls).toHaveLength(0)
  })

  it('shows the API’s refusal of an expired invitation', async () => {
    mockApi({
      'POST /api/invitations/accept': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'The invitation is not valid or has expired', code: 'invalid_invitation' } },
    })
    open()
    await userEvent.type(password(), 'a long enough secret')
    await userEvent.type(screen.getByLabelText('Repeat password'), 'a long enough secret')
    await userEvent.click(screen.getByRole('button', { name: 'Accept invitation' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The invitation is not valid or has expired')
  })

  it('says when the link has no token', () => {
    mockApi({})
    open('/accept-invitation')
    expect(screen.getByRole('alert')).toHaveTextContent('This link is incomplete')
  })
})
