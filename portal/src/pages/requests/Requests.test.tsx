import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { download, uploadRaw } from '../../api/transfer'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import type { RequestDetail, RequestRead } from './logic'
import { MyRequests } from './MyRequests'
import { Requests } from './Requests'

vi.mock('../../api/transfer', () => ({ uploadRaw: vi.fn(), download: vi.fn() }))

const E = '/api/engagements/e-1'
const ROUTE = '/engagements/:engagementId/requests'
const CLIENT = makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] })

function request(over: Partial<RequestRead> = {}): RequestRead {
  return {
    id: 'r-1', engagement_id: 'e-1', engagement_name: 'FY2026 audit', title: 'Bank confirmations', description: 'All six accounts',
    kind: 'document', due_date: '2026-12-01', assignee_id: 'u-c', assignee_name: 'Carl Client', status: 'open', overdue: true,
    return_reason: null, submitted_at: null, decided_by: null, decided_at: null, last_reminded_at: null, attachment_count: 0,
    comment_count: 0, created_by: 'u-1', created_at: '2026-11-01T00:00:00Z', updated_at: '2026-11-01T00:00:00Z', ...over,
  }
}

function detail(over: Partial<RequestRead> = {}, extra: Partial<RequestDetail> = {}): RequestDetail {
  return { ...request(over), attachments: [], comments: [], ...extra }
}

const SUMMARY = { total: 2, open: 1, overdue: 1, submitted: 1, accepted: 0 }

