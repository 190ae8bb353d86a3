/**
 * Fieldwork through the portal (issues 23 and 24): a manager opens an engagement, loads and maps its
 * trial balance, records a significant revenue risk and generates the audit program from it; sends a
 * bank a confirmation (its letter downloads as a PDF) and records a reply that disagrees with the books;
 * records a Type I subsequent event with its adjusting entry; sees the disclosure checklist turned on by
 * the trial balance and drafts the revenue note with its amounts; and asks the engagement a question,
 * answered with a citation. One browser, steps in order, asserting what the manager sees.
 */
import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch } from './support'

const config = loadConfig()
const NAME = 'Northwind fieldwork FY2026'
// Assets 12,000 + 5,000 + 9,000 - 3,000 = 23,000 = creditors 4,000 + capital 15,000 + the year's 4,000.
const TRIAL_BALANCE = `Account Number,Account Name,Closing Balance
1000,Cash at bank,12000.00
1100,Trade debtors,5000.00
1500,Motor vehicles,9000.00
1510,Motor vehicles - accumulated depreciation,-3000.00
2000,Trade creditors,-4000.00
3000,Share capital,-15000.00
4000,Sales,-20000.00
5000,Cost of goods sold,16000.00
`
const BANK = 'First Northern Bank'
const EVENT = 'Supplier dispute settled in January: 1,500.00 more is owed for goods received before the year end'
const REVENUE = 'Revenue from contracts with customers'

let browser: Browser
let context: BrowserContext
let page: Page
let problems: string[] = []

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

async function tab(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Engagement' }).getByRole('link', { name, exact: true }).click()
}

async function subtab(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Fieldwork' }).getByRole('link', { name, exact: true }).click()
}

beforeAll(async () => {
  browser = await launch(config)
  context = await newContext(browser, config)
  page = await context.newPage()
  problems = watch(page)
})

