/**
 * What changed in a binder item since the user was shown it, in words: "changed by X at T". The open
 * item is polled, so its data is current; this says so before anyone acts on what they saw before.
 */
import { formatDateTime } from '../../ui/format'
import { SIGNED_AS, STEPS, type NodeDetail, type Step } from './common'

const SIGNED_STEP: Record<Step, string> = { prepare: 'prepared', review: 'reviewed', approve: 'approved' }

/** The parts of an item a sign-off rests on: its version and who signed what, when. */
export function fingerprint(node: NodeDetail): string {
  return [node.version, ...STEPS.map((step) => node.signoffs?.[SIGNED_AS[step]]?.signed_at ?? '')].join('|')
}

function signers(node: NodeDetail): Map<Step, { user_id: string; display_name: string; signed_at: string }> {
  const found = new Map<Step, { user_id: string; display_name: string; signed_at: string }>()
  for (const step of STEPS) {
    const signature = node.signoffs?.[SIGNED_AS[step]]
    if (signature) found.set(step, signature)
  }
  return found
}

/** Whether the user's own action made the difference (their save, signature or withdrawal). */
export function changedBy(seen: NodeDetail, now: NodeDetail, me: string | undefined): boolean {
  if (!me) return false
  if (now.version !== seen.version) return now.updated_by === me
  const before = signers(seen)
  const after = signers(now)
  const added = [...after].filter(([step, s]) => before.get(step)?.signed_at !== s.signed_at).map(([, s]) => s)
  const removed = [...before].filter(([step, s]) => after.get(step)?.signed_at !== s.signed_at).map(([, s]) => s)
  return added.every((s) => s.user_id === me) && (removed.length === 0 || removed.some((s) => s.user_id === me))
}

/** "Changed by X at T: …" for a change someone else made, or null when nothing changed. */
export function describeChange(seen: NodeDetail, now: NodeDetail, nameOf: (id: string | null | undefined) => string): string | null {
  if (fingerprint(seen) === fingerprint(now)) return null
  if (now.version !== seen.version) {
    const who = now.updated_by ? nameOf(now.updated_by) : 'someone'
    return `Changed by ${who} at ${formatDateTime(now.updated_at)}: it is now version ${now.version}; you were shown version ${seen.version}.`
  }
  const before = signers(seen)
  const parts: string[] = []
  for (const [step, signature] of signers(now)) {
    if (before.get(step)?.signed_at !== signature.signed_at) {
      parts.push(`${SIGNED_STEP[step]} by ${signature.display_name} at ${formatDateTime(signature.signed_at)}`)
    }
  }
  const gone = [...before.keys()].filter((step) => !now.signoffs?.[SIGNED_AS[step]])
  if (gone.length) parts.push(`${gone.map((step) => SIGNED_STEP[step]).join(' and ')} sign-off withdrawn or cleared`)
  return `Sign-offs changed while you were looking: ${parts.join('; ')}.`
}
