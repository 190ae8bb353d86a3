import { useOutletContext } from 'react-router'
import type { components } from '../../api/schema'

export type Engagement = components['schemas']['EngagementRead']

export interface EngagementContext {
  engagement: Engagement
  /** Reload the engagement (after a transition, a team change, …). */
  refresh: () => void
}

/**
 * What the caller may do on an engagement, as the API says in `my_permissions` (their team role's
 * grants, or their firm role's; reads only once finalized). The portal keeps no copy of those rules:
 * it offers what the API will accept.
 */
export function mayOn(engagement: Engagement): (permission: string) => boolean {
  const granted = new Set(engagement.my_permissions ?? [])
  return (permission) => granted.has(permission)
}

/** What the caller may do on the engagement of the workspace a page is shown in. */
export function useEngagementCan(): (permission: string) => boolean {
  return mayOn(useEngagement().engagement)
}

/** The engagement of the workspace a page is shown in. */
export function useEngagement(): EngagementContext {
  return useOutletContext<EngagementContext>()
}
