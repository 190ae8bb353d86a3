import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { uploadRaw } from '../../api/transfer'
import { makeEngagement, makeMe, mockApi, renderPage, type RecordedCall } from '../../test/render'
import { DataPage } from './DataPage'
import { GL_CSV, dataset, glPreview, job, refused, rollforward } from './fixtures'
import type { Preview } from './mapping'
import type { Dataset, Job } from './queries'

vi.mock('../../api/transfer', () => ({ uploadRaw: vi.fn(), download: vi.fn() }))

const E = '/api/engagements/e-1'
const ROUTE = '/engagements/:engagementId/data'
const PATH = '/engagements/e-1/data'

interface Stubs {
  preview?: Preview
  jobs?: Job[]
  outcome?: Dataset
  datasets?: Dataset[]
}

function stubs({ preview = glPreview(), jobs = [job('succeeded', '1')], outcome = dataset(), datasets = [] }: Stubs = {}): RecordedCall[] {
  let polled = 0
  return mockApi({
    [`POST ${E}/datasets/preview`]: { body: preview },
    [`GET ${E}/datasets`]: { body: { items: datasets, page: 1, page_size: 25, total: datasets.length } },
    [`GET ${E}/datasets/${outcome.id}`]: { body: outcome },
    [`GET ${E}/rollforward`]: { body: rollforward() },
    [`GET ${E}/team`]: { body: { members: [] } },
    'GET /api/jobs/j-1': () => {
      const answer = jobs[Math.min(polled, jobs.length - 1)]
      polled += 1
      return { body: answer }
    },
  })
}

function renderData(me = makeMe()) {
  return renderPage(<DataPage />, { route: ROUTE, path: PATH, engagement: makeEngagement(), me })
}

async function chooseFile(text = GL_CSV, name = 'gl.csv') {
  const file = new File([text], name, { type: 'text/csv' })
  await userEvent.upload(screen.getByLabelText('Choose file'), file)
  await screen.findByRole('heading', { name: 'Column mapping' })
  return file
}

const uploadButton = () => screen.getByRole('button', { name: 'Upload and load' })

async function mapTheMissingFields() {
  await userEvent.selectOptions(screen.getByLabelText('journal_id'), 'Ref')
  await userEvent.selectOptions(screen.getByLabelText('amount'), 'Value')
  await userEvent.selectOptions(screen.getByLabelText('effective_date'), 'Booked')
}

