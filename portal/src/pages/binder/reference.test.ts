import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REFERENCE_PATTERN } from './NodeDialogs'

/** The server's pattern for a binder reference, from the OpenAPI document the typed client is made from
 * (make portal-api writes it beside package.json; vitest runs there). */
function serverPattern(): string {
  const document = JSON.parse(readFileSync(resolve(process.cwd(), 'openapi.json'), 'utf8'))
  return document.components.schemas.NodeCreate.properties.index_code.pattern
}

describe('the binder reference field', () => {
  it('uses the server’s pattern, in a form a browser compiles (the v flag of the pattern attribute)', () => {
    expect(`^${REFERENCE_PATTERN}$`).toBe(serverPattern())
    const browser = new RegExp(`^(?:${REFERENCE_PATTERN})$`, 'v')
    for (const good of ['D-100', 'E-200/3', 'D.1', 'J_2', 'A']) expect(browser.test(good), good).toBe(true)
    for (const bad of ['E 100 (AR)!', '-D', 'D?', '']) expect(browser.test(bad), bad).toBe(false)
  })
})
