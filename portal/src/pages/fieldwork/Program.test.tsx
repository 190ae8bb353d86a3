import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { FIRM_PERMISSIONS, TEAM_PERMISSIONS, makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { Program } from './Program'
import { customProblems, emptyLibraryDraft, libraryProblems, riskLabel, type Risk } from './procedureLibrary'
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

const risk = (overrides: Partial<Risk>): Risk =>
  ({
    id: 'r-1', engagement_id: 'e-1', area: 'Revenue', assertion: 'cut_off', description: 'Sales booked early', inherent_risk: 'high',
    control_risk: 'moderate', fraud_risk: false, significant_risk: true, rmm: 'high', response: {}, procedure_node_ids: [], procedures: [],
    created_by: null, created_at: '2026-12-01T00:00:00Z', updated_by: null, updated_at: '2026-12-01T00:00:00Z',
    ...overrides,
  }) as Risk

const FIRM_LIBRARY = {
  areas: AREAS,
  procedures: [
    { id: null, code: 'CASH-02', source: 'starter', title: 'Re-perform the bank reconciliations', objective: 'Agree the reconciliation.', assertions: ['existence'], areas: ['cash'], risk_responses: ['routine'], nature: 'test_of_details', hidden: false, retired: false },
    { id: null, code: 'CASH-03', source: 'starter', title: 'Count the petty cash', objective: 'See the cash.', assertions: ['existence'], areas: ['cash'], risk_responses: ['routine'], nature: 'test_of_details', hidden: true, retired: false },
    { id: 'f-1', code: 'F-REV-1', source: 'firm', title: 'Our revenue walkthrough', objective: 'Walk a sale through.', assertions: ['occurrence'], areas: ['revenue'], risk_responses: [], nature: 'test_of_controls', hidden: false, retired: false },
  ],
}
const keeper = () => makeMe({ permissions: [...FIRM_PERMISSIONS, 'program.manage'] })

describe('shaping forms', () => {
  it('says what a custom procedure lacks', () => {
    expect(customProblems({ title: ' ', objective: '', area: '', nature: '', assertions: [] })).toEqual([
      'Give the procedure a title.',
      'Choose the account area it belongs to.',
      'Choose its nature.',
    ])
    expect(customProblems({ title: 'Inspect the lease contracts', objective: '', area: 'other', nature: 'test_of_details', assertions: [] })).toEqual([])
  })

  it('says what a firm library procedure lacks, its code only when new', () => {
    const draft = { ...emptyLibraryDraft(), code: '-bad code' }
    expect(libraryProblems(draft, true)).toHaveLength(6)
    expect(libraryProblems(draft, false)).toHaveLength(5)
    const full = { code: 'F-CASH-01', title: 'Cash walk', objective: 'Walk it.', assertions: ['existence' as const], areas: ['cash' as const], risk_responses: [], nature: 'test_of_controls' as const }
    expect(libraryProblems(full, true)).toEqual([])
  })

  it('labels a risk by area, assertion and what makes it weigh', () => {
    expect(riskLabel(risk({}))).toBe('Revenue / cut off (significant)')
    expect(riskLabel(risk({ significant_risk: false, fraud_risk: true, assertion: 'valuation' }))).toBe('Revenue / valuation (fraud)')
    expect(riskLabel(risk({ significant_risk: false }))).toBe('Revenue / cut off')
  })
})

describe('Program shaping', () => {
  it('writes a custom procedure into the program once it has a title, area and nature', async () => {
    let sent: unknown = null
    const calls = mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'POST /api/engagements/e-1/program/procedures': async (request) => {
        sent = await request.json()
        return { status: 201, body: procedure({ id: 'p-4', source: 'custom', library_code: null, area: 'other', title: 'Inspect the lease contracts' }) }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager() })
    await userEvent.click(await screen.findByRole('button', { name: 'Write a procedure…' }))
    const dialog = screen.getByRole('dialog', { name: 'Write a procedure' })
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add to the program' }))
    expect(within(dialog).getByText('Give the procedure a title.')).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Inspect the lease contracts')
    await userEvent.type(within(dialog).getByLabelText('Objective'), 'Find leases kept off the balance sheet.')
    await userEvent.selectOptions(within(dialog).getByLabelText('Account area'), 'other')
    await userEvent.selectOptions(within(dialog).getByLabelText('Nature'), 'test_of_details')
    await userEvent.click(within(dialog).getByLabelText('completeness'))
    await userEvent.click(within(dialog).getByLabelText('presentation'))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add to the program' }))
    expect(await screen.findByText('“Inspect the lease contracts” was written into the program.')).toBeInTheDocument()
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument()
    expect(sent).toEqual({
      title: 'Inspect the lease contracts',
      objective: 'Find leases kept off the balance sheet.',
      area: 'other',
      nature: 'test_of_details',
      assertions: ['completeness', 'presentation'],
    })
  })

  it('links and unlinks the risks of the register a procedure answers', async () => {
    let sent: unknown = null
    const calls = mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/engagements/e-1/risks': { body: { items: [risk({}), risk({ id: 'r-2', assertion: 'valuation', significant_risk: false, fraud_risk: true, description: 'Fictitious sales' })], page: 1, page_size: 500, total: 2 } },
      'PATCH /api/engagements/e-1/program/procedures/p-1': async (request) => {
        sent = await request.json()
        return { body: procedure({ risk_ids: ['r-2'] }) }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager() })
    await userEvent.click(await screen.findByRole('button', { name: 'Link risks to Test sales cut-off' }))
    const dialog = screen.getByRole('dialog')
    const linked = await within(dialog).findByRole('checkbox', { name: /Revenue \/ cut off \(significant\)/ })
    const other = within(dialog).getByRole('checkbox', { name: /Revenue \/ valuation \(fraud\)/ })
    expect(linked).toBeChecked()
    expect(other).not.toBeChecked()
    await userEvent.click(linked)
    await userEvent.click(other)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('The risks “Test sales cut-off” answers were saved.')).toBeInTheDocument()
    expect(sent).toEqual({ risk_ids: ['r-2'] })
    expect(calls.find((c) => c.path === '/api/engagements/e-1/risks')?.search.get('page_size')).toBe('500')
  })

  it('offers neither writing, risk links nor the firm library to staff', async () => {
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: staff() })
    await screen.findByRole('table', { name: 'Revenue procedures' })
    expect(screen.queryByRole('button', { name: 'Write a procedure…' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Link risks/ })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Manage the firm’s library' })).not.toBeInTheDocument()
  })

  it('lets a keeper of the firm library hide or show a starter procedure and retire the firm’s own', async () => {
    const sent: { method: string; body: unknown }[] = []
    const calls = mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/firm/procedures': { body: FIRM_LIBRARY },
      'PUT /api/firm/procedures/starter-visibility': async (request) => {
        const body = (await request.json()) as { code: string; hidden: boolean }
        sent.push({ method: 'PUT', body })
        return { body: { ...FIRM_LIBRARY.procedures.find((p) => p.code === body.code), hidden: body.hidden } }
      },
      'PATCH /api/firm/procedures/f-1': async (request) => {
        const body = await request.json()
        sent.push({ method: 'PATCH', body })
        return { body: { ...FIRM_LIBRARY.procedures[2], retired: true } }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager(), me: keeper() })
    await userEvent.click(await screen.findByRole('button', { name: 'Manage the firm’s library' }))
    const table = await screen.findByRole('table', { name: 'The firm’s library' })
    expect(calls.find((c) => c.path === '/api/firm/procedures')?.search.get('include_hidden')).toBe('true')
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.map((r) => within(r).getAllByRole('cell')[1].textContent)).toEqual(['Offered', 'Hidden', 'Offered'])
    await userEvent.click(within(table).getByRole('button', { name: 'Hide CASH-02' }))
    expect(await screen.findByText('CASH-02 is hidden from the library and generated programs.')).toBeInTheDocument()
    await userEvent.click(within(table).getByRole('button', { name: 'Show CASH-03' }))
    expect(await screen.findByText('CASH-03 is offered again.')).toBeInTheDocument()
    await userEvent.click(within(table).getByRole('button', { name: 'Retire F-REV-1' }))
    expect(await screen.findByText('F-REV-1 is retired: it is no longer offered.')).toBeInTheDocument()
    expect(sent).toEqual([
      { method: 'PUT', body: { code: 'CASH-02', hidden: true } },
      { method: 'PUT', body: { code: 'CASH-03', hidden: false } },
      { method: 'PATCH', body: { retired: true } },
    ])
    expect(within(table).queryByRole('button', { name: /Edit CASH/ })).not.toBeInTheDocument()
  })

  it('adds a procedure of the firm’s own to the library and edits one', async () => {
    const sent: { method: string; body: unknown }[] = []
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/firm/procedures': { body: FIRM_LIBRARY },
      'POST /api/firm/procedures': async (request) => {
        const body = (await request.json()) as Record<string, unknown>
        sent.push({ method: 'POST', body })
        return { status: 201, body: { id: 'f-2', source: 'firm', hidden: false, retired: false, ...body } }
      },
      'PATCH /api/firm/procedures/f-1': async (request) => {
        const body = (await request.json()) as Record<string, unknown>
        sent.push({ method: 'PATCH', body })
        return { body: { ...FIRM_LIBRARY.procedures[2], ...body } }
      },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager(), me: keeper() })
    await userEvent.click(await screen.findByRole('button', { name: 'Manage the firm’s library' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Add a procedure of the firm’s own…' }))
    let dialog = screen.getByRole('dialog', { name: 'Add a procedure of the firm’s own' })
    await userEvent.type(within(dialog).getByLabelText('Code'), 'bad code')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(within(dialog).getByText(/Give it a code of letters/)).toBeInTheDocument()
    expect(within(dialog).getByText('Choose at least one account area.')).toBeInTheDocument()
    expect(sent).toHaveLength(0)
    await userEvent.clear(within(dialog).getByLabelText('Code'))
    await userEvent.type(within(dialog).getByLabelText('Code'), 'F-CASH-01')
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Walk the cash receipts')
    await userEvent.type(within(dialog).getByLabelText('Objective'), 'See a receipt from post to bank.')
    await userEvent.selectOptions(within(dialog).getByLabelText('Nature'), 'test_of_controls')
    await userEvent.click(within(dialog).getByLabelText('Cash and cash equivalents'))
    await userEvent.click(within(dialog).getByLabelText('existence'))
    await userEvent.click(within(dialog).getByLabelText('Reliance on controls'))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('F-CASH-01 was added to the firm’s library.')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Edit F-REV-1' }))
    dialog = screen.getByRole('dialog', { name: 'Edit F-REV-1' })
    expect(within(dialog).queryByLabelText('Code')).not.toBeInTheDocument()
    expect(within(dialog).getByLabelText('Revenue')).toBeChecked()
    await userEvent.clear(within(dialog).getByLabelText('Title'))
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Our revenue walkthrough, with IT')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('F-REV-1 was updated.')).toBeInTheDocument()
    expect(sent).toEqual([
      {
        method: 'POST',
        body: {
          code: 'F-CASH-01', title: 'Walk the cash receipts', objective: 'See a receipt from post to bank.', assertions: ['existence'],
          areas: ['cash'], risk_responses: ['controls_reliance'], nature: 'test_of_controls',
        },
      },
      {
        method: 'PATCH',
        body: {
          title: 'Our revenue walkthrough, with IT', objective: 'Walk a sale through.', assertions: ['occurrence'], areas: ['revenue'],
          risk_responses: [], nature: 'test_of_controls',
        },
      },
    ])
  })

  it('keeps the form open with the API’s reason when the firm already has the code', async () => {
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
      'GET /api/firm/procedures': { body: FIRM_LIBRARY },
      'POST /api/firm/procedures': { status: 409, body: { type: 'about:blank', title: 'Conflict', status: 409, detail: 'the firm already has a procedure F-REV-1', code: 'conflict' } },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: manager(), me: keeper() })
    await userEvent.click(await screen.findByRole('button', { name: 'Manage the firm’s library' }))
    await userEvent.click(await screen.findByRole('button', { name: 'Add a procedure of the firm’s own…' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a procedure of the firm’s own' })
    await userEvent.type(within(dialog).getByLabelText('Code'), 'F-REV-1')
    await userEvent.type(within(dialog).getByLabelText('Title'), 'Another walkthrough')
    await userEvent.type(within(dialog).getByLabelText('Objective'), 'Walk it again.')
    await userEvent.selectOptions(within(dialog).getByLabelText('Nature'), 'test_of_controls')
    await userEvent.click(within(dialog).getByLabelText('Revenue'))
    await userEvent.click(within(dialog).getByLabelText('occurrence'))
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect(await within(dialog).findByText(/the firm already has a procedure F-REV-1/)).toBeInTheDocument()
    expect(screen.getByRole('dialog')).toBeInTheDocument()
  })

  it('offers no program changes once the engagement is finalized', async () => {
    mockApi({
      'GET /api/engagements/e-1/program': { body: program() },
      'GET /api/engagements/e-1/team': { body: TEAM },
    })
    renderPage(<Program />, { route: ROUTE, path: PATH, engagement: makeEngagement({ locked: true }) })
    await screen.findByRole('table', { name: 'Revenue procedures' })
    expect(screen.queryByRole('button', { name: 'Write a procedure…' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: /Link risks/ })).not.toBeInTheDocument()
  })
})