afterEach(async (test) => {
  if (test.task.result?.state === 'fail') {
    if (page) await screenshot(page, config, `failed-fieldwork-${test.task.name.replace(/\W+/g, '-')}`)
    console.error(`what the page reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  await browser?.close()
})

describe('fieldwork from the risk register to a cited answer', () => {
  it('the manager opens an engagement and loads and maps its trial balance', async () => {
    await signIn(page, config.manager)
    await page.getByRole('link', { name: 'New engagement' }).click()
    await page.getByLabel('Client').selectOption({ label: config.clientName })
    await page.getByLabel('Name', { exact: true }).fill(NAME)
    await page.getByLabel('Period start').fill('2026-01-01')
    await page.getByLabel('Period end').fill('2026-12-31')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await page.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)

    await tab('Data')
    await page.getByLabel('Kind').selectOption('trial_balance')
    await page.getByLabel('Choose file').setInputFiles({ name: 'trial-balance.csv', mimeType: 'text/csv', buffer: Buffer.from(TRIAL_BALANCE) })
    await visible(page.getByText('Column mapping'))
    await page.getByRole('button', { name: 'Upload and load' }).click()
    await visible(page.getByText(/loaded/i), 60_000)
    await tab('Mapping')
    const table = page.getByRole('table', { name: 'Accounts and their mapping' })
    await expect
      .poll(async () => await table.getByRole('row').filter({ hasText: 'suggested' }).count(), { timeout: 90_000, interval: 1000 })
      .toBe(8)
    await page.getByRole('button', { name: 'Confirm all suggested' }).click()
    await visible(page.getByText('8 accounts confirmed'))
  })

  it('records a significant revenue risk and generates the program, which answers it with a test of details', async () => {
    await tab('Risks')
    await page.getByRole('button', { name: 'Add a risk' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a risk' })
    await dialog.getByLabel('Account or area').fill('Revenue')
    await dialog.getByLabel('Assertion').selectOption('existence')
    await dialog.getByLabel('Description').fill('Sales recorded before delivery to meet the year-end bonus target')
    await dialog.getByLabel('Inherent risk').selectOption('high')
    await dialog.getByLabel('Control risk').selectOption('high')
    await dialog.getByLabel('Significant risk').check()
    await dialog.getByRole('button', { name: 'Add risk' }).click()
    await expect.poll(() => dialog.count()).toBe(0)
    const risk = page.getByRole('row').filter({ hasText: 'Sales recorded before delivery' })
    await visible(risk.getByText('significant', { exact: true }))
    await screenshot(page, config, '50-risk-significant')

    await tab('Program')
    await visible(page.getByText('The program has no procedures yet.', { exact: false }))
    await page.getByRole('button', { name: 'Generate from risks' }).click()
    await visible(page.getByRole('status').getByText(/^\d+ procedures added from the risk register\.$/))
    const revenue = page.getByRole('table', { name: 'Revenue procedures' })
    const vouching = revenue.getByRole('row').filter({ hasText: 'Vouch recorded sales to delivery evidence' })
    await visible(vouching)
    await visible(vouching.getByText(/Test of details/))
    await visible(vouching.getByText('Revenue / existence'))
    // Every risk is answered: no warning about unanswered risks.
    expect(await page.getByRole('list', { name: 'Unanswered risks' }).count()).toBe(0)
    await screenshot(page, config, '51-program-generated')
  })

  it('creates a bank confirmation, downloads its letter, and records a reply that differs from the books', async () => {
    await subtab('Confirmations')
    await visible(page.getByRole('heading', { name: 'Confirmations' }))
    await page.getByRole('button', { name: 'New confirmation' }).click()
    const form = page.getByRole('form', { name: 'New confirmation request' })
    await form.getByLabel('Kind').selectOption('bank')
    await form.getByLabel('Confirming party').fill(BANK)
    await form.getByLabel('E-mail').fill('confirmations@firstnorthern.example')
    await form.getByLabel('Trial balance account').fill('1000')
    await form.getByRole('button', { name: 'Create the request' }).click()
    await visible(page.getByText(`A draft request to ${BANK} is created.`))
    const row = page.getByRole('table', { name: 'Confirmation log' }).getByRole('row').filter({ hasText: BANK })
    // The amount per books is read from the mapped trial balance.
    await visible(row.getByText('12,000.00'))
    await screenshot(page, config, '52-confirmation-draft')

    const [letter] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Letter to ${BANK}` }).click()])
    const bytes = readFileSync(await letter.path())
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(letter.suggestedFilename()).toMatch(/\.pdf$/)

    await page.getByRole('button', { name: `Mark the request to ${BANK} sent` }).click()
    await visible(page.getByText(new RegExp(`^The request to ${BANK} is marked sent on \\d{4}-\\d{2}-\\d{2}\\.$`)))
    const sent = /on (\d{4}-\d{2}-\d{2})\./.exec((await page.getByText(/is marked sent on/).textContent()) ?? '')?.[1] ?? ''
    await page.getByRole('button', { name: `Record the reply of ${BANK}` }).click()
    const reply = page.getByRole('form', { name: `Record the reply of ${BANK}` })
    await reply.getByLabel('Received on').fill(sent)
    await reply.getByLabel('Amount the party stated').fill('11,500.00')
    await reply.getByRole('button', { name: 'Record the reply' }).click()
    await visible(page.getByText(new RegExp(`^The reply of ${BANK} is recorded as an exception \\(difference \\(500\\.00\\)\\)\\.$`)))
    await visible(row.getByText('exception'))

    const coverage = page.getByRole('table', { name: 'Coverage by account' }).getByRole('row').filter({ hasText: '1000 Cash at bank' })
    await visible(coverage)
    // Balance per books, requests, confirmed, coverage, exceptions, exceptions total (reply less books), open, no reply:
    // a reply with an exception confirms nothing until it is resolved.
    expect(await coverage.getByRole('cell').allTextContents()).toEqual(['12,000.00', '1', '0.00', '0.00%', '1', '(500.00)', '0', '0'])
    await screenshot(page, config, '53-confirmation-exception')
  })

  it('records a Type I subsequent event with a proposed adjusting entry and sees it in the register', async () => {
    await subtab('Subsequent events')
    await visible(page.getByText('No subsequent event is recorded.'))
    // Only a trial balance is loaded: the next period's ledger review says so rather than failing.
    await visible(page.getByText(/^No general ledger is loaded yet\./))
    await page.getByRole('button', { name: 'Add an event' }).click()
    const form = page.getByRole('form', { name: 'New subsequent event' })
    await form.getByLabel('Date').fill('2027-01-20')
    await form.getByLabel('Description').fill(EVENT)
    await form.getByLabel('Type').selectOption('recognized')
    await form.getByLabel('Amount', { exact: true }).fill('1500.00')
    await form.getByLabel('Debit account').fill('5000')
    await form.getByLabel('Credit account').fill('2000')
    await form.getByLabel('Entry amount').fill('1500.00')
    await form.getByRole('button', { name: 'Save the event' }).click()
    const row = page.getByRole('table', { name: 'Subsequent events' }).getByRole('row').filter({ hasText: EVENT })
    await visible(row)
    await visible(row.getByText('Type I: adjust'))
    await visible(row.getByText(/^Adjusting entry \d+ \(proposed\), 1,500\.00$/))
    await visible(row.getByText('open'))
    await screenshot(page, config, '54-subsequent-event')
  })

  it('sees the disclosure checklist turned on by the trial balance and drafts the revenue note with its amounts', async () => {
    await tab('Disclosures')
    const topic = page.getByRole('table', { name: `${REVENUE} checklist` })
    await visible(topic)
    const on = topic.getByRole('row').filter({ hasText: /turned on by the .*account 4000 Sales/ })
    await expect.poll(() => on.count()).toBeGreaterThan(0)
    await screenshot(page, config, '55-disclosure-checklist')
    await page.getByRole('button', { name: `Draft ${REVENUE}` }).click()
    const note = page.getByRole('article').filter({ has: page.getByRole('heading', { name: new RegExp(REVENUE) }) })
    await visible(note, 60_000)
    await visible(note.getByText('draft', { exact: true }))
    // The sales figure is a reference to the trial balance, resolved to its amount.
    const amounts = note.locator('mark.disclosure-ref')
    await expect.poll(() => amounts.count()).toBeGreaterThan(0)
    expect((await amounts.allTextContents()).some((text) => /20,?000(\.00)?/.test(text))).toBe(true)
    expect(await note.locator('mark.disclosure-unresolved').count()).toBe(0)
    await screenshot(page, config, '56-disclosure-note')
  })

  it('asks the engagement a question and gets an answer citing its source', async () => {
    await tab('Ask')
    await visible(page.getByRole('heading', { name: 'Ask the engagement' }))
    const question = `What did ${BANK} confirm?`
    await page.getByLabel('Your question').fill(question)
    await page.getByRole('button', { name: 'Ask', exact: true }).click()
    const answer = page.getByRole('article', { name: `Answer to: ${question}` })
    await visible(answer, 60_000)
    const sources = answer.getByRole('list', { name: 'Sources' }).getByRole('listitem')
    await expect.poll(() => sources.count()).toBeGreaterThan(0)
    await visible(answer.locator('.assistant-text a.cite'))
    await screenshot(page, config, '57-assistant-answer')
    // Nothing failed on the server and no script error on the page.
    expect(problems.filter((p) => !/^4\d\d /.test(p))).toEqual([])
    await context.close()
  })
})
