/**
 * Drill-down, the picture of risk and the administration screens in the browser: a manager loads a
 * general ledger, exports the ledger viewer's filtered lines, opens a journal with the tests it hit and
 * sees the risk charts beside the ranked journals; a partner filters the audit log and verifies its
 * chain, reads the firm settings, and changes their own password (and changes it back, so the files
 * after this one still sign in). Screenshots land in test-artifacts/portal/ (40- to 47-).
 */
import { readFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch, type Person } from './support'

const config = loadConfig() as ReturnType<typeof loadConfig> & { partner: Person }
const NEW_PASSWORD = 'a fresh passphrase for the e2e run 42'
let browser: Browser
let context: BrowserContext
let page: Page
let problems: string[]
let engagementUrl = ''
let passwordChanged = false

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click()
  await page.waitForURL(/\/sign-in/)
}

beforeAll(async () => {
  browser = await launch(config)
  context = await newContext(browser, config)
  page = await context.newPage()
  problems = watch(page)
})

afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await screenshot(page, config, `failed-admin-${ctx.task.name.replace(/\W+/g, '-')}`)
    console.error(`what the page reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  if (passwordChanged) {
    // A failed step left the partner's password changed: put it back through the API for the files after this one.
    const login = await fetch(`${config.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: config.partner.email, password: NEW_PASSWORD }),
    })
    if (login.ok) {
      const { access_token } = (await login.json()) as { access_token: string }
      await fetch(`${config.baseUrl}/api/auth/password`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${access_token}` },
        body: JSON.stringify({ current_password: NEW_PASSWORD, new_password: config.partner.password }),
      })
    }
  }
  await browser?.close()
})

describe('drill-down, the picture of risk and administration', () => {
  it('loads a general ledger into a new engagement', async () => {
    await signIn(page, config.manager)
    await page.getByRole('link', { name: 'New engagement' }).click()
    await page.getByLabel('Client').selectOption({ label: config.clientName })
    await page.getByLabel('Name', { exact: true }).fill('Drill-down FY2026 audit')
    await page.getByLabel('Period start').fill('2026-01-01')
    await page.getByLabel('Period end').fill('2026-12-31')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await page.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)
    engagementUrl = new URL(page.url()).pathname
    await page.getByRole('link', { name: 'Data', exact: true }).click()
    await page.getByLabel('Kind').selectOption('general_ledger')
    await page.getByLabel('Choose file').setInputFiles(config.generalLedger)
    await visible(page.getByText('Column mapping'))
    await page.getByRole('button', { name: 'Upload and load' }).click()
    await visible(page.getByText(/loaded/i), 60_000)
  })

  it('downloads the original file from its version', async () => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download the original/ }).first().click()])
    const path = await file.path()
    expect(readFileSync(path, 'utf-8')).toBe(readFileSync(config.generalLedger, 'utf-8'))
  })

  it('exports the ledger viewer’s filtered lines', async () => {
    await page.goto(`${engagementUrl}/ledger?user=akim`)
    await visible(page.getByRole('table', { name: 'Journal lines' }))
    await visible(page.getByText(/Export the [\d,]+ lines these filters select/))
    await screenshot(page, config, '40-ledger-export')
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()])
    expect(file.suggestedFilename()).toMatch(/^general-ledger-v\d+\.csv$/)
    const text = readFileSync(await file.path(), 'utf-8')
    const rows = text.trim().split(/\r\n/)
    expect(rows[0]).toContain('journal_id,line_number,account_number')
    expect(rows.length).toBeGreaterThan(1)
    expect(rows.slice(1).every((row) => row.split(',').includes('akim'))).toBe(true)
    await visible(page.getByText(/^Downloaded general-ledger-v\d+\.csv\.$/))
  })

  it('sees the picture of risk beside the ranked journals and opens a journal with its tests', async () => {
    await page.getByRole('link', { name: 'JE testing' }).click()
    await visible(page.getByText(/^completed$/i), 120_000)
    await page.getByRole('link', { name: 'Risk-ranked journals' }).click()
    await visible(page.getByRole('img', { name: 'Journals by risk score' }))
    await visible(page.getByRole('img', { name: 'Flagged amount by month' }))
    await visible(page.getByRole('img', { name: 'Flagged amount by user' }))
    const legend = page.getByRole('list', { name: 'Dispositions' })
    for (const name of ['Open', 'Investigating', 'Explained', 'Exception', 'False positive']) await visible(legend.getByText(name, { exact: true }))
    await screenshot(page, config, '41-risk-picture')
    await page.getByRole('row').filter({ hasText: 'JE-9001' }).first().click()
    await page.getByRole('link', { name: 'Open the journal with its tests and scores' }).click()
    await visible(page.getByRole('heading', { level: 2, name: /Journal JE-9001/ }))
    await visible(page.getByRole('table', { name: /Lines of journal JE-9001/ }))
    await screenshot(page, config, '42-journal-tests')
    await page.getByRole('link', { name: 'Open in the ledger' }).click()
    await visible(page.getByRole('region', { name: 'Journal JE-9001 tests' }))
    await signOut()
  })

  it('filters the audit log and verifies its chain', async () => {
    await signIn(page, config.partner)
    await page.getByRole('link', { name: 'Audit log' }).click()
    await visible(page.getByRole('table', { name: 'Audit records, newest first' }))
    await page.getByLabel('Action (or its start)').fill('auth.')
    await page.getByRole('button', { name: 'Filter' }).click()
    await expect.poll(() => new URL(page.url()).searchParams.get('action')).toBe('auth.')
    await visible(page.getByRole('button', { name: 'auth.login_succeeded' }))
    await expect.poll(async () => (await page.getByRole('table', { name: 'Audit records, newest first' }).getByRole('button', { name: /^engagement\./ }).count())).toBe(0)
    await page.getByRole('button', { name: 'Verify the chain' }).click()
    await visible(page.getByText(/^The chain is intact: [\d,]+ records checked/))
    await screenshot(page, config, '43-audit-log')
    await page.goto('/admin/firm')
    await visible(page.getByLabel('Firm name'))
    await screenshot(page, config, '44-firm-settings')
  })

  it('changes their own password and signs in with the new one', async () => {
    await page.getByRole('link', { name: new RegExp(config.partner.name) }).click()
    await visible(page.getByRole('heading', { name: 'Your profile' }))
    await visible(page.getByText('this sign-in'))
    await screenshot(page, config, '45-profile')
    await page.getByLabel('Current password').fill(config.partner.password)
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD)
    await page.getByLabel('New password again').fill(NEW_PASSWORD)
    await page.getByRole('button', { name: 'Change password' }).click()
    await visible(page.getByText(/^Password changed\./))
    passwordChanged = true
    await screenshot(page, config, '46-password-changed')
    await signOut()
    await signIn(page, { ...config.partner, password: NEW_PASSWORD })
    await page.goto('/profile')
    await page.getByLabel('Current password').fill(NEW_PASSWORD)
    await page.getByLabel('New password', { exact: true }).fill(config.partner.password)
    await page.getByLabel('New password again').fill(config.partner.password)
    await page.getByRole('button', { name: 'Change password' }).click()
    await visible(page.getByText(/^Password changed\./))
    passwordChanged = false
    await screenshot(page, config, '47-password-restored')
  })
})
