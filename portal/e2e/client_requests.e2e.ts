/**
 * The PBC list through the portal (issue 22, item 6): the manager opens an engagement with the senior on
 * its team and asks the client for their bank confirmation; the client contact sees it on their home
 * page, opens it and sends the file; the senior sees the submission waiting on their home page, opens
 * it, downloads the file and accepts it; the counts on both home pages change. Steps in order.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launch, loadConfig, newContext, screenshot, signIn, watch } from './support'

const config = loadConfig()
const NAME = 'Northwind PBC FY2026'
const TITLE = 'Bank confirmation at 31 December'
const FILE = { name: 'bank-confirmation.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 Northwind bank confirmation') }

let browser: Browser
const contexts: BrowserContext[] = []
let manager: Page
let client: Page
let senior: Page
let problems: string[] = []
let engagementUrl = ''

const visible = (locator: ReturnType<Page['getByText']>, timeout = 20_000) =>
  expect.poll(() => locator.first().isVisible(), { timeout }).toBe(true)

const count = (page: Page, testId: string) => page.getByTestId(testId).first().locator('strong').textContent()

async function tab(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Engagement' }).getByRole('link', { name, exact: true }).click()
}

async function open(): Promise<Page> {
  const context = await newContext(browser, config)
  contexts.push(context)
  const page = await context.newPage()
  problems = [...problems, ...watch(page)]
  return page
}

beforeAll(async () => {
  browser = await launch(config)
  manager = await open()
})

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    const name = context.task.name.replace(/\W+/g, '-')
    for (const [who, page] of [['manager', manager], ['client', client], ['senior', senior]] as const) {
      if (page) await screenshot(page, config, `failed-requests-${who}-${name}`)
    }
    console.error(`what the pages reported:\n${problems.join('\n')}`)
  }
})

afterAll(async () => {
  await browser?.close()
})

describe('a client request from asking to acceptance', () => {
  it('the manager opens an engagement with the senior on its team and asks the client for a document', async () => {
    await signIn(manager, config.manager)
    await manager.getByRole('link', { name: 'New engagement' }).click()
    await manager.waitForURL(/\/engagements\/new$/)
    await manager.getByLabel('Client').selectOption({ label: config.clientName })
    await manager.getByLabel('Name', { exact: true }).fill(NAME)
    await manager.getByLabel('Period start').fill('2026-01-01')
    await manager.getByLabel('Period end').fill('2026-12-31')
    await manager.getByRole('button', { name: 'Create engagement' }).click()
    await manager.waitForURL(/\/engagements\/[0-9a-f-]{36}$/)
    engagementUrl = new URL(manager.url()).pathname
    const team = manager.getByRole('form', { name: 'Add to team' })
    await expect.poll(() => team.getByLabel('Person').locator('option').count()).toBeGreaterThan(1)
    await team.getByLabel('Person').selectOption({ label: `${config.senior.name} (${config.senior.email})` })
    await team.getByLabel('Engagement role').selectOption('senior')
    await team.getByRole('button', { name: 'Add to team' }).click()
    await visible(manager.getByText(`${config.senior.name} joined the team as senior.`))

    await tab(manager, 'Requests')
    await manager.getByRole('button', { name: 'New request' }).click()
    const form = manager.getByRole('form', { name: 'New request' })
    await form.getByLabel('Title').fill(TITLE)
    await form.getByLabel('What is needed').fill('The signed confirmation from each bank, for every account open during the year.')
    await form.getByLabel('Due date').fill('2027-01-15')
    await expect.poll(() => form.getByLabel('Client contact').locator('option').count()).toBeGreaterThan(1)
    await form.getByLabel('Client contact').selectOption({ label: `${config.clientUser.name} (${config.clientUser.email})` })
    await screenshot(manager, config, '30-request-new')
    await form.getByRole('button', { name: 'Send the request' }).click()
    await visible(manager.getByRole('heading', { name: TITLE }))
    await visible(manager.getByRole('row').filter({ hasText: TITLE }))
    await expect.poll(() => manager.getByText(/^Loading/).count()).toBe(0)
    await screenshot(manager, config, '31-requests-team')
  })

  it('the client contact sees it on their home page and sends the file against it', async () => {
    client = await open()
    await signIn(client, config.clientUser)
    const panel = client.getByRole('region', { name: 'What your auditors asked you for' })
    await visible(panel)
    await expect.poll(() => count(client, 'requests-open')).toBe('1')
    await expect.poll(() => count(client, 'requests-submitted')).toBe('0')
    await screenshot(client, config, '32-client-home-requests')
    await panel.getByRole('link', { name: 'Open the requests' }).click()
    await client.waitForURL(/\/requests$/)
    const row = client.getByRole('row').filter({ hasText: TITLE })
    await visible(row)
    await screenshot(client, config, '33-client-my-requests')
    await row.first().click()
    await client.waitForURL(/\/engagements\/[0-9a-f-]{36}\/requests\?request=/)
    await visible(client.getByRole('heading', { name: TITLE }))
    await client.getByLabel('Choose a file to send').setInputFiles(FILE)
    await visible(client.getByText(/Sent\. The audit team/))
    await visible(client.getByText('Sent, with the audit team'))
    await client.getByLabel('Add a comment').fill('Here is the confirmation from our bank.')
    await client.getByRole('button', { name: 'Comment', exact: true }).click()
    await visible(client.getByText('Here is the confirmation from our bank.'))
    await screenshot(client, config, '34-client-sent')
  })

  it('the senior sees the submission waiting, downloads it and accepts it; the counts change', async () => {
    senior = await open()
    await signIn(senior, config.senior)
    const panel = senior.getByRole('region', { name: 'Requests (PBC list)' })
    await visible(panel)
    await expect.poll(() => count(senior, 'requests-submitted')).toBe('1')
    await screenshot(senior, config, '35-senior-home-waiting')
    await senior.goto(`${engagementUrl}/requests`)
    await senior.getByRole('row').filter({ hasText: TITLE }).first().click()
    await visible(senior.getByRole('heading', { name: TITLE }))
    await visible(senior.getByText('Here is the confirmation from our bank.'))
    const [file] = await Promise.all([senior.waitForEvent('download'), senior.getByRole('button', { name: 'Download' }).click()])
    expect(file.suggestedFilename()).toBe(FILE.name)
    await senior.getByRole('button', { name: 'Accept', exact: true }).click()
    await visible(senior.getByText(/^Accepted on/))
    await visible(senior.getByRole('row').filter({ hasText: TITLE }).filter({ hasText: 'Accepted' }))
    await screenshot(senior, config, '36-request-accepted')
    await senior.getByRole('link', { name: 'Home', exact: true }).click()
    await expect.poll(() => count(senior, 'requests-submitted')).toBe('0')
    await screenshot(senior, config, '37-senior-home-after')

    await client.goto('/')
    await expect.poll(() => count(client, 'requests-open')).toBe('0')
    await expect.poll(() => count(client, 'requests-submitted')).toBe('0')
    await client.goto('/requests')
    await visible(client.getByRole('row').filter({ hasText: TITLE }).filter({ hasText: 'Accepted' }))
  })
})
