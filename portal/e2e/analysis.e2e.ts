/**
 * Financial analysis in the browser: a manager creates an engagement, loads and maps a trial balance,
 * and opens the Analysis tab: the ratios (current year), the flux table with its thresholds, the
 * going-concern indicators and the trends section. A screenshot lands in test-artifacts/portal/analysis.png.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch } from './support'

const config = loadConfig()
// Current assets 12,000 + 5,000 = 17,000 against creditors 4,000: a current ratio of 4.2500.
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
let browser: Browser
let page: Page
let problems: string[]

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

beforeAll(async () => {
  browser = await launch(config)
  page = await (await newContext(browser, config)).newPage()
  problems = watch(page)
})

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && page) {
    await screenshot(page, config, `failed-analysis-${context.task.name.replace(/\W+/g, '-')}`)
    console.error(`what the page reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  await browser?.close()
})

describe('financial analysis', () => {
  it('shows the ratios and the flux of a mapped trial balance', async () => {
    await signIn(page, config.manager)
    await page.getByRole('link', { name: 'New engagement' }).click()
    await page.waitForURL(/\/engagements\/new$/)
    await page.getByRole('combobox', { name: /^Client/ }).selectOption({ label: config.clientName })
    await page.getByLabel('Name', { exact: true }).fill('Analysis FY2026 audit')
    await page.getByLabel('Period start').fill('2026-01-01')
    await page.getByLabel('Period end').fill('2026-12-31')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await page.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)
    await visible(page.getByRole('heading', { name: 'Analysis FY2026 audit' }))

    await page.getByRole('link', { name: 'Data', exact: true }).click()
    await page.getByLabel('Kind').selectOption('trial_balance')
    await page.getByLabel('Choose file').setInputFiles({ name: 'trial-balance.csv', mimeType: 'text/csv', buffer: Buffer.from(TRIAL_BALANCE) })
    await visible(page.getByText('Column mapping'))
    await page.getByRole('button', { name: 'Upload and load' }).click()
    await visible(page.getByText(/loaded/i), 60_000)
    await page.getByRole('link', { name: 'Mapping', exact: true }).click()
    const mapping = page.getByRole('table', { name: 'Accounts and their mapping' })
    await expect
      .poll(async () => await mapping.getByRole('row').filter({ hasText: 'suggested' }).count(), { timeout: 90_000, interval: 1000 })
      .toBe(8)
    await page.getByRole('button', { name: 'Confirm all suggested' }).click()
    await visible(page.getByText('8 accounts confirmed'))

    await page.getByRole('link', { name: 'Analysis', exact: true }).click()
    const ratios = page.getByRole('table', { name: 'Ratios' })
    const current = ratios.getByRole('row').filter({ hasText: 'Current ratio' })
    await visible(current)
    await expect.poll(async () => (await current.first().textContent()) ?? '').toContain('4.2500')
    await visible(page.getByRole('table', { name: 'Flux lines' }))
    await visible(page.getByRole('table', { name: 'Flux lines' }).getByText('Cash and cash equivalents'))
    await visible(page.getByLabel('Amount threshold'))
    await visible(page.getByRole('table', { name: 'Going-concern indicators' }))
    await visible(page.getByText(/No general ledger has been loaded/))
    await expect.poll(() => page.getByText(/^Loading|^Computing|^Summing/).count()).toBe(0)
    await screenshot(page, config, 'analysis')
    // The missing trial balance of a new engagement is a refusal the page shows, not a fault.
    expect(problems.filter((p) => !/^4\d\d /.test(p))).toEqual([])
  })
})
