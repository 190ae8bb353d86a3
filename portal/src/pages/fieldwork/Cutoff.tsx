import { PageHeader } from '../../ui/States'
import { FieldworkNav } from './FieldworkNav'

/** Cut-off tests: being built (issue 23). */
export function Cutoff() {
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Cut-off tests" />
    </div>
  )
}
