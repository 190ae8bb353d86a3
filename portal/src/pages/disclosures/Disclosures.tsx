import { PageHeader } from '../../ui/States'

/** Disclosures: being built (issue 24). */
export function Disclosures() {
  return (
    <div>
      <PageHeader title="Disclosures" />
    </div>
  )
}
