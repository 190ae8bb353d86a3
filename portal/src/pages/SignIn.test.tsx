import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import { renderPage } from '../test/render'
import { SignIn } from './SignIn'

describe('SignIn', () => {
  it('after an expired session, says so and returns to the page the user was on', async () => {
    const { auth, router } = renderPage(<SignIn />, {
      route: '/sign-in',
      status: 'expired',
      state: { from: '/engagements/e-1/je-tests?x=1' },
      extraRoutes: [{ path: '/engagements/:id/je-tests', element: <p>back at work</p> }],
    })
    expect(screen.getByRole('status')).toHaveTextContent('Your session has expired')
    await userEvent.type(screen.getByLabelText('E-mail'), 'senior@firm.example')
    await userEvent.type(screen.getByLabelText('Password'), 'correct horse battery{Enter}')
    expect(auth.signIn).toHaveBeenCalledWith('senior@firm.example', 'correct horse battery')
    expect(await screen.findByText('back at work')).toBeInTheDocument()
    expect(router.state.location.search).toBe('?x=1')
  })

  it('shows the API refusal and stays', async () => {
    const { auth } = renderPage(<SignIn />, { route: '/sign-in', status: 'signedOut' })
    ;(auth.signIn as unknown as { mockRejectedValueOnce: (e: unknown) => void }).mockRejectedValueOnce(
      new ApiError(401, { type: 'x', title: 'Authentication is required', status: 401, detail: 'Wrong e-mail or password', code: 'invalid_credentials' }),
    )
    await userEvent.type(screen.getByLabelText('E-mail'), 'senior@firm.example')
    await userEvent.type(screen.getByLabelText('Password'), 'nope{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong e-mail or password')
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })
})
