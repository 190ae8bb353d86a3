import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, mockApi, renderPage } from '../../test/render'
import { item, musSample } from './fixtures'
import { SampleDetail } from './SampleDetail'

const ROUTE = '/engagements/:engagementId/sampling/:sampleId'
const PATH = '/engagements/e-1/sampling/s-1'
const noMateriality = { status: 404, body: { type: 'x', title: 'Not Found', status: 404, detail: 'none', code: 'no_materiality' } }

describe('SampleDetail', () => {
  it('shows the seed, the population and where the size came from', async () => {
    mockApi({ 'GET /api/engagements/e-1/samples/s-1': { body: musSample() }, 'GET /api/engagements/e-1/materiality': noMateriality })
    renderPage(<SampleDetail />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByLabelText('Seed')).toHaveTextContent('918273645')
    expect(screen.getByText(/Trial balance, version 2 · 120 items, total 2,500,000.00/)).toBeInTheDocument()
    const sources = screen.getByRole('table', { name: 'Where the sample size came from' })
    expect(within(sources).getByRole('row', { name: /Sample size n 60/ })).toBeInTheDocument()
    expect(within(sources).getByRole('row', { name: /Sampling interval 41,666.66/ })).toBeInTheDocument()
    expect(screen.getByText('Not evaluated yet: 0 of 3 items audited.')).toBeInTheDocument()
  })

  it('enters audited values (high-value items included) and saves only what changed', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/samples/s-1': { body: musSample() },
      'GET /api/engagements/e-1/materiality': noMateriality,
      'PUT /api/engagements/e-1/samples/s-1/items': {
        body: musSample({ audited_count: 3, items: [item(1, { audited_value: '1000.00' }), item(3, { audited_value: '2500.00' })], high_value_items: [item(2, { high_value: true, book_value: '50000.00', audited_value: '50000.00' })] }),
      },
    })
    renderPage(<SampleDetail />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Blank audited values = book value' }))
    const line3 = screen.getByLabelText('Audited value on line 3')
    await userEvent.clear(line3)
    await userEvent.type(line3, '2500.00')
    await userEvent.type(screen.getByLabelText('Note on line 3'), 'priced at invoice')
    await userEvent.click(screen.getByRole('button', { name: 'Save audited values' }))
    expect(await screen.findByText('Saved 3 lines.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
      items: [
        { line: 1, audited_value: '1000.00' },
        { line: 2, audited_value: '50000.00' },
        { line: 3, audited_value: '2500.00', note: 'priced at invoice' },
      ],
    })
  })

  it('evaluates and shows the conclusion; a refusal names the missing lines', async () => {
    let complete = false
    mockApi({
      'GET /api/engagements/e-1/samples/s-1': { body: musSample() },
      'GET /api/engagements/e-1/materiality': noMateriality,
      'POST /api/engagements/e-1/samples/s-1/evaluation': () =>
        complete
          ? { body: musSample({ evaluated_at: '2026-03-02T09:00:00Z', evaluation: { method: 'mus', interval: '41666.66', risk: '0.05', conclusion: 'reject', overstatement: { upper_limit: '131000.00' } } }) }
          : { status: 409, body: { type: 'x', title: 'Conflict', status: 409, detail: '3 items still need an audited value: lines 1, 2, 3', code: 'sample_incomplete' } },
    })
    renderPage(<SampleDetail />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Evaluate' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('3 items still need an audited value: lines 1, 2, 3')
    complete = true
    await userEvent.click(screen.getByRole('button', { name: 'Evaluate' }))
    const result = await screen.findByRole('region', { name: 'Evaluation result' })
    expect(result).toHaveTextContent('Reject: misstatement may exceed the tolerable amount')
    expect(result).toHaveTextContent('Overstatement: upper limit131,000.00')
  })

  it('uploads the filled-in workbook as its bytes and shows what it entered', async () => {
    let sent: { type: string | null; size: number } | null = null
    mockApi({
      'GET /api/engagements/e-1/samples/s-1': { body: musSample() },
      'GET /api/engagements/e-1/materiality': noMateriality,
      'PUT /api/engagements/e-1/samples/s-1/workbook': async (request) => {
        sent = { type: request.headers.get('Content-Type'), size: (await request.arrayBuffer()).byteLength }
        return { body: musSample({ audited_count: 3 }) }
      },
    })
    renderPage(<SampleDetail />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const file = new File([new Uint8Array([80, 75, 3, 4, 1, 2])], 'sample.xlsx', { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' })
    await userEvent.upload(await screen.findByLabelText('Upload the filled-in workbook'), file)
    expect(await screen.findByText("The workbook's findings are entered: 3 of 3 items audited.")).toBeInTheDocument()
    expect(sent).toEqual({ type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 6 })
  })

  it('records deviations on an attribute sample', async () => {
    const attribute = musSample({ method: 'attribute', design: { n: 2, allowed_deviations: 0, risk: '0.05', distribution: 'hypergeometric', achieved_risk: '0.04', population_size: 120 }, parameters: { confidence: '0.95', tolerable_rate: '0.05', expected_rate: '0' }, high_value_items: [], items: [item(1), item(2)] })
    const calls = mockApi({
      'GET /api/engagements/e-1/samples/s-1': { body: attribute },
      'GET /api/engagements/e-1/materiality': noMateriality,
      'PUT /api/engagements/e-1/samples/s-1/items': { body: attribute },
    })
    renderPage(<SampleDetail />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.selectOptions(await screen.findByLabelText('Deviation on line 2'), 'yes')
    await userEvent.click(screen.getByRole('button', { name: 'Save deviations' }))
    await screen.findByText('Saved 1 line.')
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ items: [{ line: 2, deviation: true }] })
    expect(within(screen.getByRole('table', { name: 'Where the sample size came from' })).getByRole('row', { name: /Distribution hypergeometric/ })).toBeInTheDocument()
  })
})
