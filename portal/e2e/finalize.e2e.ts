/**
 * The end of an audit through the portal: one engagement from its trial balance's upload to a
 * finalized engagement with a signed report. The manager opens it, puts a partner on the team,
 * uploads and maps the trial balance and moves it to review; the partner runs QC and waives what
 * blocks (with reasons); the manager drafts the report, previews and approves it; the partner signs
 * it with their password (a wrong one is refused first), finalizes from the bar above the tabs, sees
 * the write-once copy verified, and downloads the PDF. Two browsers, steps in order.
 */
import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch, type E2EConfig, type Person } from './support'

const config = loadConfig() as E2EConfig & { partner: Person }
const NAME = 'Northwind year-end FY2026'
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
const REASON = 'Accepted by the engagement partner for this small engagement after discussing it with the manager'

let browser: Browser
let managerContext: BrowserContext
let partnerContext: BrowserContext
let manager: Page
let partner: Page
let problems: string[]
let engagementUrl = ''
let digest = ''

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

/** The page as shown in a 1024 px wide window has nothing beyond its right edge. */
async function fitsAt1024(page: Page): Promise<void> {
  await page.setViewportSize({ width: 1024, height: 900 })
  try {
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
      .toBeLessThanOrEqual(0)
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 })
  }
}

async function tab(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Engagement' }).getByRole('link', { name, exact: true }).click()
}

