import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { Binder } from './Binder'
import type { NodeDetail, SignoffState, TreeNode } from './common'

const E = '/api/engagements/e-1'
const ROUTE = '/engagements/:engagementId/binder/:nodeId'
const SENIOR = ['engagement.read', 'data.upload', 'workpaper.prepare', 'workpaper.review', 'review_note.write', 'users.read']

const signature = (user_id: string, display_name: string, node_version = 1) => ({
  user_id,
  display_name,
  signed_at: '2026-02-01T10:00:00Z',
  node_version,
})

function treeNode(id: string, fields: Partial<TreeNode>): TreeNode {
  return {
    id,
    parent_id: null,
    kind: 'folder',
    index_code: null,
    title: id,
    position: 0,
    version: 1,
    evidence_id: null,
    evidence_ids: [],
    signoffs: null,
    updated_by: 'u-1',
    updated_at: '2026-02-01T09:00:00Z',
    children: [],
    ...fields,
  }
}

const preparedOnly: SignoffState = { prepared: signature('u-9', 'Sam Senior'), reviewed: null, approved: null }
const preparedReviewed: SignoffState = { prepared: signature('u-9', 'Sam Senior'), reviewed: signature('u-8', 'Rita Reviewer'), approved: null }

const materiality = treeNode('n-a100', { parent_id: 'n-a', kind: 'workpaper', index_code: 'A-100', title: 'Materiality', signoffs: preparedOnly })
const bankRec = treeNode('n-d100', { parent_id: 'n-d', kind: 'workpaper', index_code: 'D-100', title: 'Bank reconciliation', signoffs: preparedReviewed, version: 2 })
const tree = {
  engagement_id: 'e-1',
  nodes: [
    treeNode('n-a', { index_code: 'A', title: 'Planning', children: [materiality] }),
    treeNode('n-d', { index_code: 'D', title: 'Cash', position: 1, children: [bankRec] }),
  ],
}

function detail(node: TreeNode, fields: Partial<NodeDetail> = {}): NodeDetail {
  const { children, ...rest } = node
  return { ...rest, content: { text: 'Overall materiality 50,000' }, child_ids: children.map((c) => c.id), ...fields }
}

/** The answers every node page asks for, with overrides per test. */
function stubs(overrides: Record<string, Parameters<typeof mockApi>[0][string]> = {}) {
  return mockApi({
    [`GET ${E}/binder`]: { body: tree },
    [`GET ${E}/team`]: {
      body: {
        members: [
          { user_id: 'u-1', email: 'me@firm.example', display_name: 'Mia Manager', role: 'manager', added_at: '2026-01-01T00:00:00Z' },
          { user_id: 'u-9', email: 'sam@firm.example', display_name: 'Sam Senior', role: 'senior', added_at: '2026-01-01T00:00:00Z' },
        ],
      },
    },
    [`GET ${E}/evidence`]: { body: { items: [], page: 1, page_size: 500, total: 0 } },
    [`GET ${E}/review-notes`]: { body: { items: [], page: 1, page_size: 100, total: 0 } },
    [`GET ${E}/binder/nodes/n-a100`]: { body: detail(materiality) },
    [`GET ${E}/binder/nodes/n-d100`]: { body: detail(bankRec) },
    [`GET ${E}/binder/nodes/n-a100/signoffs`]: {
      body: {
        node_id: 'n-a100',
        items: [
          { id: 's-1', node_id: 'n-a100', step: 'review', user_id: 'u-8', node_version: 1, signed_at: '2026-01-20T10:00:00Z', active: false, cleared_at: '2026-01-21T10:00:00Z', cleared_by: 'u-9', cleared_reason: 'content changed in version 2 by sam@firm.example' },
          { id: 's-2', node_id: 'n-a100', step: 'prepare', user_id: 'u-9', node_version: 1, signed_at: '2026-02-01T10:00:00Z', active: true, cleared_at: null, cleared_by: null, cleared_reason: null },
        ],
      },
    },
    [`GET ${E}/binder/nodes/n-d100/signoffs`]: { body: { node_id: 'n-d100', items: [] } },
    [`GET ${E}/binder/nodes/n-a100/versions`]: {
      body: { node_id: 'n-a100', current_version: 1, items: [{ version: 1, title: 'Materiality', change_reason: 'created', changed_by: 'u-9', changed_at: '2026-01-10T10:00:00Z' }] },
    },
    [`GET ${E}/binder/nodes/n-d100/versions`]: { body: { node_id: 'n-d100', current_version: 2, items: [] } },
    ...overrides,
  })
}

