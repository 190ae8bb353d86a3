import { PageHeader } from '../../ui/States'
import { FieldworkNav } from './FieldworkNav'

/** Confirmations: being built (issue 23). */
export function Confirmations() {
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Confirmations" />
    </div>
  )
}
