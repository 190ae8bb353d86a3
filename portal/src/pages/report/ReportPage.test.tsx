import { fireEvent, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { session } from '../../auth/session'
import { TEAM_PERMISSIONS, makeEngagement, mockApi, renderPage } from '../../test/render'
import { SHA, report } from './fixtures'
import { ReportPage } from './ReportPage'

const ROUTE = '/engagements/:engagementId/report'
const TEAM = {
  body: {
    members: [
      { user_id: 'u-1', email: 'manager@firm.example', display_name: 'Mia Manager', role: 'manager', added_at: '2026-01-02T00:00:00Z' },
      { user_id: 'u-9', email: 'partner@firm.example', display_name: 'Pat Partner', role: 'partner', added_at: '2026-01-02T00:00:00Z' },
    ],
  },
}
const PATH = '/engagements/e-1/report'
const as = (role: 'partner' | 'manager' | 'staff', extra: Partial<Parameters<typeof makeEngagement>[0]> = {}) =>
  makeEngagement({ my_role: role, status: 'review', my_permissions: [...TEAM_PERMISSIONS[role], ...(role === 'staff' ? [] : ['report.approve'])], ...extra })

beforeEach(() => {
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:report'), revokeObjectURL: vi.fn() }))
})
afterEach(() => vi.unstubAllGlobals())

describe('ReportPage', () => {
  it('drafts a report: a modified opinion needs its basis, then the chosen fields are sent', async () => {
    let drafted = false
    const calls = mockApi({
      'GET /api/engagements/e-1/reports': () => ({ body: { items: drafted ? [report({ opinion: 'qualified', basis_for_modification: 'Inventory count not observed' })] : [] } }),
      'POST /api/engagements/e-1/reports': () => {
        drafted = true
        return { status: 201, body: report({ opinion: 'qualified', basis_for_modification: 'Inventory count not observed' }) }
      },
    })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('manager') })
    expect(await screen.findByText(/No report has been drafted yet/)).toBeInTheDocument()
    const opinions = screen.getByRole('group', { name: 'Opinion' })
    expect(within(opinions).getAllByRole('radio')).toHaveLength(4)
    await userEvent.click(within(opinions).getByRole('radio', { name: /Qualified/ }))
    await userEvent.click(screen.getByRole('button', { name: 'Draft the report' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('A qualified opinion needs its basis for modification')
    expect(screen.getByLabelText(/Basis for modification/)).toHaveFocus()
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    await userEvent.click(screen.getByLabelText(/Basis for modification/))
    await userEvent.paste('Inventory count not observed')
    await userEvent.type(screen.getByLabelText('Report date (optional)'), '2027-03-01')
    await userEvent.selectOptions(screen.getByLabelText('Standards'), 'aicpa')
    await userEvent.click(screen.getByRole('button', { name: 'Draft the report' }))
    expect(await screen.findByText('Version 1 drafted.')).toBeInTheDocument()
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      opinion: 'qualified', basis_for_modification: 'Inventory count not observed', emphasis_of_matter: null, report_date: '2027-03-01', standards: 'aicpa',
    })
    expect(await screen.findByRole('heading', { name: /Version 1/ })).toHaveTextContent('draft')
  }, 20000)

  it('lets a manager approve a draft, and previews the PDF fetched with the session', async () => {
    let approved = false
    const calls = mockApi({
      'GET /api/engagements/e-1/reports': () => ({ body: { items: [report({ status: approved ? 'approved' : 'draft' })] } }),
      'POST /api/engagements/e-1/reports/r-1/approve': () => {
        approved = true
        return { body: report({ status: 'approved' }) }
      },
      'GET /api/engagements/e-1/reports/r-1/pdf': { body: '%PDF-1.7', headers: { 'Content-Type': 'application/pdf' } },
    })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('manager') })
    await userEvent.click(await screen.findByRole('button', { name: 'Preview the PDF' }))
    const frame = await screen.findByTitle('The report, version 1 (PDF)')
    expect(frame).toHaveAttribute('src', 'blob:report')
    expect(calls.some((c) => c.path === '/api/engagements/e-1/reports/r-1/pdf')).toBe(true)
    // Where the content policy refuses the blob frame, the page says so instead of showing a broken frame.
    const violation = new Event('securitypolicyviolation') as SecurityPolicyViolationEvent
    Object.defineProperties(violation, { blockedURI: { value: 'blob' }, effectiveDirective: { value: 'frame-src' } })
    fireEvent(document, violation)
    expect(await screen.findByText(/content policy does not allow showing the PDF inside the page/)).toBeInTheDocument()
    expect(screen.queryByTitle('The report, version 1 (PDF)')).not.toBeInTheDocument()
    expect(screen.queryByRole('form', { name: 'Sign the report' })).not.toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Approve the report' }))
    expect(await screen.findByText('Version 1 approved.')).toBeInTheDocument()
    // A manager may approve but not sign.
    expect(await screen.findByText('Only the engagement partner can sign the report.')).toBeInTheDocument()
    expect(screen.queryByRole('form', { name: 'Sign the report' })).not.toBeInTheDocument()
  })

  it('tells the partner a wrong password did not sign, keeps the session, then signs and shows the digest', async () => {
    let signed = false
    const calls = mockApi({
      'GET /api/engagements/e-1/team': TEAM,
      'GET /api/engagements/e-1/reports/r-1/verification': {
        body: { report_id: 'r-1', sha256: SHA, stored_sha256: SHA, matches: true, immutable: false, stored_at: '2026-12-06T12:00:00Z', container: 'signed', blob_name: 'x.pdf' },
      },
      'GET /api/engagements/e-1/reports': () => ({
        body: { items: [signed ? report({ status: 'signed', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z' }) : report({ status: 'approved' })] },
      }),
      'POST /api/engagements/e-1/reports/r-1/sign': async (request) => {
        const { password } = (await request.json()) as { password: string }
        if (password !== 'correct horse battery') {
          return { status: 401, body: { type: 'x', title: 'Unauthorized', status: 401, detail: 'The password is not correct', code: 'invalid_credentials' } }
        }
        signed = true
        return { body: { id: 'r-1', status: 'signed', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z', signature_method: 'local:password' } }
      },
    })
    const { auth } = renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('partner') })
    const form = await screen.findByRole('form', { name: 'Sign the report' })
    const password = within(form).getByLabelText('Your password')
    expect(password).toHaveAttribute('type', 'password')
    await userEvent.click(within(form).getByRole('button', { name: 'Sign the report' }))
    expect(await within(form).findByRole('alert')).toHaveTextContent('Type your password to sign.')
    await userEvent.click(password)
    await userEvent.paste('wrong one')
    await userEvent.click(within(form).getByRole('button', { name: 'Sign the report' }))
    expect(await within(form).findByRole('alert')).toHaveTextContent('That password is not right, so the report was not signed.')
    expect(password).toHaveValue('')
    expect(password).toHaveFocus()
    // A wrong password is not a dead session: no refresh, no sign-out.
    expect(calls.some((c) => c.path.startsWith('/api/auth/'))).toBe(false)
    expect(session.status).not.toBe('expired')
    expect(auth.signOut).not.toHaveBeenCalled()
    await userEvent.click(password)
    await userEvent.paste('correct horse battery')
    await userEvent.click(within(form).getByRole('button', { name: 'Sign the report' }))
    expect(await screen.findByText(`Signed. SHA-256 ${SHA}.`)).toBeInTheDocument()
    const facts = await screen.findByLabelText('Signature')
    expect(within(facts).getByText('Pat Partner')).toBeInTheDocument()
    expect(within(facts).getByTitle(SHA)).toBeInTheDocument()
    expect(within(facts).getByText(/2026/)).toBeInTheDocument()
    // Before finalizing, the signed copy verifies but is not yet write-once.
    expect(await screen.findByText('Verified: the stored PDF hashes to the signed digest.')).toBeInTheDocument()
    expect(screen.getByText(/Not yet: the copy is stored write-once when the engagement is finalized/)).toBeInTheDocument()
  })

  it('verifies the stored copy once the engagement is finalized, and says when it does not match', async () => {
    mockApi({
      'GET /api/engagements/e-1/reports': { body: { items: [report({ status: 'signed', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z', archived: true })] } },
      'GET /api/engagements/e-1/reports/r-1/verification': {
        body: { report_id: 'r-1', sha256: SHA, stored_sha256: 'ff'.repeat(32), matches: false, immutable: true, stored_at: '2026-12-06T12:30:00Z', container: 'reports', blob_name: 'x.pdf' },
      },
    })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('partner', { status: 'finalized', locked: true, my_permissions: ['engagement.read'] }) })
    expect(await screen.findByText(/does NOT match the signed digest/)).toBeInTheDocument()
    const verification = screen.getByLabelText('Verification')
    expect(within(verification).getByText(/cannot be overwritten or deleted/)).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Draft the report' })).not.toBeInTheDocument()
    expect(screen.getByText('The engagement is finalized: the report can no longer change.')).toBeInTheDocument()
  })

  it('offers staff nothing to change', async () => {
    mockApi({ 'GET /api/engagements/e-1/reports': { body: { items: [report()] } } })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('staff') })
    await screen.findByRole('heading', { name: /Version 1/ })
    expect(screen.queryByRole('button', { name: 'Approve the report' })).not.toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Draft the report' })).not.toBeInTheDocument()
    expect(screen.getByText('A manager or partner on the team approves the report.')).toBeInTheDocument()
  })

  it('shows what a superseded version was: who signed it, when, and its digest', async () => {
    mockApi({
      'GET /api/engagements/e-1/team': TEAM,
      'GET /api/engagements/e-1/reports': {
        body: {
          items: [
            report({ id: 'r-2', version: 2 }),
            report({ status: 'superseded', approved_by: 'u-1', approved_at: '2026-12-06T11:30:00Z', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z' }),
          ],
        },
      },
    })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('manager') })
    await userEvent.click(await screen.findByRole('button', { name: 'Version 1' }))
    expect(await screen.findByRole('heading', { name: /Version 1/ })).toHaveTextContent('superseded')
    const was = screen.getByLabelText('What this version was')
    await within(was).findByText(/Pat Partner/)
    expect(was).toHaveTextContent(/^Version 1 was signed by Pat Partner on .*2026.*, digest a3f1c2d4e5b6978812345678abcdef0123456789abcdef0123456789abcdef01\. It no longer counts/)
    expect(screen.getByText(/Superseded: a later draft or a step back/)).toBeInTheDocument()
    // A superseded version is never called stale, and its signature facts stay.
    expect(screen.queryByText(/older than the file/)).not.toBeInTheDocument()
    expect(within(screen.getByLabelText('Signature')).getByTitle(SHA)).toBeInTheDocument()
  })

  it('warns that a signed report is older than the file and lets the team draft it again', async () => {
    const reason = "The report was signed before an account's mapping was set; draft, approve and sign it again"
    let drafted = false
    const signedStale = report({ status: 'signed', approved_by: 'u-1', approved_at: '2026-12-06T11:30:00Z', sha256: SHA, signed_by: 'u-9', signed_at: '2026-12-06T12:00:00Z', stale: { stale: true, reason } })
    const calls = mockApi({
      'GET /api/engagements/e-1/team': TEAM,
      'GET /api/engagements/e-1/reports/r-1/verification': {
        body: { report_id: 'r-1', sha256: SHA, stored_sha256: SHA, matches: true, immutable: false, stored_at: '2026-12-06T12:00:00Z', container: 'signed', blob_name: 'x.pdf' },
      },
      'GET /api/engagements/e-1/reports': () => ({
        body: { items: drafted ? [report({ id: 'r-2', version: 2 }), { ...signedStale, status: 'superseded', stale: { stale: false, reason: null } }] : [signedStale] },
      }),
      'POST /api/engagements/e-1/reports': () => {
        drafted = true
        return { status: 201, body: report({ id: 'r-2', version: 2 }) }
      },
    })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('manager') })
    const warning = await screen.findByRole('alert')
    expect(warning).toHaveTextContent(
      "The signature is older than the file: the report was signed before an account's mapping was set. Draft the report again, then approve and sign the new version.",
    )
    // No longer "stands until finalized": the draft form is offered, and the warning's action goes to it.
    expect(screen.queryByText(/is signed: it stands/)).not.toBeInTheDocument()
    await userEvent.click(within(warning).getByRole('button', { name: 'Draft again' }))
    expect(screen.getByRole('radio', { name: /Unmodified/ })).toHaveFocus()
    await userEvent.click(screen.getByRole('button', { name: 'Draft the report' }))
    expect(await screen.findByText('Version 2 drafted.')).toBeInTheDocument()
    expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/engagements/e-1/reports')).toHaveLength(1)
    expect(await screen.findByRole('heading', { name: /Version 2/ })).toHaveTextContent('draft')
    expect(screen.queryByText(/older than the file/)).not.toBeInTheDocument()
  }, 20000)

  it('does not offer to sign an approval older than the file, and says why', async () => {
    const reason = 'The report was approved before an adjusting entry was recorded; draft, approve and sign it again'
    mockApi({
      'GET /api/engagements/e-1/team': TEAM,
      'GET /api/engagements/e-1/reports': { body: { items: [report({ status: 'approved', approved_by: 'u-1', approved_at: '2026-12-06T11:30:00Z', stale: { stale: true, reason } })] } },
    })
    renderPage(<ReportPage />, { route: ROUTE, path: PATH, engagement: as('partner') })
    const warning = await screen.findByRole('alert')
    expect(warning).toHaveTextContent('The approval is older than the file: the report was approved before an adjusting entry was recorded.')
    expect(screen.queryByRole('form', { name: 'Sign the report' })).not.toBeInTheDocument()
    expect(within(warning).getByRole('button', { name: 'Draft again' })).toBeInTheDocument()
  })
})
