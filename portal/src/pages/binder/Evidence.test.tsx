import { fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { download, uploadRaw } from '../../api/transfer'
import { makeEngagement, makeMe, mockApi, renderPage } from '../../test/render'
import type { EvidenceRead } from './common'
import { Evidence, MAX_DIRECT_BYTES } from './Evidence'

vi.mock('../../api/transfer', () => ({ uploadRaw: vi.fn(), download: vi.fn() }))

const E = '/api/engagements/e-1'
const ROUTE = '/engagements/:engagementId/evidence'
const PATH = '/engagements/e-1/evidence'

const stored: EvidenceRead = {
  id: 'ev-1',
  filename: 'bank-confirmation.pdf',
  content_type: 'application/pdf',
  size_bytes: 2048,
  sha256: 'ab'.repeat(32),
  uploaded_by: 'u-1',
  uploaded_at: '2026-02-03T09:30:00Z',
  node_ids: ['n-d100'],
}

function stubs(lists: EvidenceRead[][]) {
  let call = 0
  return mockApi({
    [`GET ${E}/evidence`]: () => {
      const items = lists[Math.min(call, lists.length - 1)]
      call += 1
      return { body: { items, page: 1, page_size: 50, total: items.length } }
    },
    [`GET ${E}/team`]: { body: { members: [{ user_id: 'u-1', email: 'me@firm.example', display_name: 'Mia Manager', role: 'manager', added_at: '2026-01-01T00:00:00Z' }] } },
    [`GET ${E}/binder`]: {
      body: {
        engagement_id: 'e-1',
        nodes: [
          {
            id: 'n-d100', parent_id: null, kind: 'workpaper', index_code: 'D-100', title: 'Bank reconciliation', position: 0, version: 1,
            evidence_id: null, evidence_ids: ['ev-1'], signoffs: null, updated_by: null, updated_at: '2026-02-01T00:00:00Z', children: [],
          },
        ],
      },
    },
  })
}

describe('Evidence', () => {
  beforeEach(() => {
    vi.mocked(uploadRaw).mockReset()
    vi.mocked(download).mockReset()
  })

  it('uploads a chosen file as the raw body with its name and SHA-256, then lists it', async () => {
    stubs([[], [stored]])
    vi.mocked(uploadRaw).mockImplementation(async (_url, _body, options) => {
      options?.onProgress?.(0.5)
      return stored
    })
    renderPage(<Evidence />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    expect(await screen.findByText(/No evidence yet/)).toBeInTheDocument()
    const file = new File(['abc'], 'bank-confirmation.pdf', { type: 'application/pdf' })
    await userEvent.upload(screen.getByLabelText('Choose evidence file'), file)

    await waitFor(() => expect(uploadRaw).toHaveBeenCalledTimes(1))
    const [url, body, options] = vi.mocked(uploadRaw).mock.calls[0]
    expect(url).toBe('/api/engagements/e-1/evidence')
    expect(body).toBe(file)
    expect(options?.contentType).toBe('application/pdf')
    expect(options?.headers?.['X-Filename']).toBe('bank-confirmation.pdf')
    expect(options?.headers?.['X-Content-SHA256']).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')

    expect(await screen.findByText(/Uploaded bank-confirmation.pdf \(2.0 KB\)/)).toBeInTheDocument()
    const table = await screen.findByRole('table')
    const row = within(table).getByRole('row', { name: /bank-confirmation\.pdf/ })
    expect(row).toHaveTextContent('2.0 KB')
    expect(row).toHaveTextContent('Mia Manager')
    expect(row).toHaveTextContent('D-100 Bank reconciliation')
    expect(row).toHaveTextContent('abababababab…')
  })

  it('encodes a file name the header cannot carry as it is, and shows a refusal in the API’s words', async () => {
    stubs([[]])
    vi.mocked(uploadRaw).mockRejectedValue(
      new (await import('../../api/errors')).ApiError(415, {
        type: 'about:blank', title: 'Unsupported Media Type', status: 415, detail: "'video/mp4' is not accepted", code: 'unsupported_media_type',
      }),
    )
    renderPage(<Evidence />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const zone = (await screen.findByLabelText('Choose evidence file')).closest('.dropzone')!
    const file = new File(['x'], 'Bestätigung 2026.mp4', { type: 'video/mp4' })
    fireEvent.drop(zone, { dataTransfer: { files: [file] } })
    await waitFor(() => expect(uploadRaw).toHaveBeenCalled())
    expect(vi.mocked(uploadRaw).mock.calls[0][2]?.headers?.['X-Filename']).toBe('Best%C3%A4tigung%202026.mp4')
    expect(await screen.findByRole('alert')).toHaveTextContent("'video/mp4' is not accepted")
  })

  it('says the limit instead of sending a file over 100 MB', async () => {
    stubs([[]])
    renderPage(<Evidence />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const big = new File(['x'], 'ledger-export.zip', { type: 'application/zip' })
    Object.defineProperty(big, 'size', { value: MAX_DIRECT_BYTES + 1 })
    await userEvent.upload(await screen.findByLabelText('Choose evidence file'), big)
    expect(await screen.findByRole('alert')).toHaveTextContent('may be at most 100 MB')
    expect(uploadRaw).not.toHaveBeenCalled()
  })

  it('downloads a file through the API by its id and name', async () => {
    stubs([[stored]])
    vi.mocked(download).mockResolvedValue('bank-confirmation.pdf')
    renderPage(<Evidence />, { route: ROUTE, path: PATH, engagement: makeEngagement() })
    const row = await screen.findByRole('row', { name: /bank-confirmation\.pdf/ })
    await userEvent.click(within(row).getByRole('button', { name: 'Download' }))
    expect(download).toHaveBeenCalledWith('/api/engagements/e-1/evidence/ev-1/content', 'bank-confirmation.pdf')
  })

  it('offers no upload on a finalized engagement, and tells a client contact what they may do', async () => {
    stubs([[stored]])
    const { unmount } = renderPage(<Evidence />, { route: ROUTE, path: PATH, engagement: makeEngagement({ status: 'finalized', locked: true }) })
    expect(await screen.findByText(/finalized, so its evidence is read-only/)).toBeInTheDocument()
    expect(screen.queryByLabelText('Choose evidence file')).not.toBeInTheDocument()
    unmount()

    const calls = stubs([[stored]])
    renderPage(<Evidence />, {
      route: ROUTE,
      path: PATH,
      engagement: makeEngagement({ my_role: null }),
      me: makeMe({ roles: ['client_user'], permissions: ['client_portal', 'data.upload'] }),
    })
    expect(screen.getByRole('note')).toHaveTextContent('client contacts cannot use this tab')
    expect(screen.queryByLabelText('Choose evidence file')).not.toBeInTheDocument()
    expect(calls.filter((c) => c.path.includes('/evidence'))).toHaveLength(0)
  })
})
