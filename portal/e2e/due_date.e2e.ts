/**
 * An engagement's report due date through the portal (issue 22, item 1): the manager opens an engagement
 * whose report was due months ago and sees it overdue on its overview, moves the date out and sees
 * "due in N days", then finds it on the home page with the same wording. Steps in order.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch } from './support'

const config = loadConfig()
const NAME = 'Northwind due-date FY2025'

let browser: Browser
let page: Page
let problems: string[] = []

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

beforeAll(async () => {
  browser = await launch(config)
  page = await (await newContext(browser, config)).newPage()
  problems = watch(page)
})

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    await screenshot(page, config, `failed-due-date-${context.task.name.replace(/\W+/g, '-')}`)
    console.error(`what the page reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  await browser?.close()
})

describe('a report due date', () => {
  it('is set on a new engagement and shown overdue on its overview', async () => {
    await signIn(page, config.manager)
    await page.getByRole('link', { name: 'New engagement' }).click()
    await page.waitForURL(/\/engagements\/new$/)
    await page.getByLabel('Client').selectOption({ label: config.clientName })
    await page.getByLabel('Name', { exact: true }).fill(NAME)
    await page.getByLabel('Period start').fill('2025-01-01')
    await page.getByLabel('Period end').fill('2025-12-31')
    await page.getByLabel('Report due').fill('2026-03-31')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await page.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)
    await visible(page.getByText(/2026-03-31 · overdue by \d+ days/))
    await screenshot(page, config, 'due-date-overdue')
  })

  it('is moved out on the overview and shown as due in N days there and on the home page', async () => {
    await page.getByRole('button', { name: 'Change', exact: true }).click()
    await page.getByRole('form', { name: 'Report due date' }).getByLabel('Report due').fill('2099-12-31')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await visible(page.getByText(/2099-12-31 · due in \d+ days/))
    await page.goto('/')
    const row = page.getByRole('row').filter({ hasText: NAME })
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/2099-12-31 · due in \d+ days/)
    await screenshot(page, config, 'due-date-home')
  })
})
