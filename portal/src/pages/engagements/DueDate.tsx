import { formatDate } from '../../ui/format'
import { dueWording } from './due'

/** An engagement's report due date with its wording ("overdue by 3 days", "due in 12 days"), or a dash. */
export function DueDate({ dueDate, status, today }: { dueDate: string | null | undefined; status: string; today?: string }) {
  const due = dueWording(dueDate, status, today)
  if (!due) return <span className="muted">—</span>
  return (
    <span className={due.overdue ? 'due-date overdue' : 'due-date'}>
      {formatDate(dueDate)}
      {due.text && <span className={due.overdue ? 'due-overdue' : 'muted'}> · {due.text}</span>}
    </span>
  )
}
