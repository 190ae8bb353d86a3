/**
 * An engagement's progress and the caller's tasks on it, from what the API answers today: the binder
 * (workpapers and their sign-offs), open review notes, the latest JE run's unresolved exceptions, the
 * datasets (loaded, or submitted by the client and waiting for acceptance) and materiality. Each part
 * is fetched on its own; one the caller may not read, or that failed, is kept as its message.
 */
import { api, ok } from '../../api/client'
import { ApiError } from '../../api/errors'
import type { components } from '../../api/schema'
import type { Engagement } from '../engagements/context'

type TreeNode = components['schemas']['TreeNode']
type Note = components['schemas']['ReviewNoteRead']
type Dataset = components['schemas']['DatasetRead']

export interface Workpaper {
  id: string
  label: string
  prepared: boolean
  reviewed: boolean
  approved: boolean
  preparedBy: string | null
}

/** A part that loaded, or what the API said instead. */
export type Part<T> = { ok: true; value: T } | { ok: false; message: string }

export interface Progress {
  workpapers: Part<Workpaper[]>
  openNotes: Part<{ total: number; mine: Note[] }>
  exceptions: Part<{ unresolved: number; flagged: number } | null>
  datasets: Part<Dataset[]>
  materiality: Part<{ performance: string; version: number } | null>
}

async function part<T>(load: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await load() }
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) }
  }
}

/** null for the API's "there is none yet" answers (no JE run, no materiality). */
async function orNone<T>(load: () => Promise<T>, codes: string[]): Promise<T | null> {
  try {
    return await load()
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && codes.includes(error.code)) return null
    throw error
  }
}

export function workpapersOf(nodes: readonly TreeNode[]): Workpaper[] {
  return nodes.flatMap((node) => [
    ...(node.kind === 'workpaper'
      ? [
          {
            id: node.id,
            label: node.index_code ? `${node.index_code} ${node.title}` : node.title,
            prepared: !!node.signoffs?.prepared,
            reviewed: !!node.signoffs?.reviewed,
            approved: !!node.signoffs?.approved,
            preparedBy: node.signoffs?.prepared?.user_id ?? null,
          },
        ]
      : []),
    ...workpapersOf(node.children),
  ])
}

/** Everything the dashboards show of one engagement, fetched in parallel. */
export async function loadProgress(engagementId: string, userId: string): Promise<Progress> {
  const path = { engagement_id: engagementId }
  const [workpapers, openNotes, exceptions, datasets, materiality] = await Promise.all([
    part(async () => workpapersOf((await ok(api.GET('/api/engagements/{engagement_id}/binder', { params: { path } }))).nodes)),
    part(async () => {
      const [all, mine] = await Promise.all([
        ok(api.GET('/api/engagements/{engagement_id}/review-notes', { params: { path, query: { status: 'open', page: 1, page_size: 1 } } })),
        ok(api.GET('/api/engagements/{engagement_id}/review-notes', { params: { path, query: { status: 'open', assignee_id: userId, page: 1, page_size: 100 } } })),
      ])
      return { total: all.total, mine: mine.items }
    }),
    part(() =>
      orNone(async () => {
        const summary = await ok(api.GET('/api/engagements/{engagement_id}/je-tests/exceptions', { params: { path } }))
        return { unresolved: summary.unresolved, flagged: summary.flagged_journals }
      }, ['no_run']),
    ),
    part(async () => (await ok(api.GET('/api/engagements/{engagement_id}/datasets', { params: { path, query: { page: 1, page_size: 100 } } }))).items),
    part(() =>
      orNone(async () => {
        const row = await ok(api.GET('/api/engagements/{engagement_id}/materiality', { params: { path } }))
        return { performance: row.performance_materiality, version: row.version }
      }, ['no_materiality']),
    ),
  ])
  return { workpapers, openNotes, exceptions, datasets, materiality }
}

export interface Figures {
  workpapersTotal: number | null
  workpapersSigned: number | null
  openNotes: number | null
  unresolvedExceptions: number | null
  loadedKinds: string[] | null
  awaitingAcceptance: Dataset[]
  materialitySet: boolean | null
}

const value = <T, R>(p: Part<T>, read: (v: T) => R): R | null => (p.ok ? read(p.value) : null)

