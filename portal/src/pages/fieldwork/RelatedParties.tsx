import { PageHeader } from '../../ui/States'
import { FieldworkNav } from './FieldworkNav'

/** Related parties: being built (issue 23). */
export function RelatedParties() {
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Related parties" />
    </div>
  )
}