describe('the Data tab', () => {
  beforeEach(() => {
    vi.mocked(uploadRaw).mockReset()
  })

  it('previews the chosen file, prefills the mapping and blocks the upload while a required field is unmapped', async () => {
    const calls = stubs()
    renderData()
    await userEvent.selectOptions(screen.getByLabelText('Kind'), 'general_ledger')
    await chooseFile()

    const preview = calls.find((c) => c.method === 'POST' && c.path === `${E}/datasets/preview`)
    expect(preview?.search.get('kind')).toBe('general_ledger')
    expect(String(preview?.body)).toContain('Ref,Account,Value,Booked,Memo')

    expect(screen.getByLabelText('account_number')).toHaveValue('Account')
    expect(screen.getByLabelText('description')).toHaveValue('Memo')
    expect(screen.getByLabelText('journal_id')).toHaveValue('')
    expect(screen.getByText(/Required fields not mapped/)).toHaveTextContent('journal_id, amount, effective_date')
    expect(uploadButton()).toBeDisabled()
    // The first rows as the file has them.
    expect(screen.getAllByRole('cell', { name: 'Cash sale' }).length).toBeGreaterThan(0)
    expect(screen.getByText(/Not used:/).parentElement).toHaveTextContent('Ref, Value, Booked')

    await userEvent.selectOptions(screen.getByLabelText('journal_id'), 'Ref')
    await userEvent.selectOptions(screen.getByLabelText('amount'), 'Value')
    expect(uploadButton()).toBeDisabled()
    expect(screen.getByText(/Required field not mapped/)).toHaveTextContent('effective_date')
    await userEvent.selectOptions(screen.getByLabelText('effective_date'), 'Booked')
    expect(uploadButton()).toBeEnabled()
  })

  it('uploads a SAF-T file without a column mapping to choose', async () => {
    const header = ['journal_id', 'account_number', 'amount', 'effective_date']
    const saft: Preview = {
      ...glPreview(),
      format: 'saft',
      header,
      fields: glPreview().fields.map((f) => ({ ...f, column: header.includes(f.field) ? f.field : null })),
      missing: [],
      problems: [],
      ready: true,
      details: {},
      rows: [{ row: 1, cells: ['J1', '1000', '100.00', '2026-03-31'] }],
    }
    stubs({ preview: saft })
    vi.mocked(uploadRaw).mockResolvedValue({ dataset_id: 'd-1', job_id: 'j-1', version: 2 })
    renderData()
    await userEvent.upload(screen.getByLabelText('Choose file'), new File(['<AuditFile/>'], 'saft.xml', { type: 'application/xml' }))
    await screen.findByText(/needs no column mapping/)
    expect(screen.queryByRole('heading', { name: 'Column mapping' })).toBeNull()
    expect(screen.queryByLabelText('journal_id')).toBeNull()
    expect(uploadButton()).toBeEnabled()
    await userEvent.click(uploadButton())
    await waitFor(() => expect(uploadRaw).toHaveBeenCalledTimes(1))
    const query = new URL(vi.mocked(uploadRaw).mock.calls[0][0], 'http://localhost').searchParams
    expect(query.get('column_map')).toBeNull()
  })

  it('takes debit and credit together in place of a required amount', async () => {
    stubs({ preview: glPreview({ journal_id: 'Ref', account_number: 'Account', effective_date: 'Booked' }) })
    renderData()
    await chooseFile()
    expect(uploadButton()).toBeDisabled()
    await userEvent.selectOptions(screen.getByLabelText('debit'), 'Value')
    expect(uploadButton()).toBeDisabled()
    await userEvent.selectOptions(screen.getByLabelText('credit'), 'Memo')
    expect(uploadButton()).toBeEnabled()
  })

  it('sends as column_map only the fields the user chose, with the file as the raw body', async () => {
    stubs({ jobs: [job('succeeded', '1')] })
    vi.mocked(uploadRaw).mockResolvedValue({ dataset_id: 'd-1', job_id: 'j-1', version: 2 })
    renderData()
    const file = await chooseFile()
    await mapTheMissingFields()
    // Pointing a field elsewhere and back again is no change.
    await userEvent.selectOptions(screen.getByLabelText('account_number'), 'Ref')
    await userEvent.selectOptions(screen.getByLabelText('account_number'), 'Account')
    await userEvent.selectOptions(screen.getByLabelText('Date order'), 'dmy')
    await userEvent.click(uploadButton())

    await waitFor(() => expect(uploadRaw).toHaveBeenCalledTimes(1))
    const [url, body, options] = vi.mocked(uploadRaw).mock.calls[0]
    const query = new URL(url, 'http://localhost').searchParams
    expect(new URL(url, 'http://localhost').pathname).toBe(`${E}/datasets`)
    expect(query.get('kind')).toBe('general_ledger')
    expect(JSON.parse(query.get('column_map') ?? 'null')).toEqual({ journal_id: 'Ref', amount: 'Value', effective_date: 'Booked' })
    expect(query.get('date_order')).toBe('dmy')
    expect(query.get('filename')).toBe('gl.csv')
    expect(query.has('allow_unbalanced')).toBe(false)
    expect(body).toBe(file)
    expect(options?.contentType).toBe('text/csv')
    expect(typeof options?.onProgress).toBe('function')
  })

  it('sends no column_map when the detected mapping is kept', async () => {
    stubs({ preview: glPreview({ journal_id: 'Ref', account_number: 'Account', amount: 'Value', effective_date: 'Booked' }) })
    vi.mocked(uploadRaw).mockResolvedValue({ dataset_id: 'd-1', job_id: 'j-1', version: 2 })
    renderData()
    await chooseFile()
    await userEvent.click(uploadButton())
    await waitFor(() => expect(uploadRaw).toHaveBeenCalledTimes(1))
    expect(new URL(vi.mocked(uploadRaw).mock.calls[0][0], 'http://localhost').searchParams.has('column_map')).toBe(false)
  })

  it('follows the load job, showing its progress, then the outcome, and refreshes the versions and roll-forward', async () => {
    const calls = stubs({ jobs: [job('running', '0.4'), job('running', '0.4'), job('succeeded', '1')] })
    let progress: ((fraction: number) => void) | undefined
    let finishUpload: (value: unknown) => void = () => undefined
    vi.mocked(uploadRaw).mockImplementation((_url, _body, options) => {
      progress = options?.onProgress
      return new Promise((resolve) => {
        finishUpload = resolve
      })
    })
    renderData()
    await chooseFile()
    await mapTheMissingFields()
    await userEvent.click(uploadButton())

    const uploading = await screen.findByRole('progressbar', { name: 'Uploading' })
    progress?.(0.5)
    await waitFor(() => expect(uploading).toHaveAttribute('aria-valuenow', '50'))
    expect(uploadButton()).toBeDisabled()
    const before = calls.filter((c) => c.method === 'GET' && (c.path === `${E}/datasets` || c.path === `${E}/rollforward`)).length
    finishUpload({ dataset_id: 'd-1', job_id: 'j-1', version: 2 })

    const loading = await screen.findByRole('progressbar', { name: 'Loading' })
    await waitFor(() => expect(loading).toHaveAttribute('aria-valuenow', '40'))
    expect(screen.queryByRole('progressbar', { name: 'Uploading' })).not.toBeInTheDocument()

    expect(await screen.findByText(/Loaded general ledger version 2/, {}, { timeout: 4000 })).toHaveTextContent('4 lines in 2 journals')
    expect(screen.queryByRole('progressbar', { name: 'Loading' })).not.toBeInTheDocument()
    expect(calls.filter((c) => c.path === '/api/jobs/j-1').length).toBeGreaterThanOrEqual(3)
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'GET' && (c.path === `${E}/datasets` || c.path === `${E}/rollforward`)).length).toBeGreaterThanOrEqual(before + 2),
    )
  })

  it("shows a refused file's problems with row, column, value and reason", async () => {
    stubs({ jobs: [job('failed', '1')], outcome: refused() })
    vi.mocked(uploadRaw).mockResolvedValue({ dataset_id: 'd-9', job_id: 'j-1', version: 3 })
    renderData()
    await chooseFile()
    await mapTheMissingFields()
    await userEvent.click(uploadButton())

    expect(await screen.findByText(/The file was refused/)).toBeInTheDocument()
    expect(screen.getByText('2 value(s) cannot be read; the first is on row 7')).toBeInTheDocument()
    const table = screen.getByRole('table', { name: /Why the file was refused/ })
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent)
    expect(headers).toEqual(['Row', 'Column', 'Value', 'Reason'])
    const first = within(table).getAllByRole('row')[1]
    expect(within(first).getAllByRole('cell').map((c) => c.textContent)).toEqual(['7', 'Posting Date', '31/02/2026', 'not a calendar day'])
  })

  it('shows a preview the API refuses with its message', async () => {
    mockApi({
      [`POST ${E}/datasets/preview`]: {
        status: 400,
        body: { type: 'x', title: 'The request is not valid', status: 400, detail: 'The file is a PDF document, not a CSV, Excel workbook or SAF-T file.', code: 'binary_file' },
      },
      [`GET ${E}/datasets`]: { body: { items: [], page: 1, page_size: 25, total: 0 } },
      [`GET ${E}/rollforward`]: { body: rollforward() },
      [`GET ${E}/team`]: { body: { members: [] } },
    })
    renderData()
    await userEvent.upload(screen.getByLabelText('Choose file'), new File(['%PDF-1.7'], 'scan.csv', { type: 'text/csv' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The file is a PDF document')
    expect(uploadButton()).toBeDisabled()
  })

  it('lists the versions and opens a refused one to its problems', async () => {
    stubs({ datasets: [refused(), dataset()], outcome: refused() })
    renderData()
    const table = await screen.findByRole('table', { name: /Dataset versions/ })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(rows[1]).toHaveTextContent('4 lines in 2 journals')
    expect(rows[1]).toHaveTextContent('● current')
    expect(rows[0]).toHaveTextContent('failed')
    await userEvent.click(rows[0])
    const details = await screen.findByRole('region', { name: 'Version details' })
    expect(await within(details).findByRole('table', { name: /Why the file was refused/ })).toHaveTextContent('31/02/2026')
  })

  it('shows a client’s submission waiting for the team, by name, and a team member accepts it', async () => {
    const submitted = dataset({ id: 'd-9', version: 3, status: 'submitted', current: false, needs_acceptance: true, created_by: 'u-7', created_by_name: 'Carl Client' })
    const calls = mockApi({
      [`GET ${E}/datasets`]: { body: { items: [submitted, dataset()], page: 1, page_size: 25, total: 2 } },
      [`GET ${E}/datasets/d-9`]: { body: submitted },
      [`GET ${E}/rollforward`]: { body: rollforward() },
      [`GET ${E}/team`]: { body: { members: [] } },
      [`POST ${E}/datasets/d-9/accept`]: { body: { ...submitted, status: 'succeeded', current: true } },
    })
    renderData()
    const table = await screen.findByRole('table', { name: /Dataset versions/ })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows[0]).toHaveTextContent('submitted')
    expect(rows[0]).toHaveTextContent('Carl Client')
    expect(rows[0]).not.toHaveTextContent('user u-7')
    await userEvent.click(rows[0])
    const details = await screen.findByRole('region', { name: 'Version details' })
    expect(await within(details).findByText(/waits for the audit team to accept it/)).toBeInTheDocument()
    await userEvent.type(within(details).getByLabelText(/Reason/), 'Agreed to the signed trial balance')
    await userEvent.click(within(details).getByRole('button', { name: 'Accept as the current version' }))
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true))
    const posted = calls.find((c) => c.method === 'POST')!
    expect(posted.path).toBe(`${E}/datasets/d-9/accept`)
    expect(posted.body).toEqual({ reason: 'Agreed to the signed trial balance' })
  })

  it('shows the client the team’s reason for rejecting their file', async () => {
    const rejected = dataset({ id: 'd-8', status: 'rejected', current: false, decided_by_name: 'Mia Manager', decided_at: '2026-05-02T09:00:00Z', decision_reason: 'This is June; we need December' })
    stubs({ datasets: [rejected], outcome: rejected })
    renderData(makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }))
    const table = await screen.findByRole('table', { name: /Dataset versions/ })
    await userEvent.click(within(table).getAllByRole('row')[1])
    const details = await screen.findByRole('region', { name: 'Version details' })
    expect(await within(details).findByText(/Their reason: This is June; we need December/)).toBeInTheDocument()
    expect(within(details).queryByRole('button', { name: 'Reject' })).not.toBeInTheDocument()
  })

  it('highlights the drop zone while a file is dragged over it and previews a dropped file', async () => {
    const calls = stubs()
    renderData()
    const zone = screen.getByTestId('dropzone')
    const file = new File([GL_CSV], 'dropped.csv', { type: 'text/csv' })
    const { fireEvent } = await import('@testing-library/react')
    fireEvent.dragEnter(zone, { dataTransfer: { files: [file], types: ['Files'] } })
    expect(zone).toHaveClass('over')
    fireEvent.drop(zone, { dataTransfer: { files: [file], types: ['Files'] } })
    expect(zone).not.toHaveClass('over')
    await screen.findByRole('heading', { name: 'Column mapping' })
    expect(screen.getByText('dropped.csv')).toBeInTheDocument()
    expect(calls.some((c) => c.path === `${E}/datasets/preview`)).toBe(true)
  })

  it('shows a client user the upload and the versions but not the roll-forward', async () => {
    const calls = stubs()
    renderData(makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }))
    expect(await screen.findByRole('heading', { name: 'Versions' })).toBeInTheDocument()
    expect(screen.getByRole('heading', { name: 'Upload' })).toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'Roll-forward' })).not.toBeInTheDocument()
    await waitFor(() => expect(calls.some((c) => c.path === `${E}/datasets`)).toBe(true))
    expect(calls.some((c) => c.path === `${E}/rollforward` || c.path === `${E}/team`)).toBe(false)
  })
})
