import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import type { ReviewNoteDetail, ReviewNoteRead } from './common'
import { ReviewNotes } from './ReviewNotes'

const E = '/api/engagements/e-1'
const ROUTE = '/engagements/:engagementId/review-notes'
const STAFF = ['engagement.read', 'workpaper.prepare', 'data.upload', 'users.read']

function note(id: string, fields: Partial<ReviewNoteRead> = {}): ReviewNoteRead {
  return {
    id,
    engagement_id: 'e-1',
    node_id: 'n-d100',
    node_index_code: 'D-100',
    node_title: 'Bank reconciliation',
    body: 'Agree the balance to the bank confirmation',
    status: 'open',
    blocking: true,
    author_id: 'u-1',
    assignee_id: 'u-9',
    addressed_at: null,
    addressed_by: null,
    cleared_at: null,
    cleared_by: null,
    created_at: '2026-02-01T10:00:00Z',
    updated_at: '2026-02-01T10:00:00Z',
    my_transitions: [],
    ...fields,
  }
}

const addressed: ReviewNoteDetail = {
  // As the API answers the manager who raised it: they may clear it or send it back.
  ...note('rn-1', { status: 'addressed', addressed_at: '2026-02-02T10:00:00Z', addressed_by: 'u-9', my_transitions: ['cleared', 'open'] }),
  replies: [
    { id: 'r-1', author_id: 'u-9', body: 'Agreed to the confirmation dated 5 January', created_at: '2026-02-02T09:00:00Z' },
    { id: 'r-2', author_id: 'u-1', body: 'Which account?', created_at: '2026-02-02T09:30:00Z' },
  ],
}

function stubs(extra: Parameters<typeof mockApi>[0] = {}) {
  return mockApi({
    [`GET ${E}/review-notes`]: (request) => {
      const status = new URL(request.url).searchParams.get('status')
      const all = [note('rn-1', { status: 'addressed' }), note('rn-2', { body: 'Cut-off testing not documented', blocking: false, assignee_id: null })]
      const items = status ? all.filter((n) => n.status === status) : all
      return { body: { items, page: 1, page_size: 100, total: items.length } }
    },
    [`GET ${E}/review-notes/rn-1`]: { body: addressed },
    [`GET ${E}/team`]: {
      body: {
        members: [
          { user_id: 'u-1', email: 'me@firm.example', display_name: 'Mia Manager', role: 'manager', added_at: '2026-01-01T00:00:00Z' },
          { user_id: 'u-9', email: 'sam@firm.example', display_name: 'Sam Senior', role: 'senior', added_at: '2026-01-01T00:00:00Z' },
        ],
      },
    },
    [`GET ${E}/binder`]: {
      body: {
        engagement_id: 'e-1',
        nodes: [
          {
            id: 'n-d', parent_id: null, kind: 'folder', index_code: 'D', title: 'Cash', position: 0, version: 1, evidence_id: null, evidence_ids: [],
            signoffs: null, updated_by: null, updated_at: '2026-02-01T00:00:00Z',
            children: [
              {
                id: 'n-d100', parent_id: 'n-d', kind: 'workpaper', index_code: 'D-100', title: 'Bank reconciliation', position: 0, version: 1,
                evidence_id: null, evidence_ids: [], signoffs: { prepared: null, reviewed: null, approved: null }, updated_by: null,
                updated_at: '2026-02-01T00:00:00Z', children: [],
              },
            ],
          },
        ],
      },
    },
    ...extra,
  })
}

