import { useState } from 'react'
import { MIN_PASSWORD_LENGTH, passwordProblem } from './passwordPolicy'

export type NewPassword = ReturnType<typeof useNewPassword>

/** A new password typed twice; `check()` says (and shows) whether it meets the policy. */
export function useNewPassword() {
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [problem, setProblem] = useState<string | null>(null)
  const check = () => {
    const wrong = passwordProblem(password, repeat)
    setProblem(wrong)
    return wrong === null
  }
  return { password, setPassword, repeat, setRepeat, problem, check }
}

/** The password and repeat fields with the policy hint, and what `check()` found wrong. */
export function NewPasswordFields({
  state,
  label,
  hintId,
  autoFocus,
}: {
  state: NewPassword
  label: string
  hintId: string
  autoFocus?: boolean
}) {
  return (
    <>
      <label>
        {label}
        <input
          type="password"
          autoComplete="new-password"
          value={state.password}
          onChange={(e) => state.setPassword(e.target.value)}
          required
          autoFocus={autoFocus}
          aria-describedby={hintId}
        />
      </label>
      <span id={hintId} className="muted small">
        At least {MIN_PASSWORD_LENGTH} characters.
      </span>
      <label>
        Repeat password
        <input type="password" autoComplete="new-password" value={state.repeat} onChange={(e) => state.setRepeat(e.target.value)} required />
      </label>
      {state.problem && (
        <div className="error" role="alert">
          {state.problem}
        </div>
      )}
    </>
  )
}
