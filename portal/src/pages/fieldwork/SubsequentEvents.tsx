import { PageHeader } from '../../ui/States'
import { FieldworkNav } from './FieldworkNav'

/** Subsequent events: being built (issue 23). */
export function SubsequentEvents() {
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Subsequent events" />
    </div>
  )
}
