import { PageHeader } from '../../ui/States'
import { FieldworkNav } from './FieldworkNav'

/** Accounting estimates: being built (issue 23). */
export function Estimates() {
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Accounting estimates" />
    </div>
  )
}
