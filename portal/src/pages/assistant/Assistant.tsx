import { PageHeader } from '../../ui/States'

/** Ask the engagement: being built (issue 24). */
export function Assistant() {
  return (
    <div>
      <PageHeader title="Ask the engagement" />
    </div>
  )
}
