/**
 * An audit senior's year-end story through the portal; a manager and a senior in two browsers, where
 * the manager's sign-off on an old view is refused naming the senior's change; then a client contact
 * who tries another client's engagement by its URL. Steps in order: each starts where the last ended.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch } from './support'

const config = loadConfig()
// A client's trial balance in its own words: debtors, creditors, an accumulated depreciation (a contra
// asset). Assets 12,000 + 5,000 + 9,000 - 3,000 = 23,000 = creditors 4,000 + capital 15,000 + the year's 4,000.
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
let context: BrowserContext
let page: Page
let problems: string[]
let engagementUrl = ''

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

/** The page as shown in a 1024 px wide window has nothing beyond its right edge (no sideways scrolling). */
async function fitsAt1024(): Promise<void> {
  await page.setViewportSize({ width: 1024, height: 900 })
  try {
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
      .toBeLessThanOrEqual(0)
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 })
  }
}

beforeAll(async () => {
  browser = await launch(config)
  context = await newContext(browser, config)
  page = await context.newPage()
  problems = watch(page)
})

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && page) {
    await screenshot(page, config, `failed-${context.task.name.replace(/\W+/g, '-')}`)
    console.error(`what the page reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  await browser?.close()
})

describe('an auditor', () => {
  it('signs in and sees the engagements', async () => {
    await signIn(page, config.manager)
    await screenshot(page, config, '01-engagements')
  })

  it('creates an engagement', async () => {
    await page.getByRole('link', { name: 'New engagement' }).click()
    await page.getByLabel('Client').selectOption({ label: config.clientName })
    await page.getByLabel('Name', { exact: true }).fill('Northwind FY2026 audit')
    await page.getByLabel('Period start').fill('2026-01-01')
    await page.getByLabel('Period end').fill('2026-12-31')
    await screenshot(page, config, '02-new-engagement')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await page.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)
    engagementUrl = new URL(page.url()).pathname
    await visible(page.getByRole('heading', { name: 'Northwind FY2026 audit' }))
    await visible(page.getByRole('button', { name: 'Move to planning' }))
    await expect.poll(() => page.getByText(/^Loading/).count()).toBe(0)
    await screenshot(page, config, '03-engagement-overview')
  })

  it('uploads a general ledger and watches it load', async () => {
    await page.getByRole('link', { name: 'Data', exact: true }).click()
    await page.getByLabel('Kind').selectOption('general_ledger')
    await page.getByLabel('Choose file').setInputFiles(config.generalLedger)
    await visible(page.getByText('Column mapping'))
    // The file's first rows are wider than the window; they scroll in their own box, the drop zone stays in view.
    await page.setViewportSize({ width: 1024, height: 900 })
    await screenshot(page, config, '04a-data-mapping-1024')
    const zone = await page.getByTestId('dropzone').boundingBox()
    expect((zone?.x ?? 0) + (zone?.width ?? 0)).toBeLessThanOrEqual(1024)
    await fitsAt1024()
    await page.getByRole('button', { name: 'Upload and load' }).click()
    await visible(page.getByText(/loaded/i), 60_000)
    await screenshot(page, config, '04-data-loaded')
  })

  it('sees the journal-entry test results of the run the load started', async () => {
    await page.getByRole('link', { name: 'JE testing' }).click()
    await visible(page.getByRole('row').filter({ hasText: 'Round amount' }), 90_000)
    await visible(page.getByText(/^completed$/i), 90_000)
    await visible(page.getByRole('heading', { name: /Triage/ }))
    await expect.poll(() => page.getByText(/^Loading/).count()).toBe(0)
    await screenshot(page, config, '05-je-tests')
    await fitsAt1024()
  })

  it('dispositions a flagged journal as an exception with a note', async () => {
    await page.getByRole('link', { name: 'Risk-ranked journals' }).click()
    const journal = page.getByRole('row').filter({ hasText: 'JE-9001' })
    await visible(journal)
    await journal.first().click()
    const form = page.getByRole('form', { name: 'Disposition' })
    await form.getByLabel('Disposition').selectOption('exception')
    await form.getByLabel(/^Note/).fill('Round accrual posted after year end by its approver; proposed adjustment AJE-3.')
    await page.getByRole('button', { name: 'Save disposition' }).click()
    await visible(page.getByText('Saved'))
    await screenshot(page, config, '06-journal-disposition')
    await fitsAt1024()
  })

  it('sees the Benford chart with its MAD and conformity', async () => {
    await page.getByRole('link', { name: 'Benford' }).click()
    // After the navigation the keyboard starts from the page's heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Benford analysis')
    const chart = page.getByRole('img', { name: 'Benford chart: observed against expected' })
    await visible(chart)
    expect(await chart.locator('rect').count()).toBeGreaterThanOrEqual(9)
    await visible(page.getByText('MAD'))
    await screenshot(page, config, '07-benford')
    await fitsAt1024()
  })

  it('drills from a Benford bin to the ledger lines behind it', async () => {
    await page.getByRole('link', { name: 'Lines beginning with 1' }).click()
    await visible(page.getByRole('heading', { name: 'General ledger' }))
    await visible(page.getByText(/Showing amounts beginning with 1, debits only of 10\.00 or more/))
    await expect.poll(() => page.getByRole('table', { name: 'Journal lines' }).locator('tbody tr').count()).toBeGreaterThan(0)
    // Every line shown is a debit of 10 or more whose amount begins with a 1.
    const debits = await page.getByRole('table', { name: 'Journal lines' }).locator('tbody tr td:nth-child(6)').allTextContents()
    expect(debits.length).toBeGreaterThan(0)
    for (const debit of debits) {
      expect(debit.replace(/,/g, '')).toMatch(/^1/)
      expect(Number(debit.replace(/,/g, ''))).toBeGreaterThanOrEqual(10)
    }
    await screenshot(page, config, '07a-benford-bin-lines')
    await fitsAt1024()
  })

  it('sets materiality with the benchmarks side by side', async () => {
    await page.getByRole('link', { name: 'Materiality', exact: true }).click()
    await visible(page.getByText(/No materiality has been determined yet/))
    await page.getByLabel(/^Profit before tax/).fill('2000000')
    await page.getByLabel(/^Revenue/).fill('40000000')
    await page.getByLabel('Rationale').fill('Profit before tax is stable and is what the owners read.')
    await page.getByRole('button', { name: 'Save materiality' }).click()
    await visible(page.getByText('Version 1 saved: performance materiality 65,000.00.'))
    await visible(page.getByRole('heading', { name: /Version 1/ }))
    await screenshot(page, config, '07b-materiality')
    await fitsAt1024()
  })

  it('assesses a fraud risk and sees it in the RMM matrix', async () => {
    await page.getByRole('link', { name: 'Risks', exact: true }).click()
    await page.getByRole('button', { name: 'Add a risk' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add a risk' })
    await dialog.getByLabel('Account or area').fill('Revenue')
    await dialog.getByLabel('Assertion').selectOption('cut_off')
    await dialog.getByLabel('Description').fill('Sales recorded before delivery at the year end')
    await dialog.getByLabel('Inherent risk').selectOption('high')
    await dialog.getByLabel('Fraud risk').check()
    await dialog.getByRole('button', { name: 'Add risk' }).click()
    await visible(page.getByRole('button', { name: /^Inherent high, control high: 1 risks/ }))
    await screenshot(page, config, '07c-risks')
    await fitsAt1024()
  })

  it('plans and selects an MUS sample of the ledger, enters audited values and evaluates it', async () => {
    await page.getByRole('link', { name: 'Sampling', exact: true }).click()
    // Tolerable misstatement starts at the performance materiality just set.
    await expect.poll(() => page.getByLabel('Tolerable misstatement').inputValue(), { timeout: 20_000 }).toBe('65000.00')
    await page.getByLabel('Book value (for the plan only)').fill('5000000')
    await page.getByRole('button', { name: 'Plan the size' }).click()
    await visible(page.getByText(/^Sample size [\d,]+: where it comes from$/))
    await screenshot(page, config, '07d-sampling-plan')
    await page.getByLabel('Name', { exact: true }).fill('Ledger MUS')
    await page.getByLabel('Population').selectOption('general_ledger')
    await page.getByRole('button', { name: 'Select the sample' }).click()
    await page.waitForURL(/\/sampling\/[0-9a-f-]{36}$/)
    await expect.poll(async () => (await page.getByLabel('Seed').textContent())?.trim() ?? '', { timeout: 20_000 }).toMatch(/^\d+$/)
    await visible(page.getByRole('table', { name: 'Where the sample size came from' }))
    await screenshot(page, config, '07e-sample')
    await page.getByRole('button', { name: 'Blank audited values = book value' }).click()
    await page.getByRole('button', { name: 'Save audited values' }).click()
    await visible(page.getByText(/^Saved \d+ lines?\.$/))
    await page.getByRole('button', { name: 'Evaluate' }).click()
    await visible(page.getByRole('region', { name: 'Evaluation result' }).getByText(/^(Accept|Reject): /))
    await screenshot(page, config, '07f-sample-evaluated')
    await fitsAt1024()
    await page.getByRole('link', { name: 'All samples' }).click()
    await visible(page.getByRole('row').filter({ hasText: 'Ledger MUS' }))
  })

  it('adds a workpaper to the binder and signs it as preparer', async () => {
    await page.getByRole('link', { name: 'Binder' }).click()
    await page.getByRole('button', { name: 'New item' }).click()
    await page.getByLabel('Kind').selectOption('workpaper')
    await page.getByLabel('Title').fill('Cash lead schedule')
    await page.getByRole('button', { name: 'Add' }).click()
    await visible(page.getByRole('heading', { name: /Cash lead schedule/ }))
    await page.getByRole('button', { name: 'Sign as preparer' }).click()
    const prepared = page.getByRole('row').filter({ hasText: 'Prepared' }).filter({ hasText: config.manager.name })
    await visible(prepared)
    await expect.poll(() => page.getByRole('button', { name: 'Sign as preparer' }).count()).toBe(0)
    await screenshot(page, config, '08-binder-signed')
    await fitsAt1024()
  })

  it('maps a trial balance and sees a balanced balance sheet', async () => {
    await page.getByRole('link', { name: 'Data', exact: true }).click()
    await page.getByLabel('Kind').selectOption('trial_balance')
    await page.getByLabel('Choose file').setInputFiles({ name: 'trial-balance.csv', mimeType: 'text/csv', buffer: Buffer.from(TRIAL_BALANCE) })
    await visible(page.getByText('Column mapping'))
    await page.getByRole('button', { name: 'Upload and load' }).click()
    await visible(page.getByText(/loaded/i), 60_000)
    // The load announces itself and the mapping job suggests every account on the served bus.
    await page.getByRole('link', { name: 'Mapping', exact: true }).click()
    const table = page.getByRole('table', { name: 'Accounts and their mapping' })
    await expect
      .poll(async () => (await table.getByRole('row').filter({ hasText: 'suggested' }).count()), { timeout: 90_000, interval: 1000 })
      .toBe(8)
    await visible(table.getByRole('row').filter({ hasText: 'Accumulated depreciation' }))
    await screenshot(page, config, '08b-mapping-suggested')
    await page.getByRole('button', { name: 'Confirm all suggested' }).click()
    await visible(page.getByText('8 accounts confirmed'))
    await page.getByRole('link', { name: 'Statements', exact: true }).click()
    await visible(page.getByText('Balanced', { exact: true }))
    await visible(page.getByRole('table', { name: 'Balance sheet lines' }).getByText('Total assets'))
    await screenshot(page, config, '08c-balance-sheet')
    await fitsAt1024()
  })

  it('sees the engagement on the home page with its progress, then the path to finalization', async () => {
    await page.getByRole('link', { name: 'Home', exact: true }).click()
    const row = page.getByRole('row').filter({ hasText: 'Northwind FY2026 audit' })
    await visible(row)
    // The workpaper signed as preparer above: none of one approved yet.
    await expect.poll(async () => (await row.first().textContent()) ?? '', { timeout: 20_000 }).toContain('0 / 1')
    await visible(page.getByRole('heading', { name: 'My tasks' }))
    await expect.poll(() => page.getByText(/^Looking for your tasks/).count()).toBe(0)
    await screenshot(page, config, '08d-home')
    await fitsAt1024()
    await row.first().click()
    await visible(page.getByRole('list', { name: 'Path to finalization' }))
    await visible(page.getByRole('list', { name: 'Path to finalization' }).getByText('0 of 1 approved'))
    await screenshot(page, config, '08e-engagement-progress')
  })

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(/\/sign-in/)
    // the session is over: going back to the engagement asks for sign-in again
    await page.goto(engagementUrl)
    await page.waitForURL(/\/sign-in/)
    // No script error and no server error in the whole story (refusals such as "no trial balance yet"
    // are answers the pages show, not faults).
    expect(problems.filter((p) => !/^4\d\d /.test(p))).toEqual([])
  })
})

describe('a manager and a senior in two browsers', () => {
  it("refuses the manager's sign-off on a view the senior changed, naming the senior's change", async () => {
    const managerContext = await newContext(browser, config)
    const seniorContext = await newContext(browser, config)
    const manager = await managerContext.newPage()
    const senior = await seniorContext.newPage()
    const seen = [...watch(manager), ...watch(senior)]
    const workpaper = `/engagements/${config.review.engagementId}/binder/${config.review.nodeId}`
    try {
      await signIn(manager, config.manager)
      await manager.goto(workpaper)
      await visible(manager.getByRole('heading', { name: config.review.title }))
      await visible(manager.getByText('You sign version 1, the one shown.'))

      // The senior, in another browser, saves version 2 of the workpaper the manager is looking at.
      await signIn(senior, config.senior)
      await senior.goto(workpaper)
      await visible(senior.getByRole('heading', { name: config.review.title }))
      await senior.getByLabel('Content').fill('Balance per bank 125,400.00 after the bank fee')
      await senior.getByRole('button', { name: 'Save' }).click()
      await visible(senior.getByText('Saved as version 2.'))

      // The manager acts on the view of version 1 at once: the API refuses it (or, had the screen already
      // polled, the screen names the change and holds the button); either way the senior's change is named.
      await manager.getByRole('button', { name: 'Sign as reviewer' }).click({ force: true })
      await expect
        .poll(async () => (await manager.getByRole('alert').allTextContents()).join(' '), { timeout: 20_000 })
        .toMatch(new RegExp(`(changed to version 2 by ${config.senior.name}|Changed by ${config.senior.name} at .*version 2)`))
      await screenshot(manager, config, '09-stale-signoff-refused')

      // Within a poll the manager's screen shows version 2 and says who changed it; having looked, they sign it.
      await visible(manager.getByText(new RegExp(`Changed by ${config.senior.name} at`)))
      await expect.poll(() => manager.getByLabel('Content').inputValue()).toContain('125,400.00')
      await manager.getByRole('button', { name: 'I have looked at the change' }).click()
      await manager.getByRole('button', { name: 'Sign as reviewer' }).click()
      await visible(manager.getByText('Reviewed at version 2.'))
      expect(seen.filter((p) => !/^(4\d\d|304) /.test(p))).toEqual([])
    } finally {
      await managerContext.close()
      await seniorContext.close()
    }
  })
})

describe('a client contact', () => {
  it("sees their client's engagement and cannot open another client's by its URL", async () => {
    const own = await newContext(browser, config)
    const client = await own.newPage()
    await signIn(client, config.clientUser)
    await visible(client.getByText('Northwind FY2026 audit'))
    expect(await client.getByText(config.otherEngagement.name).count()).toBe(0)
    await screenshot(client, config, '10-client-engagements')

    await client.goto(`/engagements/${config.otherEngagement.id}`)
    await visible(client.getByRole('alert'))
    await expect.poll(() => client.getByRole('alert').first().textContent()).toMatch(/cannot be shown/i)
    expect(await client.getByText(config.otherEngagement.name).count()).toBe(0)
    await screenshot(client, config, '11-client-refused')
    await own.close()
  })
})
