/**
 * The home page's figures and tasks from one call, GET /api/engagements/summary, instead of six calls per
 * engagement: the same figures (progress.ts defines them) and the same task texts and links.
 */
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'
import type { Engagement } from '../engagements/context'
import type { Figures, Task } from './progress'

export type Summary = components['schemas']['EngagementSummaryRead']
export type SummaryItem = components['schemas']['EngagementProgressRead']

export const summaryKey = ['home', 'summary'] as const

export const loadSummary = (): Promise<Summary> => ok(api.GET('/api/engagements/summary', { params: { query: {} } }))

/** A dashboard row's figures; null where the caller may not read them. */
export function figuresFromSummary(item: SummaryItem): Figures {
  return {
    workpapersTotal: item.workpapers_total ?? null,
    workpapersSigned: item.workpapers_signed ?? null,
    openNotes: item.open_review_notes ?? null,
    unresolvedExceptions: item.unresolved_je_exceptions ?? null,
    loadedKinds: item.loaded_kinds ?? null,
    // The home page shows the submissions as tasks (tasksFromSummary), not per row.
    awaitingAcceptance: [],
    materialitySet: item.materiality_set ?? null,
  }
}

const label = (code: string | null | undefined, title: string) => (code ? `${code} ${title}` : title)

/** The caller's tasks on the engagements shown, worded and linked as tasksOf words them. */
export function tasksFromSummary(summary: Summary, shown: readonly Engagement[]): Task[] {
  const ids = new Set(shown.map((e) => e.id))
  const about = (t: { engagement_id: string; engagement_name: string }) => ({ engagementId: t.engagement_id, engagementName: t.engagement_name })
  const base = (id: string) => `/engagements/${id}`
  return [
    ...summary.notes_assigned_to_me
      .filter((n) => ids.has(n.engagement_id))
      .map((n): Task => ({ ...about(n), kind: 'note', text: `Review note on ${label(n.node_index_code, n.node_title)}: ${n.body.slice(0, 120)}`, to: `${base(n.engagement_id)}/review-notes` })),
    ...summary.waiting_for_my_signoff
      .filter((w) => ids.has(w.engagement_id))
      .map((w): Task => ({ ...about(w), kind: 'signoff', text: `${w.step === 'review' ? 'Review' : 'Approve'} ${label(w.index_code, w.title)}`, to: `${base(w.engagement_id)}/binder/${w.node_id}` })),
    ...summary.submissions_to_accept
      .filter((d) => ids.has(d.engagement_id))
      .map((d): Task => ({ ...about(d), kind: 'submission', text: `Accept or return the client's ${d.kind.replace(/_/g, ' ')} “${d.filename}”`, to: `${base(d.engagement_id)}/data` })),
  ]
}