describe('Binder', () => {
  it('shows the binder as nested lists of links with each workpaper’s sign-off marks', async () => {
    stubs()
    renderPage(<Binder />, { route: '/engagements/:engagementId/binder', path: '/engagements/e-1/binder', engagement: makeEngagement() })
    const binder = await screen.findByRole('navigation', { name: 'Binder' })
    const planning = await within(binder).findByRole('link', { name: 'A Planning' })
    const planningItem = planning.closest('li')!
    // The workpaper sits in the folder's own nested list.
    const nested = within(planningItem).getByRole('list')
    expect(within(nested).getByRole('link', { name: 'A-100 Materiality' })).toHaveAttribute('href', '/engagements/e-1/binder/n-a100')
    expect(within(binder).getByRole('img', { name: 'Prepared, not reviewed, not approved' })).toBeInTheDocument()
    expect(within(binder).getByRole('img', { name: 'Prepared, reviewed, not approved' })).toBeInTheDocument()
    expect(within(binder).getAllByRole('img', { name: 'Folder' })).toHaveLength(2)
  })

  it('selecting an item navigates to it and shows its path, content and sign-off history', async () => {
    stubs()
    const { router } = renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-d100', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('link', { name: 'A-100 Materiality' }))
    expect(router.state.location.pathname).toBe('/engagements/e-1/binder/n-a100')
    expect(await screen.findByRole('heading', { name: 'A-100 Materiality' })).toBeInTheDocument()
    expect(await screen.findByText('A Planning › A-100 Materiality')).toBeInTheDocument()
    expect(screen.getByLabelText('Content')).toHaveValue('Overall materiality 50,000')
    expect(await screen.findByText(/content changed in version 2 by sam@firm.example/)).toBeInTheDocument()
  })

  it('offers a senior only the next step their role allows, and posts that step with the version shown', async () => {
    const calls = stubs({ [`POST ${E}/binder/nodes/n-a100/signoffs`]: { status: 201, body: { id: 's-3', node_id: 'n-a100', step: 'review', user_id: 'u-1', node_version: 1, signed_at: '2026-02-02T10:00:00Z', active: true, cleared_at: null, cleared_by: null, cleared_reason: null } } })
    renderPage(<Binder />, {
      route: ROUTE,
      path: '/engagements/e-1/binder/n-a100',
      engagement: makeEngagement({ my_role: 'senior' }),
      me: makeMe({ roles: ['senior'], permissions: SENIOR }),
    })
    const review = await screen.findByRole('button', { name: 'Sign as reviewer' })
    expect(screen.queryByRole('button', { name: 'Sign as preparer' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Withdraw my sign-off' })).not.toBeInTheDocument()
    await userEvent.click(review)
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === `${E}/binder/nodes/n-a100/signoffs`)).toBe(true))
    const post = calls.find((c) => c.method === 'POST')!
    expect(post.body).toEqual({ step: 'review', version: 1 })
    expect(await screen.findByText('Reviewed at version 1.')).toBeInTheDocument()
  })

  it('keeps the open workpaper current: polls with its ETag, and names someone else’s change before anyone signs', async () => {
    let version = 1
    const tags: (string | null)[] = []
    const calls = stubs({
      [`GET ${E}/binder/nodes/n-a100`]: (request: Request) => {
        tags.push(request.headers.get('If-None-Match'))
        const etag = `"v${version}"`
        if (request.headers.get('If-None-Match') === etag) return { status: 304, headers: { ETag: etag } }
        const changed = version > 1 ? { version, updated_by: 'u-9', updated_at: '2026-02-03T09:15:00Z', content: { text: 'Materiality 55,000' } } : {}
        return { body: detail(materiality, changed), headers: { ETag: etag } }
      },
    })
    renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a100', engagement: makeEngagement() })
    expect(await screen.findByRole('button', { name: 'Sign as reviewer' })).toBeEnabled()
    expect(screen.getByText('You sign version 1, the one shown.')).toBeInTheDocument()
    // Nothing changed: the poll asks with the ETag it holds and keeps the view.
    await waitFor(() => expect(tags).toContain('"v1"'), { timeout: 6000 })

    version = 2 // Sam saves version 2 in another browser.
    const notice = await screen.findByRole('alert', {}, { timeout: 6000 })
    expect(notice).toHaveTextContent(/Changed by Sam Senior at .*: it is now version 2; you were shown version 1\./)
    expect(screen.getByRole('button', { name: 'Sign as reviewer' })).toBeDisabled()
    expect(screen.getByLabelText('Content')).toHaveValue('Materiality 55,000')

    await userEvent.click(screen.getByRole('button', { name: 'I have looked at the change' }))
    await userEvent.click(screen.getByRole('button', { name: 'Sign as reviewer' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ step: 'review', version: 2 })
  }, 20000)

  it('offers no approval to a senior, but does to a manager; a refusal shows the API’s words', async () => {
    stubs()
    const senior = renderPage(<Binder />, {
      route: ROUTE,
      path: '/engagements/e-1/binder/n-d100',
      engagement: makeEngagement({ my_role: 'senior' }),
      me: makeMe({ roles: ['senior'], permissions: SENIOR }),
    })
    expect(await screen.findByText(/Next: approve\. Your role on this engagement does not allow/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /^(Approve|Sign as reviewer|Sign as preparer)$/ })).not.toBeInTheDocument()
    senior.unmount()

    stubs({
      [`POST ${E}/binder/nodes/n-d100/signoffs`]: {
        status: 409,
        body: { type: 'about:blank', title: 'Conflict', status: 409, detail: 'The preparer of a workpaper may not also approve it', code: 'same_signer' },
      },
    })
    renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-d100', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Approve' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The preparer of a workpaper may not also approve it')
  })

  it('lets the signer withdraw their own sign-off after confirming', async () => {
    const mine: SignoffState = { prepared: signature('u-1', 'Mia Manager'), reviewed: null, approved: null }
    const calls = stubs({
      [`GET ${E}/binder/nodes/n-a100`]: { body: detail(materiality, { signoffs: mine }) },
      [`DELETE ${E}/binder/nodes/n-a100/signoffs/prepare`]: { status: 204 },
    })
    renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a100', engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Withdraw my sign-off' }))
    // Signing as reviewer is offered (the order allows it); the API refuses the preparer.
    expect(screen.getByText(/You prepared this workpaper/)).toBeInTheDocument()
    await userEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Withdraw' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === `${E}/binder/nodes/n-a100/signoffs/prepare`)).toBe(true))
  })

  it('saves against the version it loaded; a 409 shows the message and a reload keeps the unsaved text', async () => {
    let loads = 0
    const calls = stubs({
      [`GET ${E}/binder/nodes/n-a100`]: () => {
        loads += 1
        return { body: loads === 1 ? detail(materiality) : detail(materiality, { version: 2, content: { text: 'Materiality 55,000 (revised)' } }) }
      },
      [`PUT ${E}/binder/nodes/n-a100/content`]: {
        status: 409,
        body: {
          type: 'about:blank',
          title: 'Conflict',
          status: 409,
          detail: 'The workpaper changed since version 1: it is at version 2; reload and merge',
          code: 'version_conflict',
        },
      },
    })
    renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a100', engagement: makeEngagement() })
    const content = await screen.findByLabelText('Content')
    await userEvent.clear(content)
    await userEvent.type(content, 'My edit')
    await userEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The workpaper changed since version 1: it is at version 2; reload and merge')
    const put = calls.find((c) => c.method === 'PUT')!
    expect(put.body).toEqual({ content: { text: 'My edit' }, version: 1, reason: null })

    await userEvent.click(screen.getByRole('button', { name: 'Reload' }))
    await waitFor(() => expect(screen.getByLabelText('Content')).toHaveValue('Materiality 55,000 (revised)'))
    expect(screen.getByLabelText('Your unsaved text')).toHaveValue('My edit')
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })

  it('offers the binder’s structure (sections, deleting work) only where my_permissions grants binder.structure', async () => {
    stubs({ [`GET ${E}/binder/nodes/n-a`]: { body: detail(tree.nodes[0], { content: null }) } })
    const { unmount } = renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a', engagement: makeEngagement({ my_role: 'senior' }) })
    await screen.findByRole('heading', { name: 'A Planning' })
    expect(screen.queryByRole('button', { name: 'Delete' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Rename' })).not.toBeInTheDocument()
    await userEvent.click(await screen.findByRole('button', { name: 'New item' }))
    const kinds = within(screen.getByRole('dialog', { name: 'New binder item' })).getAllByRole('option', { name: /Workpaper|Note|Folder/ })
    expect(kinds.map((o) => o.textContent)).toEqual(['Workpaper', 'Note'])
    unmount()

    renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a', engagement: makeEngagement({ my_role: 'manager' }) })
    await screen.findByRole('heading', { name: 'A Planning' })
    expect(screen.getByRole('button', { name: 'Delete' })).toBeInTheDocument()
  })

  it('adds a new item in the selected folder and selects it', async () => {
    const created = detail(treeNode('n-new', { parent_id: 'n-a', kind: 'workpaper', index_code: 'A-200', title: 'Risk assessment' }), { content: {} })
    const calls = stubs({
      [`POST ${E}/binder/nodes`]: { status: 201, body: created },
      [`GET ${E}/binder/nodes/n-new/signoffs`]: { body: { node_id: 'n-new', items: [] } },
      [`GET ${E}/binder/nodes/n-new/versions`]: { body: { node_id: 'n-new', current_version: 1, items: [] } },
    })
    const { router } = renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a100', engagement: makeEngagement() })
    await screen.findByRole('heading', { name: 'A-100 Materiality' })
    await userEvent.click(await screen.findByRole('button', { name: 'New item' }))
    const dialog = screen.getByRole('dialog', { name: 'New binder item' })
    await userEvent.selectOptions(within(dialog).getByLabelText('Kind'), 'workpaper')
    expect(within(dialog).getByLabelText('Place in')).toHaveValue('n-a')
    await userEvent.type(within(dialog).getByLabelText('Reference (optional)'), 'A-200')
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Risk assessment{Enter}')
    await waitFor(() => expect(router.state.location.pathname).toBe('/engagements/e-1/binder/n-new'))
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      kind: 'workpaper',
      title: 'Risk assessment',
      parent_id: 'n-a',
      index_code: 'A-200',
      position: null,
      content: null,
      evidence_id: null,
    })
    expect(await screen.findByRole('heading', { name: 'A-200 Risk assessment' })).toBeInTheDocument()
  })

  it('is read-only once the engagement is finalized', async () => {
    stubs()
    renderPage(<Binder />, { route: ROUTE, path: '/engagements/e-1/binder/n-a100', engagement: makeEngagement({ status: 'finalized', locked: true }) })
    expect(await screen.findByLabelText('Content')).toHaveAttribute('readonly')
    expect(screen.getByText(/This engagement is finalized/)).toBeInTheDocument()
    for (const name of ['Save', 'New item', 'Rename', 'Delete', 'Sign as reviewer', 'Raise review note']) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument()
    }
  })
})
