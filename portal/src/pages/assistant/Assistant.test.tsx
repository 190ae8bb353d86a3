import { screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import { Assistant } from './Assistant'
import type { AskResponse, AssistantStatus } from './assistant'

const ROUTE = '/engagements/:engagementId/assistant'
const PATH = '/engagements/e-1/assistant'

const status = (overrides: Partial<AssistantStatus> = {}): AssistantStatus => ({
  provider: 'offline',
  chunk_count: 42,
  indexed_at: '2026-12-06T10:00:00Z',
  stale: false,
  ...overrides,
})

const answer: AskResponse = {
  answer: 'The confirmed balance of 48,250.00 agrees to the ledger. [1] Journal JE-100 was flagged by round amount. [3]',
  provider: 'offline',
  citations: [
    { number: 1, chunk_id: 'c-1', document: 'C-100 Bank confirmation', locator: 'section procedures', kind: 'workpaper', text: 'The confirmed balance of 48,250.00 agrees to the ledger.' },
    { number: 3, chunk_id: 'c-3', document: 'Journal entry testing run of 2026-12-01', locator: 'journal JE-100', kind: 'journal_test', text: 'Journal JE-100 was flagged by round amount.' },
  ],
}

describe('Assistant', () => {
  it('shows the active model and what is indexed, asks, and shows the answer with its cited passages', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/assistant/status': { body: status() },
      'POST /api/engagements/e-1/assistant/ask': { body: answer },
    })
    renderPage(<Assistant />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByTestId('provider')).toHaveTextContent('Offline model (extractive answers; nothing leaves Aura)')
    expect(screen.getByText(/42 passages you may see, indexed/)).toBeInTheDocument()

    await userEvent.type(screen.getByLabelText('Your question'), 'What did the bank confirm?')
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }))

    const article = await screen.findByRole('article', { name: 'Answer to: What did the bank confirm?' })
    const marks = within(article).getAllByRole('link')
    expect(marks.map((m) => m.textContent)).toEqual(['[1]', '[3]'])
    expect(marks[0]).toHaveAttribute('href', '#answer-1-source-1')
    expect(marks[0]).toHaveAttribute('title', 'C-100 Bank confirmation, section procedures: The confirmed balance of 48,250.00 agrees to the ledger.')
    const sources = within(article).getByRole('list', { name: 'Sources' })
    const items = within(sources).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    expect(items[1]).toHaveAttribute('id', 'answer-1-source-3')
    expect(within(items[1]).getByText('Journal entry test')).toBeInTheDocument()
    expect(items[1]).toHaveTextContent('Journal entry testing run of 2026-12-01, journal JE-100')
    // The passage itself is one click away.
    await userEvent.click(within(items[0]).getByText('C-100 Bank confirmation'))
    expect(within(items[0]).getByText('The confirmed balance of 48,250.00 agrees to the ledger.')).toBeVisible()
    expect(within(article).getByText(/Answered by Offline model/)).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ question: 'What did the bank confirm?' })
    expect(screen.getByLabelText('Your question')).toHaveValue('')
  })

  it('refuses an empty question before sending and shows the API refusal of a bad one', async () => {
    const calls = mockApi({
      'GET /api/engagements/e-1/assistant/status': { body: status() },
      'POST /api/engagements/e-1/assistant/ask': {
        status: 400,
        body: { type: 'x', title: 'Bad Request', status: 400, detail: 'question: String should have at most 2000 characters', code: 'validation_failed' },
      },
    })
    renderPage(<Assistant />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    await userEvent.click(await screen.findByRole('button', { name: 'Ask' }))
    expect(screen.getByRole('alert')).toHaveTextContent('Write a question of at least 3 characters.')
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await userEvent.type(screen.getByLabelText('Your question'), 'Fine question')
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }))
    expect(await screen.findByText('The question was not answered')).toBeInTheDocument()
  })

  it('says when no passage supports an answer and names Azure OpenAI when it answers', async () => {
    mockApi({
      'GET /api/engagements/e-1/assistant/status': { body: status({ provider: 'azure-openai:chat', stale: true }) },
      'POST /api/engagements/e-1/assistant/ask': {
        body: { answer: 'The documents do not answer this.', citations: [], provider: 'azure-openai:chat' },
      },
    })
    renderPage(<Assistant />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByTestId('provider')).toHaveTextContent('Azure OpenAI (deployment chat)')
    expect(screen.getByText(/Documents changed since; the next question rebuilds the index/)).toBeInTheDocument()
    await userEvent.type(screen.getByLabelText('Your question'), 'Who is the CEO?')
    await userEvent.click(screen.getByRole('button', { name: 'Ask' }))
    const article = await screen.findByRole('article')
    expect(within(article).getByText('No passage of the engagement supports an answer.')).toBeInTheDocument()
    expect(within(article).queryByRole('link')).not.toBeInTheDocument()
  })

  it('lets the team rebuild the index and shows the new status', async () => {
    mockApi({
      'GET /api/engagements/e-1/assistant/status': { body: status({ indexed_at: null, chunk_count: 0, stale: true }) },
      'POST /api/engagements/e-1/assistant/index': { body: status({ chunk_count: 7 }) },
    })
    renderPage(<Assistant />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText(/Not indexed yet/)).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Rebuild the index' }))
    expect(await screen.findByText(/7 passages you may see/)).toBeInTheDocument()
  })

  it('tells a client user what answers draw on, without the team index button', async () => {
    mockApi({ 'GET /api/engagements/e-1/assistant/status': { body: status({ stale: null, chunk_count: 3 }) } })
    renderPage(<Assistant />, {
      route: ROUTE,
      path: PATH,
      engagement: makeEngagement(),
      me: makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }),
    })
    expect(await screen.findByText(/Answers draw only on what the audit team shared with you/)).toBeInTheDocument()
    expect(screen.getByText(/3 passages you may see/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Rebuild the index' })).not.toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Ask' })).toBeInTheDocument()
  })
})