describe('Requests (the engagement tab)', () => {
  beforeEach(() => {
    vi.mocked(uploadRaw).mockReset()
    vi.mocked(download).mockReset()
  })

  it('lists the requests overdue first with their badges, and creates one for a contact of the client', async () => {
    const calls = mockApi({
      [`GET ${E}/requests`]: { body: { items: [request({ id: 'r-2', title: 'Fixed asset register', overdue: false, due_date: '2026-12-20' }), request()], page: 1, page_size: 500, total: 2 } },
      [`GET ${E}/requests/summary`]: { body: SUMMARY },
      'GET /api/users': {
        body: { items: [
          { id: 'u-c', email: 'carl@acme.example', display_name: 'Carl Client', roles: ['client_user'], client_id: 'c-1', is_active: true },
          { id: 'u-x', email: 'other@else.example', display_name: 'Other Client', roles: ['client_user'], client_id: 'c-9', is_active: true },
          { id: 'u-s', email: 'sam@firm.example', display_name: 'Sam Senior', roles: ['senior'], client_id: null, is_active: true },
        ], page: 1, page_size: 500, total: 3 },
      },
      [`POST ${E}/requests`]: { status: 201, body: detail({ id: 'r-3', title: 'Loan agreements', overdue: false }) },
      [`GET ${E}/requests/r-3`]: { body: detail({ id: 'r-3', title: 'Loan agreements', overdue: false }) },
    })
    renderPage(<Requests />, { route: ROUTE, path: '/engagements/e-1/requests', engagement: makeEngagement() })
    const table = await screen.findByRole('table')
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows[0]).toHaveTextContent('Bank confirmations')
    expect(rows[0]).toHaveTextContent('Overdue')
    expect(rows[1]).toHaveTextContent('Fixed asset register')
    expect(rows[1]).not.toHaveTextContent('Overdue')
    expect(screen.getByTestId('requests-submitted')).toHaveTextContent('1Client submissions waiting for acceptance')

    await userEvent.click(screen.getByRole('button', { name: 'New request' }))
    const form = screen.getByRole('form', { name: 'New request' })
    await userEvent.type(within(form).getByLabelText('Title'), 'Loan agreements')
    await userEvent.type(within(form).getByLabelText('Due date'), '2026-12-24')
    const contact = within(form).getByLabelText('Client contact')
    await waitFor(() => expect(within(contact).getAllByRole('option')).toHaveLength(2)) // only the client's own contact
    await userEvent.selectOptions(contact, 'u-c')
    await userEvent.selectOptions(within(form).getByLabelText('Kind'), 'data')
    await userEvent.click(within(form).getByRole('button', { name: 'Send the request' }))
    expect(await screen.findByRole('heading', { name: 'Loan agreements' })).toBeInTheDocument()
    const posted = calls.find((c) => c.method === 'POST')
    expect(posted?.body).toEqual({ title: 'Loan agreements', description: '', due_date: '2026-12-24', assignee: 'u-c', kind: 'data' })
  })

  it('lets a senior download a submission and return it with a reason of a few words', async () => {
    let state = detail(
      { status: 'submitted', attachment_count: 1 },
      { attachments: [{ id: 'a-1', filename: 'confirmation.pdf', content_type: 'application/pdf', size_bytes: 2048, sha256: 'ab'.repeat(32), uploaded_by: 'u-c', uploaded_by_name: 'Carl Client', uploaded_at: '2026-12-02T10:00:00Z' }] },
    )
    const calls = mockApi({
      [`GET ${E}/requests`]: () => ({ body: { items: [state], page: 1, page_size: 500, total: 1 } }),
      [`GET ${E}/requests/summary`]: { body: SUMMARY },
      [`GET ${E}/requests/r-1`]: () => ({ body: state }),
      [`POST ${E}/requests/r-1/return`]: () => {
        state = { ...state, status: 'returned', return_reason: 'This is the 2025 letter' }
        return { body: state }
      },
    })
    renderPage(<Requests />, { route: ROUTE, path: '/engagements/e-1/requests?request=r-1', engagement: makeEngagement({ my_role: 'senior' }) })
    expect(await screen.findByRole('heading', { name: 'Bank confirmations' })).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Download' }))
    expect(download).toHaveBeenCalledWith('/api/engagements/e-1/requests/r-1/attachments/a-1', 'confirmation.pdf')

    await userEvent.type(screen.getByLabelText('Reason for returning it'), 'wrong')
    await userEvent.click(screen.getByRole('button', { name: 'Return to the client' }))
    expect(screen.getByText(/at least 3 words/)).toBeInTheDocument()
    expect(calls.some((c) => c.path.endsWith('/return'))).toBe(false)
    await userEvent.clear(screen.getByLabelText('Reason for returning it'))
    await userEvent.type(screen.getByLabelText('Reason for returning it'), 'This is the 2025 letter')
    await userEvent.click(screen.getByRole('button', { name: 'Return to the client' }))
    expect(await screen.findByText('This is the 2025 letter', { exact: false })).toBeInTheDocument()
    expect(calls.find((c) => c.path.endsWith('/return'))?.body).toEqual({ reason: 'This is the 2025 letter' })
    expect(screen.queryByRole('button', { name: 'Accept' })).not.toBeInTheDocument() // only a submission is decided
  })

  it('lets a senior accept a submission, which closes it', async () => {
    let state = detail({ status: 'submitted', kind: 'data' })
    const calls = mockApi({
      [`GET ${E}/requests`]: () => ({ body: { items: [state], page: 1, page_size: 500, total: 1 } }),
      [`GET ${E}/requests/summary`]: { body: SUMMARY },
      [`GET ${E}/requests/r-1`]: () => ({ body: state }),
      [`POST ${E}/requests/r-1/accept`]: () => {
        state = { ...state, status: 'accepted', overdue: false, decided_at: '2026-12-04T09:00:00Z' }
        return { body: state }
      },
    })
    renderPage(<Requests />, { route: ROUTE, path: '/engagements/e-1/requests?request=r-1', engagement: makeEngagement({ my_role: 'senior' }) })
    await userEvent.click(await screen.findByRole('button', { name: 'Accept' }))
    expect(await screen.findByText(/Load the accepted file on the Data tab/)).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([`${E}/requests/r-1/accept`])
    expect(screen.queryByRole('button', { name: 'Accept' })).not.toBeInTheDocument()
  })

  it('does not offer staff the decision or the new request', async () => {
    mockApi({
      [`GET ${E}/requests`]: { body: { items: [request({ status: 'submitted' })], page: 1, page_size: 500, total: 1 } },
      [`GET ${E}/requests/summary`]: { body: SUMMARY },
      [`GET ${E}/requests/r-1`]: { body: detail({ status: 'submitted' }) },
    })
    renderPage(<Requests />, { route: ROUTE, path: '/engagements/e-1/requests?request=r-1', engagement: makeEngagement({ my_role: 'staff' }) })
    expect(await screen.findByRole('heading', { name: 'Bank confirmations' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Accept' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'New request' })).not.toBeInTheDocument()
  })

  it('shows the client contact the returned reason and lets them send a file and comment', async () => {
    let state = detail({ status: 'returned', return_reason: 'This is the 2025 letter, send 2026', overdue: false })
    const calls = mockApi({
      [`GET ${E}/requests`]: () => ({ body: { items: [state], page: 1, page_size: 500, total: 1 } }),
      [`GET ${E}/requests/summary`]: { body: SUMMARY },
      [`GET ${E}/requests/r-1`]: () => ({ body: state }),
      [`POST ${E}/requests/r-1/comments`]: { status: 201, body: { id: 'c-1', author_id: 'u-c', author_name: 'Carl', author_is_client: true, body: 'Sent the right one', created_at: '2026-12-03T00:00:00Z' } },
    })
    vi.mocked(uploadRaw).mockImplementation(async () => {
      state = { ...state, status: 'submitted' }
      return {}
    })
    renderPage(<Requests />, { route: ROUTE, path: '/engagements/e-1/requests?request=r-1', engagement: makeEngagement({ my_role: null }), me: CLIENT })
    expect(await screen.findByRole('heading', { name: 'What your audit team asked for' })).toBeInTheDocument()
    expect(await screen.findByText('This is the 2025 letter, send 2026')).toBeInTheDocument()
    expect(screen.getAllByText('Returned to you').length).toBeGreaterThan(0)
    expect(screen.queryByRole('button', { name: 'New request' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Accept' })).not.toBeInTheDocument()

    const file = new File(['%PDF'], 'confirmation 2026.pdf', { type: 'application/pdf' })
    await userEvent.upload(screen.getByLabelText('Choose a file to send'), file)
    await waitFor(() => expect(uploadRaw).toHaveBeenCalledTimes(1))
    const [url, body, options] = vi.mocked(uploadRaw).mock.calls[0]
    expect(url).toBe('/api/engagements/e-1/requests/r-1/attachments')
    expect(body).toBe(file)
    expect(options?.headers?.['X-Filename']).toBe('confirmation%202026.pdf')
    expect(await screen.findByText(/Sent\. The audit team/)).toBeInTheDocument()
    expect((await screen.findAllByText('Sent, with the audit team')).length).toBeGreaterThan(0)

    await userEvent.type(screen.getByLabelText('Add a comment'), 'Sent the right one')
    await userEvent.click(screen.getByRole('button', { name: 'Comment' }))
    await waitFor(() => expect(calls.find((c) => c.path.endsWith('/comments'))?.body).toEqual({ body: 'Sent the right one' }))
  })
})

describe('MyRequests (across engagements)', () => {
  it('filters by the status in the address, as the home page links to the submissions waiting', async () => {
    const calls = mockApi({
      'GET /api/requests': { body: { items: [request({ status: 'submitted', overdue: false })], page: 1, page_size: 500, total: 1 } },
      'GET /api/requests/summary': { body: SUMMARY },
    })
    renderPage(<MyRequests />, { route: '/requests', path: '/requests?status=submitted' })
    expect(await screen.findByRole('row', { name: /Bank confirmations/ })).toHaveTextContent('Submitted, waiting for acceptance')
    expect(calls.find((c) => c.path === '/api/requests')?.search.get('status')).toBe('submitted')
    expect(screen.getByLabelText('Status')).toHaveValue('submitted')
  })

  it("lists a client contact's own requests and opens one in its engagement", async () => {
    const calls = mockApi({
      'GET /api/requests': { body: { items: [request({ engagement_id: 'e-7', engagement_name: 'Acme FY2026' })], page: 1, page_size: 500, total: 1 } },
      'GET /api/requests/summary': { body: SUMMARY },
    })
    const { router } = renderPage(<MyRequests />, { route: '/requests', me: CLIENT, extraRoutes: [{ path: '/engagements/:engagementId/requests', element: <div>the engagement</div> }] })
    const table = await screen.findByRole('table')
    const row = within(table).getByRole('row', { name: /Bank confirmations/ })
    expect(row).toHaveTextContent('Acme FY2026')
    expect(row).toHaveTextContent('Overdue')
    expect(calls.find((c) => c.path === '/api/requests')?.search.get('mine')).toBe('true')
    expect(calls.find((c) => c.path === '/api/requests')?.search.get('status')).toBeNull() // all statuses
    await userEvent.click(within(row).getByText('Bank confirmations'))
    await waitFor(() => expect(router.state.location.pathname).toBe('/engagements/e-7/requests'))
    expect(router.state.location.search).toBe('?request=r-1')
  })
})