/** The figures a dashboard row shows; null where the part could not be read. */
export function figuresOf(progress: Progress): Figures {
  return {
    workpapersTotal: value(progress.workpapers, (w) => w.length),
    workpapersSigned: value(progress.workpapers, (w) => w.filter((x) => x.approved).length),
    openNotes: value(progress.openNotes, (n) => n.total),
    unresolvedExceptions: value(progress.exceptions, (e) => (e ? e.unresolved : 0)),
    loadedKinds: value(progress.datasets, (d) => [...new Set(d.filter((x) => x.current && x.status === 'succeeded').map((x) => x.kind))].sort()),
    awaitingAcceptance: progress.datasets.ok ? progress.datasets.value.filter((d) => d.status === 'submitted' && d.needs_acceptance) : [],
    materialitySet: value(progress.materiality, (m) => m !== null),
  }
}

export interface Task {
  kind: 'note' | 'signoff' | 'submission'
  engagementId: string
  engagementName: string
  text: string
  /** Where the task is done, inside the engagement. */
  to: string
}

/**
 * The caller's tasks on an engagement: open notes assigned to them, workpapers waiting for a sign-off
 * their role on it gives (review once prepared by someone else, approval once reviewed), and client
 * submissions waiting for acceptance when they may decide on data.
 */
export function tasksOf(engagement: Engagement, progress: Progress, userId: string): Task[] {
  const may = new Set(engagement.my_permissions ?? [])
  const base = `/engagements/${engagement.id}`
  const about = { engagementId: engagement.id, engagementName: engagement.name }
  const tasks: Task[] = []
  if (progress.openNotes.ok)
    for (const note of progress.openNotes.value.mine)
      tasks.push({ ...about, kind: 'note', text: `Review note on ${note.node_index_code ? `${note.node_index_code} ${note.node_title}` : note.node_title}: ${note.body.slice(0, 120)}`, to: `${base}/review-notes` })
  if (progress.workpapers.ok && !engagement.locked)
    for (const w of progress.workpapers.value) {
      if (w.prepared && !w.reviewed && may.has('workpaper.review') && w.preparedBy !== userId)
        tasks.push({ ...about, kind: 'signoff', text: `Review ${w.label}`, to: `${base}/binder/${w.id}` })
      else if (w.reviewed && !w.approved && may.has('workpaper.approve'))
        tasks.push({ ...about, kind: 'signoff', text: `Approve ${w.label}`, to: `${base}/binder/${w.id}` })
    }
  if (may.has('data.upload') && !engagement.locked)
    for (const d of figuresOf(progress).awaitingAcceptance)
      tasks.push({ ...about, kind: 'submission', text: `Accept or return the client's ${d.kind.replace(/_/g, ' ')} “${d.filename}”`, to: `${base}/data` })
  return tasks
}

export interface Step {
  label: string
  done: boolean
  detail: string
  to: string
}

const count = (n: number | null, unit: string) => (n === null ? 'not available' : `${n} ${unit}${n === 1 ? '' : 's'}`)

/** The path to finalization: what is done and what is left, in the order the work goes. */
export function pathToFinalization(engagement: Engagement, f: Figures): Step[] {
  const base = `/engagements/${engagement.id}`
  const loaded = f.loadedKinds ?? []
  return [
    { label: 'Materiality determined', done: f.materialitySet === true, detail: f.materialitySet ? 'set' : f.materialitySet === false ? 'not set' : 'not available', to: `${base}/materiality` },
    {
      label: 'Data loaded',
      done: loaded.includes('general_ledger') && loaded.includes('trial_balance'),
      detail: f.loadedKinds === null ? 'not available' : loaded.length ? loaded.map((k) => k.replace(/_/g, ' ')).join(', ') : 'nothing loaded',
      to: `${base}/data`,
    },
    {
      label: 'Client submissions decided',
      done: f.awaitingAcceptance.length === 0,
      detail: f.awaitingAcceptance.length ? `${f.awaitingAcceptance.length} waiting for acceptance` : 'none waiting',
      to: `${base}/data`,
    },
    { label: 'JE exceptions resolved', done: f.unresolvedExceptions === 0, detail: count(f.unresolvedExceptions, 'unresolved exception'), to: `${base}/je-tests` },
    {
      label: 'Workpapers signed off',
      done: f.workpapersTotal !== null && f.workpapersTotal > 0 && f.workpapersSigned === f.workpapersTotal,
      detail: f.workpapersTotal === null ? 'not available' : `${f.workpapersSigned} of ${f.workpapersTotal} approved`,
      to: `${base}/binder`,
    },
    { label: 'Review notes cleared', done: f.openNotes === 0, detail: count(f.openNotes, 'open note'), to: `${base}/review-notes` },
    { label: 'Finalized', done: engagement.status === 'finalized', detail: engagement.status === 'finalized' ? 'locked' : `now in ${engagement.status}`, to: base },
  ]
}
