/**
 * What the binder, evidence and review-note pages share: the API's types, query keys, the team's
 * names, the binder tree as a flat list, and what the caller may do on this engagement.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { api, ok } from '../../api/client'
import type { components } from '../../api/schema'

export type TreeNode = components['schemas']['TreeNode']
export type BinderRead = components['schemas']['BinderRead']
export type NodeDetail = components['schemas']['NodeDetail']
export type NodeKind = TreeNode['kind']
export type SignoffState = components['schemas']['SignoffState']
export type SignoffRead = components['schemas']['SignoffRead']
export type Step = SignoffRead['step']
export type VersionRead = components['schemas']['VersionRead']
export type EvidenceRead = components['schemas']['EvidenceRead']
export type ReviewNoteRead = components['schemas']['ReviewNoteRead']
export type ReviewNoteDetail = components['schemas']['ReviewNoteDetail']
export type NoteStatus = ReviewNoteRead['status']
export type Member = components['schemas']['MemberRead']

/** Every query of these pages sits under ['binder', engagementId], so one invalidation refreshes them all. */
export const keys = {
  all: (engagementId: string) => ['binder', engagementId] as const,
  tree: (engagementId: string) => ['binder', engagementId, 'tree'] as const,
  node: (engagementId: string, nodeId: string) => ['binder', engagementId, 'node', nodeId] as const,
  signoffs: (engagementId: string, nodeId: string) => ['binder', engagementId, 'signoffs', nodeId] as const,
  versions: (engagementId: string, nodeId: string) => ['binder', engagementId, 'versions', nodeId] as const,
  team: (engagementId: string) => ['binder', engagementId, 'team'] as const,
  evidence: (engagementId: string, page: number) => ['binder', engagementId, 'evidence', page] as const,
  allEvidence: (engagementId: string) => ['binder', engagementId, 'evidence', 'all'] as const,
  notes: (engagementId: string, filter: Record<string, string | undefined>) => ['binder', engagementId, 'notes', filter] as const,
  note: (engagementId: string, noteId: string) => ['binder', engagementId, 'note', noteId] as const,
}

export const KIND_LABEL: Record<NodeKind, string> = { folder: 'Folder', workpaper: 'Workpaper', note: 'Note', evidence: 'Evidence' }
// Glyphs every system font has (emoji are missing on many servers and locked-down desktops).
export const KIND_ICON: Record<NodeKind, string> = { folder: '■', workpaper: '▤', note: '✎', evidence: '◧' }
export const STEPS: readonly Step[] = ['prepare', 'review', 'approve']
export const SIGNED_AS: Record<Step, keyof SignoffState> = { prepare: 'prepared', review: 'reviewed', approve: 'approved' }
export const PERMISSION_FOR_STEP: Record<Step, string> = {
  prepare: 'workpaper.prepare',
  review: 'workpaper.review',
  approve: 'workpaper.approve',
}

/** A request body the API takes with some members left out (PATCH: a member left out is kept). */
export function partial<T>(body: Partial<T>): T {
  return body as T
}

/** "D-100 Bank reconciliation", or the title alone. */
export function nodeLabel(node: { index_code: string | null; title: string }): string {
  return node.index_code ? `${node.index_code} ${node.title}` : node.title
}

export function noteNodeLabel(note: { node_index_code: string | null; node_title: string }): string {
  return note.node_index_code ? `${note.node_index_code} ${note.node_title}` : note.node_title
}

/** The tree in display order, each node with its depth and the chain of its ancestors. */
export interface FlatNode {
  node: TreeNode
  depth: number
  ancestors: TreeNode[]
}

export function flatten(nodes: readonly TreeNode[], depth = 0, ancestors: TreeNode[] = []): FlatNode[] {
  return nodes.flatMap((node) => [{ node, depth, ancestors }, ...flatten(node.children, depth + 1, [...ancestors, node])])
}

export { useEngagementCan } from '../engagements/context'

/** The engagement's team, and a way to name a user id (a short id for someone no longer on it). */
export function useTeam(engagementId: string) {
  const query = useQuery({
    queryKey: keys.team(engagementId),
    queryFn: () => ok(api.GET('/api/engagements/{engagement_id}/team', { params: { path: { engagement_id: engagementId } } })),
    staleTime: 60_000,
  })
  const members = query.data?.members ?? []
  const byId = new Map(members.map((m) => [m.user_id, m]))
  const nameOf = (userId: string | null | undefined): string => {
    if (!userId) return ''
    const member = byId.get(userId)
    return member ? member.display_name || member.email : 'a former team member'
  }
  return { query, members, nameOf }
}

/** How often an open binder and its open item ask whether someone else changed them. */
export const POLL_MS = 4000

const etags = new Map<string, string>()

/**
 * Fetch with the ETag of what is already shown: a 304 keeps it (nothing changed, nothing sent), a 200
 * replaces it. This is what keeps a screen current cheaply, so nobody acts on an old view.
 */
export async function revalidated<T>(
  tag: string,
  shown: T | undefined,
  call: (headers: Record<string, string>) => Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const etag = shown === undefined ? undefined : etags.get(tag)
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await call(etag ? { 'If-None-Match': etag } : {})
  } catch (err) {
    return ok(Promise.reject(err))
  }
  if (result.response.status === 304 && shown !== undefined) return shown
  const data = await ok(Promise.resolve(result))
  const fresh = result.response.headers.get('ETag')
  if (fresh) etags.set(tag, fresh)
  else etags.delete(tag)
  return data
}

export function useBinderTree(engagementId: string, enabled = true) {
  const queryClient = useQueryClient()
  const key = keys.tree(engagementId)
  return useQuery({
    queryKey: key,
    queryFn: () =>
      revalidated(key.join('/'), queryClient.getQueryData<BinderRead>(key), (headers) =>
        api.GET('/api/engagements/{engagement_id}/binder', { params: { path: { engagement_id: engagementId } }, headers }),
      ),
    enabled,
    refetchInterval: POLL_MS,
  })
}

/** Up to 500 evidence files (the API's largest page), for pickers and names. */
export function useAllEvidence(engagementId: string, enabled = true) {
  return useQuery({
    queryKey: keys.allEvidence(engagementId),
    queryFn: () =>
      ok(
        api.GET('/api/engagements/{engagement_id}/evidence', {
          params: { path: { engagement_id: engagementId }, query: { page: 1, page_size: 500 } },
        }),
      ),
    enabled,
  })
}

export const LOCKED_NOTE = 'This engagement is finalized, so it is read-only: nothing here can be changed.'