describe('ReviewNotes', () => {
  it('lists the notes and filters them by status through the API', async () => {
    const calls = stubs()
    renderPage(<ReviewNotes />, { route: ROUTE, path: '/engagements/e-1/review-notes', engagement: makeEngagement() })
    const table = await screen.findByRole('table')
    expect(within(table).getAllByRole('row')).toHaveLength(3)
    const first = within(table).getByRole('row', { name: /Agree the balance/ })
    expect(first).toHaveTextContent('D-100 Bank reconciliation')
    expect(first).toHaveTextContent('Mia Manager')
    expect(first).toHaveTextContent('Sam Senior')
    expect(first).toHaveTextContent('addressed')
    expect(first).toHaveTextContent('Blocking')

    await userEvent.selectOptions(screen.getByLabelText('Status'), 'open')
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(2))
    expect(calls.at(-1)?.search.get('status')).toBe('open')
    expect(screen.getByRole('row', { name: /Cut-off testing/ })).toBeInTheDocument()
  })

  it('opens a note’s thread with its replies and only the moves allowed from its status', async () => {
    stubs()
    renderPage(<ReviewNotes />, { route: ROUTE, path: '/engagements/e-1/review-notes', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('row', { name: /Agree the balance/ }))
    const thread = await screen.findByRole('region', { name: 'Review note on D-100 Bank reconciliation' })
    const replies = await within(thread).findByRole('list', { name: 'Replies' })
    expect(within(replies).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringContaining('Agreed to the confirmation dated 5 January'),
      expect.stringContaining('Which account?'),
    ])
    expect(within(thread).getByRole('button', { name: 'Clear' })).toBeInTheDocument()
    expect(within(thread).getByRole('button', { name: 'Reopen' })).toBeInTheDocument()
    expect(within(thread).queryByRole('button', { name: 'Mark addressed' })).not.toBeInTheDocument()
  })

  it('gives staff no way to clear or reopen an addressed note', async () => {
    stubs({ [`GET ${E}/review-notes/rn-1`]: { body: { ...addressed, my_transitions: [] } } })
    renderPage(<ReviewNotes />, {
      route: ROUTE,
      path: '/engagements/e-1/review-notes?note=rn-1',
      engagement: makeEngagement({ my_role: 'staff' }),
      me: makeMe({ roles: ['staff'], permissions: STAFF }),
    })
    const thread = await screen.findByRole('region', { name: /Review note on/ })
    await within(thread).findByRole('list', { name: 'Replies' })
    for (const name of ['Clear', 'Reopen', 'Mark addressed', 'New review note']) expect(screen.queryByRole('button', { name })).not.toBeInTheDocument()
    // Anyone of the team may answer.
    expect(within(thread).getByLabelText('Reply')).toBeInTheDocument()
  })

  it('sends a reply’s text and a transition with its comment', async () => {
    const calls = stubs({
      [`POST ${E}/review-notes/rn-1/replies`]: { status: 201, body: { id: 'r-3', author_id: 'u-1', body: 'Thanks, fine now', created_at: '2026-02-03T09:00:00Z' } },
      [`POST ${E}/review-notes/rn-1/transitions`]: { body: { ...addressed, status: 'cleared', cleared_at: '2026-02-03T10:00:00Z', cleared_by: 'u-1' } },
    })
    renderPage(<ReviewNotes />, { route: ROUTE, path: '/engagements/e-1/review-notes?note=rn-1', engagement: makeEngagement() })
    await userEvent.type(await screen.findByLabelText('Reply'), 'Thanks, fine now')
    await userEvent.click(screen.getByRole('button', { name: 'Send reply' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/replies'))).toBe(true))
    expect(calls.find((c) => c.path.endsWith('/replies'))!.body).toEqual({ body: 'Thanks, fine now' })
    expect(await screen.findByText('Reply sent.')).toBeInTheDocument()
    expect(screen.getByLabelText('Reply')).toHaveValue('')

    await userEvent.type(screen.getByLabelText('Comment with the change (optional)'), 'Agreed to confirmation')
    await userEvent.click(screen.getByRole('button', { name: 'Clear' }))
    await waitFor(() => expect(calls.some((c) => c.path.endsWith('/transitions'))).toBe(true))
    expect(calls.find((c) => c.path.endsWith('/transitions'))!.body).toEqual({ to: 'cleared', comment: 'Agreed to confirmation' })
    expect(await screen.findByText('The note is cleared.')).toBeInTheDocument()
  })

  it('raises a new note on a workpaper, assigned to a team member', async () => {
    const calls = stubs({ [`POST ${E}/review-notes`]: { status: 201, body: { ...note('rn-3', { body: 'Tie out to the TB' }), replies: [] } } })
    const { router } = renderPage(<ReviewNotes />, { route: ROUTE, path: '/engagements/e-1/review-notes', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'New review note' }))
    const dialog = screen.getByRole('dialog', { name: 'New review note' })
    await within(dialog).findByRole('option', { name: 'D-100 Bank reconciliation' })
    await userEvent.selectOptions(within(dialog).getByLabelText('Binder item'), 'n-d100')
    await userEvent.type(within(dialog).getByLabelText('Note'), 'Tie out to the TB')
    await userEvent.click(within(dialog).getByLabelText('Blocks finalization'))
    await within(dialog).findByRole('option', { name: /Sam Senior/ })
    await userEvent.selectOptions(within(dialog).getByLabelText('Assign to'), 'u-9')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Raise note' }))
    await waitFor(() => expect(router.state.location.search).toBe('?note=rn-3'))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ node_id: 'n-d100', body: 'Tie out to the TB', blocking: false, assignee_id: 'u-9' })
  })
})

describe('the moves offered on a note', () => {
  it('are those the API lists for the caller: the senior who answered it is not offered Clear', async () => {
    stubs({ [`GET ${E}/review-notes/rn-1`]: { body: { ...addressed, my_transitions: ['open'] } } })
    renderPage(<ReviewNotes />, {
      route: ROUTE,
      path: '/engagements/e-1/review-notes?note=rn-1',
      engagement: makeEngagement({ my_role: 'senior' }),
    })
    const thread = await screen.findByRole('region', { name: /Review note on/ })
    await within(thread).findByRole('list', { name: 'Replies' })
    expect(within(thread).queryByRole('button', { name: 'Clear' })).not.toBeInTheDocument()
    expect(within(thread).getByRole('button', { name: 'Reopen' })).toBeInTheDocument()
  })
})
