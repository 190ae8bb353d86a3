import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { Link, RouterProvider, createMemoryRouter } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { AuthContext, type AuthValue } from '../auth/AuthProvider'
import { makeMe } from '../test/render'
import { Shell } from './Shell'
import { pageHeading } from './focus'

function renderShell() {
  const me = makeMe()
  const auth: AuthValue = {
    status: 'signedIn',
    me,
    can: () => true,
    isClientUser: false,
    signIn: vi.fn(async () => undefined),
    signOut: vi.fn(async () => undefined),
  }
  const router = createMemoryRouter(
    [
      {
        element: <Shell />,
        children: [
          {
            path: '/',
            element: (
              <>
                <h1>Home</h1>
                <Link to="/engagements/e-1/data">Open the data</Link>
                <input aria-label="Search" />
              </>
            ),
          },
          {
            path: '/engagements/e-1/data',
            element: (
              <div className="workspace">
                <h1>FY2026 audit</h1>
                <nav className="tabs" aria-label="Engagement">
                  <Link to="/">Back home</Link>
                </nav>
                <h2>Data</h2>
              </div>
            ),
          },
        ],
      },
    ],
    { initialEntries: ['/'] },
  )
  render(
    <AuthContext.Provider value={auth}>
      <RouterProvider router={router} />
    </AuthContext.Provider>,
  )
}

describe('the shell', () => {
  it('offers a skip link first that moves focus to the page content', async () => {
    renderShell()
    await userEvent.tab()
    const skip = screen.getByRole('link', { name: 'Skip to content' })
    expect(skip).toHaveFocus()
    await userEvent.click(skip)
    expect(screen.getByRole('main')).toHaveFocus()
  })

  it('leaves the first page alone and moves focus to the new page heading after a navigation', async () => {
    renderShell()
    expect(screen.getByRole('heading', { name: 'Home' })).not.toHaveFocus()
    await userEvent.click(screen.getByRole('link', { name: 'Open the data' }))
    // In an engagement, the tab's heading (below the tabs), not the engagement's name.
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Data' })).toHaveFocus())
    await userEvent.click(screen.getByRole('link', { name: 'Back home' }))
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Home' })).toHaveFocus())
  })

  it('finds the heading of a page outside an engagement', () => {
    const main = document.createElement('main')
    main.innerHTML = '<h2>Section</h2><h1>Users</h1>'
    expect(pageHeading(main)?.textContent).toBe('Users')
  })
})
