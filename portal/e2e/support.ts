/**
 * What the browser tests share: the settings tests/e2e/test_portal.py wrote (server, users, files),
 * Debian's chromium launched by playwright-core with the flags for a machine with no outside
 * network, and screenshots of the main screens for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { expect } from 'vitest'

export interface Person {
  email: string
  password: string
  name: string
}

export interface E2EConfig {
  baseUrl: string
  chromium: string
  screenshots: string
  generalLedger: string
  manager: Person
  senior: Person
  /** A workpaper the senior prepared at version 1, on an engagement where the manager reviews. */
  review: { engagementId: string; nodeId: string; title: string }
  clientUser: Person
  clientName: string
  otherEngagement: { id: string; name: string }
}

export function loadConfig(): E2EConfig {
  const file = process.env.AURA_E2E_CONFIG
  if (!file) throw new Error('AURA_E2E_CONFIG is not set: run the browser tests through tests/e2e/test_portal.py')
  return JSON.parse(readFileSync(file, 'utf-8')) as E2EConfig
}

export const LAUNCH_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
]

export async function launch(config: E2EConfig): Promise<Browser> {
  return chromium.launch({ executablePath: config.chromium, args: LAUNCH_FLAGS, headless: true })
}

export async function newContext(browser: Browser, config: E2EConfig): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: config.baseUrl, viewport: { width: 1440, height: 900 }, acceptDownloads: true })
  context.setDefaultTimeout(20_000)
  return context
}

/** Page errors and failed API answers are collected so a failing step can say what the page saw. */
export function watch(page: Page): string[] {
  const seen: string[] = []
  page.on('pageerror', (error) => seen.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) seen.push(`console: ${message.text()}`)
  })
  page.on('response', (response) => {
    if (response.status() >= 400) seen.push(`${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`)
  })
  return seen
}

export async function screenshot(page: Page, config: E2EConfig, name: string): Promise<void> {
  mkdirSync(config.screenshots, { recursive: true })
  await page.screenshot({ path: join(config.screenshots, `${name}.png`), fullPage: true })
}

export async function signIn(page: Page, person: Person): Promise<void> {
  await page.goto('/')
  await page.waitForURL(/\/sign-in/)
  await page.getByLabel('E-mail').fill(person.email)
  await page.getByLabel('Password').fill(person.password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect.poll(() => page.getByRole('heading', { name: 'Engagements' }).isVisible(), { timeout: 20_000 }).toBe(true)
  await expect.poll(() => page.getByText(/^Loading/).count(), { timeout: 20_000 }).toBe(0)
}
