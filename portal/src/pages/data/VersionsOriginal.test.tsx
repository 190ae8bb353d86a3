import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { dataset } from './fixtures'
import { Versions } from './Versions'

const LIST = '/api/engagements/e-1/datasets'
const ORIGINAL = '/api/engagements/e-1/datasets/d-1/original'

describe('the original file of a version', () => {
  it('downloads for the team without opening the row', async () => {
    const calls = mockApi({
      [`GET ${LIST}`]: { body: { items: [dataset()], page: 1, page_size: 25, total: 1 } },
      'GET /api/engagements/e-1/team': { body: { members: [] } },
      [`GET ${ORIGINAL}`]: { body: 'Ref,Account\n', headers: { 'Content-Disposition': 'attachment; filename="gl.csv"' } },
    })
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined)
    renderPage(<Versions engagementId="e-1" />, { route: '/engagements/:engagementId/data', path: '/engagements/e-1/data', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Download the original gl.csv' }))
    await vi.waitFor(() => expect(calls.some((c) => c.path === ORIGINAL)).toBe(true))
    await vi.waitFor(() => expect(click).toHaveBeenCalledTimes(1))
    expect(screen.queryByRole('region', { name: 'Version details' })).toBeNull()
  })

  it('is a plain name for a client user, who may not download it', async () => {
    mockApi({ [`GET ${LIST}`]: { body: { items: [dataset()], page: 1, page_size: 25, total: 1 } } })
    renderPage(<Versions engagementId="e-1" />, {
      route: '/engagements/:engagementId/data',
      path: '/engagements/e-1/data',
      engagement: makeEngagement(),
      me: makeMe({ roles: ['client_user'], permissions: ['data.upload'] }),
    })
    expect(await screen.findByRole('cell', { name: 'gl.csv' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Download the original/ })).toBeNull()
  })
})
