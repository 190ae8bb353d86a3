import type { Member } from './common'

/** Whether a review note blocks finalization, and whom it is assigned to: the same in raising and editing one. */
export function NoteRoutingFields({
  blocking,
  onBlocking,
  assigneeId,
  onAssignee,
  members,
  nobody,
  current,
}: {
  blocking: boolean
  onBlocking: (blocking: boolean) => void
  assigneeId: string
  onAssignee: (userId: string) => void
  members: readonly Member[]
  /** The text of the "no one" choice. */
  nobody: string
  /** An assignee who is no longer on the team, kept as a choice so the select can show it. */
  current?: string | null
}) {
  return (
    <>
      <label className="bn-check">
        <input type="checkbox" checked={blocking} onChange={(e) => onBlocking(e.target.checked)} />
        Blocks finalization
      </label>
      <label>
        Assign to
        <select value={assigneeId} onChange={(e) => onAssignee(e.target.value)}>
          <option value="">{nobody}</option>
          {members.map((member) => (
            <option key={member.user_id} value={member.user_id}>
              {member.display_name || member.email} ({member.role})
            </option>
          ))}
          {current && !members.some((m) => m.user_id === current) && <option value={current}>current assignee</option>}
        </select>
      </label>
    </>
  )
}
