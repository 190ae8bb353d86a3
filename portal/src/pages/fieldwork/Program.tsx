import { PageHeader } from '../../ui/States'
import { FieldworkNav } from './FieldworkNav'

/** Audit program: being built (issue 23). */
export function Program() {
  return (
    <div>
      <FieldworkNav />
      <PageHeader title="Audit program" />
    </div>
  )
}
