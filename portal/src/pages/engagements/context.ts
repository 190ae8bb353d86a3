import { useOutletContext } from 'react-router'
import type { components } from '../../api/schema'

export type Engagement = components['schemas']['EngagementRead']

export interface EngagementContext {
  engagement: Engagement
  /** Reload the engagement (after a transition, a team change, …). */
  refresh: () => void
}

/** The engagement of the workspace a page is shown in. */
export function useEngagement(): EngagementContext {
  return useOutletContext<EngagementContext>()
}
