import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { Program } from './Program'
import { groupByArea, moved, statusProblems, type Program as ProgramData, type ProgramProcedure } from './program'

const ROUTE = '/engagements/:engagementId/program'
const PATH = '/engagements/e-1/program'
const manager = () => makeEngagement({ my_role: 'manager', my_permissions: [...TEAM_PERMISSIONS.manager, 'program.manage'] })
const staff = () => makeEngagement({ my_role: 'staff', my_permissions: TEAM_PERMISSIONS.staff })

const AREAS = [
  { code: 'cash', label: 'Cash and cash equivalents' },
  { code: 'revenue', label: 'Revenue' },
  { code: 'other', label: 'Other areas' },
]

const procedure = (overrides: Partial<ProgramProcedure> = {}): ProgramProcedure => ({
  id: 'p-1',
  engagement_id: 'e-1',
  source: 'starter',
  library_code: 'REV-03',
  area: 'revenue',
  title: 'Test sales cut-off',
  objective: 'Check revenue falls in the right period.',
  assertions: ['cut_off'],
  nature: 'test_of_details',
  position: 1,
  owner_id: 'u-2',
  status: 'in_progress',
  na_reason: null,
  conclusion: '',
  risk_ids: ['r-1'],
  workpaper_node_ids: ['n-1'],
  sample_ids: ['s-1'],
  evidence_ids: [],
  risks: [{ id: 'r-1', label: 'Revenue / cut_off' }],
  workpapers: [{ id: 'n-1', label: 'J-1 Cut-off test' }],
  signed_workpapers: [],
  samples: [{ id: 's-1', label: 'Sales around year end' }],
  completed_by: null,
  completed_at: null,
  updated_at: '2026-12-06T10:00:00Z',
  ...overrides,
})

const program = (overrides: Partial<ProgramData> = {}): ProgramData => ({
  areas: AREAS,
  procedures: [
    procedure(),
    procedure({ id: 'p-2', library_code: 'CASH-01', area: 'cash', title: 'Confirm bank balances', position: 2, status: 'not_started', owner_id: null, risks: [], risk_ids: [], workpapers: [], workpaper_node_ids: [], samples: [], sample_ids: [] }),
  ],
  uncovered_risks: [{ id: 'r-9', area: 'Leases', assertion: 'presentation', reason: 'no procedure of the program answers it' }],
  added: 0,
  ...overrides,
})

const TEAM = { members: [{ user_id: 'u-2', display_name: 'Sam Senior', email: 'sam@example.com', role: 'senior', added_at: '2026-01-02T00:00:00Z' }] }

describe('program helpers', () => {
  it('groups procedures by area in the API order, leaving out empty areas', () => {
    const groups = groupByArea(program())
    expect(groups.map((g) => [g.area.code, g.procedures.map((p) => p.id)])).toEqual([
      ['cash', ['p-2']],
      ['revenue', ['p-1']],
    ])
  })

  it('says what a status change lacks before it is sent', () => {
    const p = procedure()
    expect(statusProblems('not_applicable', 'too short', '', p)).toEqual(['Say why it is not applicable (at least 10 characters).'])
    expect(statusProblems('not_applicable', 'No foreign currency at all', '', p)).toEqual([])
    expect(statusProblems('completed', '', '  ', p)).toEqual([
      'Write the conclusion before completing the procedure.',
      'Link a workpaper that is prepared and reviewed before completing the procedure.',
    ])
    expect(statusProblems('completed', '', 'Agreed', procedure({ signed_workpapers: ['n-1'] }))).toEqual([])
  })
})

describe('moving a procedure', () => {
  it('swaps it with its neighbour in the same area, and not past the area edge', () => {
    const three = program({
      procedures: [
        procedure({ id: 'a', area: 'revenue', position: 1 }),
        procedure({ id: 'b', area: 'cash', position: 2 }),
        procedure({ id: 'c', area: 'revenue', position: 3 }),
      ],
    })
    expect(moved(three, 'c', -1)).toEqual(['c', 'b', 'a'])
    expect(moved(three, 'a', 1)).toEqual(['c', 'b', 'a'])
    expect(moved(three, 'a', -1)).toBeNull()
    expect(moved(three, 'b', 1)).toBeNull()
  })
})