beforeAll(async () => {
  browser = await launch(config)
  managerContext = await newContext(browser, config)
  partnerContext = await newContext(browser, config)
  manager = await managerContext.newPage()
  partner = await partnerContext.newPage()
  problems = [...watch(manager), ...watch(partner)]
})

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    const name = context.task.name.replace(/\W+/g, '-')
    if (manager) await screenshot(manager, config, `failed-finalize-manager-${name}`)
    if (partner) await screenshot(partner, config, `failed-finalize-partner-${name}`)
    console.error(`what the pages reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  await browser?.close()
})

describe('from upload to a finalized, signed report', () => {
  it('the manager opens an engagement and puts a partner on its team', async () => {
    await signIn(manager, config.manager)
    await manager.getByRole('link', { name: 'New engagement' }).click()
    await manager.getByLabel('Client').selectOption({ label: config.clientName })
    await manager.getByLabel('Name', { exact: true }).fill(NAME)
    await manager.getByLabel('Period start').fill('2026-01-01')
    await manager.getByLabel('Period end').fill('2026-12-31')
    await manager.getByRole('button', { name: 'Create engagement' }).click()
    await manager.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)
    engagementUrl = new URL(manager.url()).pathname
    const team = manager.getByRole('form', { name: 'Add to team' })
    await expect.poll(() => team.getByLabel('Person').locator('option').count()).toBeGreaterThan(1)
    await team.getByLabel('Person').selectOption({ label: `${config.partner.name} (${config.partner.email})` })
    await team.getByLabel('Engagement role').selectOption('partner')
    await team.getByRole('button', { name: 'Add to team' }).click()
    await visible(manager.getByText(`${config.partner.name} joined the team as partner.`))
  })

  it('the manager uploads the trial balance and confirms its mapping', async () => {
    await tab(manager, 'Data')
    await manager.getByLabel('Kind').selectOption('trial_balance')
    await manager.getByLabel('Choose file').setInputFiles({ name: 'trial-balance.csv', mimeType: 'text/csv', buffer: Buffer.from(TRIAL_BALANCE) })
    await visible(manager.getByText('Column mapping'))
    await manager.getByRole('button', { name: 'Upload and load' }).click()
    await visible(manager.getByText(/loaded/i), 60_000)
    await tab(manager, 'Mapping')
    const table = manager.getByRole('table', { name: 'Accounts and their mapping' })
    await expect
      .poll(async () => await table.getByRole('row').filter({ hasText: 'suggested' }).count(), { timeout: 90_000, interval: 1000 })
      .toBe(8)
    await manager.getByRole('button', { name: 'Confirm all suggested' }).click()
    await visible(manager.getByText('8 accounts confirmed'))
  })

  it('the manager moves it to review, where the bar above the tabs says what is missing', async () => {
    await tab(manager, 'Overview')
    for (const [from, to] of [['draft', 'planning'], ['planning', 'fieldwork'], ['fieldwork', 'review']]) {
      await manager.getByRole('button', { name: `Move to ${to}` }).click()
      await visible(manager.getByText(`Moved from ${from} to ${to}.`))
    }
    const bar = manager.getByRole('region', { name: 'Finalization' })
    await visible(bar.getByText('Not ready to finalize'))
    const missing = bar.getByRole('list', { name: 'Missing before finalizing' })
    await visible(missing.getByText(/The QC gate has not passed/))
    await visible(missing.getByRole('link', { name: 'Open quality control' }))
    // Only the partner finalizes.
    await visible(bar.getByText('Only the engagement partner can finalize.'))
    await screenshot(manager, config, 'f01-finalize-not-ready')
  })

  it('the partner runs QC, sees what is missing and waives what blocks with a reason', async () => {
    await signIn(partner, config.partner)
    await partner.goto(engagementUrl)
    await partner.getByRole('region', { name: 'Finalization' }).getByRole('link', { name: 'Open quality control' }).click()
    await visible(partner.getByRole('heading', { name: 'Quality control' }))
    await expect.poll(() => partner.evaluate(() => document.activeElement?.textContent)).toBe('Quality control')
    await partner.getByRole('button', { name: 'Run the QC checks' }).click()
    const policies = partner.getByRole('table', { name: 'QC policies' })
    await visible(policies, 60_000)
    await visible(partner.getByText(/^The QC gate did not pass: \d+ blocking/))
    // Each failed policy says what is missing and links to where it is fixed.
    const journals = policies.getByRole('row').filter({ hasText: 'je_testing' })
    await visible(journals.getByText('failed'))
    await visible(journals.getByRole('link', { name: /^JE testing: fix/ }))
    await screenshot(partner, config, 'f02-qc-failed')
    await fitsAt1024(partner)

    const waiveable = policies.getByRole('row').filter({ hasText: 'Blocking' }).getByRole('button', { name: /^Waive / })
    const blocking = await waiveable.count()
    expect(blocking).toBeGreaterThan(0)
    // A reason under 20 characters is refused before it is sent.
    await waiveable.first().click()
    await partner.getByLabel('Reason for the waiver').fill('Too short')
    await partner.getByRole('button', { name: 'Waive the policy' }).click()
    await visible(partner.getByText('The reason needs at least 20 characters (it has 9).'))
    for (let done = 0; done < blocking; done += 1) {
      if (done > 0) await waiveable.first().click()
      await partner.getByLabel('Reason for the waiver').fill(REASON)
      await partner.getByRole('button', { name: 'Waive the policy' }).click()
      await visible(partner.getByText(/is waived\. Run the checks again to record the gate\./))
      await expect.poll(() => partner.getByRole('list', { name: 'Waivers in force' }).getByRole('listitem').count()).toBe(done + 1)
    }
    await partner.getByRole('button', { name: 'Run the checks again' }).click()
    await visible(partner.getByText(/^QC run: The QC gate passed/))
    await visible(policies.getByText('waived'))
    await screenshot(partner, config, 'f03-qc-waived')
  })

  it('the manager drafts the report, previews its PDF and approves it', async () => {
    await manager.goto(`${engagementUrl}/report`)
    await visible(manager.getByRole('heading', { name: 'Auditor’s report' }))
    await visible(manager.getByText(/No report has been drafted yet/))
    const opinions = manager.getByRole('group', { name: 'Opinion' })
    await opinions.getByRole('radio', { name: /Qualified/ }).check()
    await manager.getByRole('button', { name: 'Draft the report' }).click()
    await visible(manager.getByText(/A qualified opinion needs its basis for modification/))
    await opinions.getByRole('radio', { name: /Unmodified/ }).check()
    await manager.getByLabel('Emphasis of matter (optional)').fill('We draw attention to the change in the depreciation of motor vehicles.')
    await manager.getByRole('button', { name: 'Draft the report' }).click()
    await visible(manager.getByText('Version 1 drafted.'))
    await manager.getByRole('button', { name: 'Preview the PDF' }).click()
    // The PDF fetched with the session shows in the page, or, where the portal's content policy refuses a
    // blob: frame (its frame-src), the page says so and offers the download instead of a broken frame.
    const frame = manager.getByTitle('The report, version 1 (PDF)')
    const refused = manager.getByText(/content policy does not allow showing the PDF inside the page/)
    await expect
      .poll(async () => (await refused.isVisible()) || ((await frame.isVisible()) && /^blob:/.test((await frame.getAttribute('src')) ?? '')), { timeout: 60_000 })
      .toBe(true)
    await screenshot(manager, config, 'f04-report-draft-preview')
    await fitsAt1024(manager)
    await manager.getByRole('button', { name: 'Approve the report' }).click()
    await visible(manager.getByText('Version 1 approved.'))
    await visible(manager.getByText('Only the engagement partner can sign the report.'))
  })

  it('the partner signs: a wrong password is refused and keeps the session, the right one signs', async () => {
    await partner.goto(`${engagementUrl}/report`)
    const form = partner.getByRole('form', { name: 'Sign the report' })
    await visible(form)
    await form.getByLabel('Your password').fill(`${config.partner.password}-not`)
    await form.getByRole('button', { name: 'Sign the report' }).click()
    await visible(form.getByText(/That password is not right, so the report was not signed/))
    // Still signed in: the page is still there, not the sign-in page.
    expect(new URL(partner.url()).pathname).toBe(`${engagementUrl}/report`)
    await screenshot(partner, config, 'f05-sign-wrong-password')
    await form.getByLabel('Your password').fill(config.partner.password)
    await form.getByRole('button', { name: 'Sign the report' }).click()
    await visible(partner.getByText(/^Signed\. SHA-256 [0-9a-f]{64}\.$/), 60_000)
    digest = /[0-9a-f]{64}/.exec((await partner.getByText(/^Signed\. SHA-256/).textContent()) ?? '')?.[0] ?? ''
    const signature = partner.getByLabel('Signature')
    await visible(signature.getByText(config.partner.name))
    await visible(signature.getByTitle(digest))
    await screenshot(partner, config, 'f06-report-signed')
  })

  it('the partner finalizes from the bar; the report is stored write-once and verifies', async () => {
    await partner.reload()
    const bar = partner.getByRole('region', { name: 'Finalization' })
    await visible(bar.getByText(/^Ready to finalize/))
    await bar.getByRole('button', { name: 'Finalize…' }).click()
    await visible(bar.getByRole('region', { name: 'Confirm finalizing' }))
    await screenshot(partner, config, 'f07-finalize-confirm')
    await bar.getByRole('button', { name: 'Finalize the engagement' }).click()
    await expect.poll(() => partner.getByRole('region', { name: 'Finalization' }).count()).toBe(0)
    await visible(partner.locator('.workspace-header').getByText('finalized', { exact: true }))
    await visible(partner.getByText('Verified: the stored PDF hashes to the signed digest.'), 60_000)
    await visible(partner.getByText('Yes: it cannot be overwritten or deleted'), 60_000)
    await visible(partner.getByText('The engagement is finalized: the report can no longer change.'))
    await screenshot(partner, config, 'f08-finalized-verified')
    await fitsAt1024(partner)
  })

  it('the partner downloads the signed PDF', async () => {
    const [download] = await Promise.all([partner.waitForEvent('download'), partner.getByRole('button', { name: 'Download the PDF' }).click()])
    const file = await download.path()
    const bytes = readFileSync(file)
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(bytes.length).toBeGreaterThan(1000)
    expect(download.suggestedFilename()).toMatch(/\.pdf$/)
    // Nothing failed on the server and no script error on either page (refusals are 4xx answers the pages show).
    expect(problems.filter((p) => !/^4\d\d /.test(p))).toEqual([])
    await managerContext.close()
    await partnerContext.close()
  })
})
