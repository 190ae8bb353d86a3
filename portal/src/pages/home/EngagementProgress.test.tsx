import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { EngagementProgress } from './EngagementProgress'

const page = (items: unknown[], total = items.length) => ({ body: { items, page: 1, page_size: 100, total } })

describe('EngagementProgress', () => {
  it('shows the figures and the path to finalization, and names a part it could not read', async () => {
    mockApi({
      'GET /api/engagements/e-1/binder': { body: { engagement_id: 'e-1', nodes: [] } },
      'GET /api/engagements/e-1/review-notes': page([], 0),
      'GET /api/engagements/e-1/je-tests/exceptions': { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'The engagement has no completed journal-entry test run', code: 'no_run' } },
      'GET /api/engagements/e-1/datasets': { status: 403, body: { type: 'x', title: 'Forbidden', status: 403, detail: 'Your role may not read the data', code: 'forbidden' } },
      'GET /api/engagements/e-1/materiality': { body: { version: 2, performance_materiality: '65000.00' } },
    })
    const engagement = makeEngagement({ status: 'review' })
    renderPage(<EngagementProgress engagement={engagement} />, { route: '/engagements/:engagementId', engagement })
    const path = await screen.findByRole('list', { name: 'Path to finalization' })
    const step = (name: string) => within(path).getByRole('link', { name }).closest('li')!
    expect(step('Materiality determined')).toHaveTextContent('✓')
    expect(step('Review notes cleared')).toHaveTextContent('0 open notes')
    expect(step('JE exceptions resolved')).toHaveTextContent('0 unresolved exceptions')
    expect(step('Data loaded')).toHaveTextContent('not available')
    expect(step('Finalized')).toHaveTextContent('now in review')
    expect(screen.getByText(/Not available: datasets \(Your role may not read the data\)/)).toBeInTheDocument()
  })
})