describe('Program', () => {
  it('shows the program by area with status, owner, risks, workpapers linked to the binder, samples and unanswered risks', async () => {
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager() })
    expect(screen.getByRole('navigation', { name: 'Fieldwork' })).toBeInTheDocument()
    const revenue = await screen.findByRole('table', { name: 'Revenue procedures' })
    const [row] = within(revenue).getAllByRole('row').slice(1)
    expect(within(row).getByRole('rowheader')).toHaveTextContent('Test sales cut-offREV-03 · Test of details')
    expect(within(row).getByText('in progress')).toBeInTheDocument()
    expect(await within(row).findByText('Sam Senior')).toBeInTheDocument()
    expect(within(row).getByText('Revenue / cut_off')).toBeInTheDocument()
    expect(within(row).getByRole('link', { name: 'J-1 Cut-off test' })).toHaveAttribute('href', '/engagements/e-1/binder/n-1')
    expect(within(row).getByText('Sales around year end')).toBeInTheDocument()
    // Started procedures cannot be removed; one not started can.
    expect(within(row).queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument()
    const cash = screen.getByRole('table', { name: 'Cash and cash equivalents procedures' })
    expect(within(cash).getByRole('button', { name: 'Remove Confirm bank balances' })).toBeInTheDocument()
    expect(within(cash).getByText('Unassigned')).toBeInTheDocument()
    const unanswered = screen.getByRole('list', { name: 'Unanswered risks' })
    expect(unanswered).toHaveTextContent('Leases / presentation: no procedure of the program answers it')
    expect(screen.getByText(/0 of 2 procedures completed/)).toBeInTheDocument()
  })

  it('generates the program from the risks for a manager', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/program': { body: program({ procedures: [], uncovered_risks: [] }) },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'POST /api/engagements/e-1/program/generate': { body: program({ added: 2, uncovered_risks: [] }) },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager() })
    expect(await screen.findByText(/The program has no procedures yet/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Generate from risks' }))
    expect(await screen.findByText('2 procedures added from the risk register.')).toBeInTheDocument()
    expect(screen.getByRole('table', { name: 'Revenue procedures' })).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1)
  })

  it('moves a procedure down within its area for a manager', async () => {
    let order: unknown = null
    const two = program({
      procedures: [procedure(), procedure({ id: 'p-3', title: 'Build a revenue expectation', library_code: 'REV-04', position: 3 })],
      uncovered_risks: [],
    })
    mockApi({
      'GET /api/engagements/e-1/program': { body: two },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'PUT /api/engagements/e-1/program/order': async (request) => {
        order = await request.json()
        return { body: program({ procedures: [procedure({ position: 2 }), procedure({ id: 'p-3', title: 'Build a revenue expectation', library_code: 'REV-04', position: 1 })], uncovered_risks: [] }) }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager() })
    const table = await screen.findByRole('table', { name: 'Revenue procedures' })
    expect(within(table).getByRole('button', { name: 'Move Test sales cut-off up' })).toBeDisabled()
    await userEvent.click(within(table).getByRole('button', { name: 'Move Test sales cut-off down' }))
    expect(order).toEqual({ procedure_ids: ['p-3', 'p-1'] })
    expect(await within(table).findByRole('button', { name: 'Move Test sales cut-off down' })).toBeDisabled()
    const rows = within(table).getAllByRole('rowheader')
    expect(rows.map((r) => r.textContent)).toEqual(['Build a revenue expectationREV-04 · Test of details', 'Test sales cut-offREV-03 · Test of details'])
  })

  it('hides generating and removing from staff, who may still update a procedure', async () => {
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: staff() })
    await screen.findByRole('table', { name: 'Revenue procedures' })
    expect(screen.queryByRole('button', { name: 'Generate from risks' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Remove/ })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Move/ })).not.toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Update Test sales cut-off' })).toBeInTheDocument()
  })

  it('asks for a reason before marking a procedure not applicable, then sends it', async () => {
    let patched: unknown = null
    const calls = mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/engagements/e-1/binder': { body: { engagement_id: 'e-1', nodes: [] } },
      'PATCH /api/engagements/e-1/program/procedures/p-1': async (request) => {
        patched = await request.json()
        return { body: procedure({ status: 'not_applicable', na_reason: 'No sales near year end at all' }) }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: staff() })
    await userEvent.click(await screen.findByRole('button', { name: 'Update Test sales cut-off' }))
    const dialog = screen.getByRole('dialog')
    await userEvent.selectOptions(within(dialog).getByLabelText('Status'), 'not_applicable')
    await userEvent.type(within(dialog).getByLabelText(/Why it is not applicable/), 'n/a')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(within(dialog).getByText('Say why it is not applicable (at least 10 characters).')).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0)
    await userEvent.clear(within(dialog).getByLabelText(/Why it is not applicable/))
    await userEvent.type(within(dialog).getByLabelText(/Why it is not applicable/), 'No sales near year end at all')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('“Test sales cut-off” was updated.')).toBeInTheDocument()
    expect(patched).toMatchObject({ status: 'not_applicable', na_reason: 'No sales near year end at all', owner_id: 'u-2', workpaper_node_ids: ['n-1'] })
  })

  it('refuses to complete a procedure without a conclusion and a signed workpaper', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/engagements/e-1/binder': { body: { engagement_id: 'e-1', nodes: [] } },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: staff() })
    await userEvent.click(await screen.findByRole('button', { name: 'Update Test sales cut-off' }))
    const dialog = screen.getByRole('dialog')
    await userEvent.selectOptions(within(dialog).getByLabelText('Status'), 'completed')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(within(dialog).getByText('Write the conclusion before completing the procedure.')).toBeInTheDocument()
    expect(within(dialog).getByText('Link a workpaper that is prepared and reviewed before completing the procedure.')).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0)
  })

  it('shows the firm library by area and adds a procedure from it', async () => {
    let added: unknown = null
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/firm/procedures': {
        body: {
          areas: AREAS,
          procedures: [
            { id: null, code: 'CASH-02', source: 'starter', title: 'Re-perform the bank reconciliations', objective: 'Agree the reconciliation.', assertions: ['existence', 'cut_off'], areas: ['cash'], risk_responses: ['routine'], nature: 'test_of_details', hidden: false, retired: false },
            { id: 'f-1', code: 'F-REV-1', source: 'firm', title: 'Our revenue walkthrough', objective: 'Walk a sale through.', assertions: ['occurrence'], areas: ['revenue'], risk_responses: [], nature: 'test_of_controls', hidden: false, retired: false },
          ],
        },
      },
      'POST /api/engagements/e-1/program/procedures': async (request) => {
        added = await request.json()
        return { status: 201, body: procedure({ id: 'p-3', library_code: 'CASH-02', area: 'cash' }) }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager() })
    await userEvent.click(await screen.findByRole('button', { name: 'Procedure library' }))
    const library = await screen.findByRole('table', { name: 'Library procedures' })
    expect(within(library).getAllByRole('row')).toHaveLength(3)
    expect(within(library).getByText(/F-REV-1 · the firm’s own/)).toBeInTheDocument()
    await userEvent.selectOptions(screen.getByLabelText('Area'), 'cash')
    expect(within(library).getAllByRole('row')).toHaveLength(2)
    await userEvent.click(within(library).getByRole('button', { name: 'Add CASH-02 to the program' }))
    expect(await screen.findByText('“Re-perform the bank reconciliations” was added to the program.')).toBeInTheDocument()
    expect(added).toEqual({ library_code: 'CASH-02', area: 'cash' })
  })
})
