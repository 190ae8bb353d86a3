import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { Workspace } from '../pages/engagements/Workspace'
import { makeEngagement, mockApi, renderPage } from './render'

describe('the test helpers', () => {
  it('answer the page from the table and show an API refusal as the API worded it', async () => {
    mockApi({
      'GET /api/engagements/e-1': { body: makeEngagement() },
      'GET /api/engagements/e-2': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'No engagement with that id', code: 'not_found' } },
    })
    renderPage(<Workspace />, { route: '/engagements/:engagementId', path: '/engagements/e-1' })
    expect(await screen.findByRole('heading', { name: 'FY2026 audit' })).toBeInTheDocument()
  })

  it('shows the 404 of an engagement one may not see', async () => {
    mockApi({
      'GET /api/engagements/e-2': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'No engagement with that id', code: 'not_found' } },
    })
    renderPage(<Workspace />, { route: '/engagements/:engagementId', path: '/engagements/e-2' })
    expect(await screen.findByRole('alert')).toHaveTextContent('No engagement with that id')
  })
})
