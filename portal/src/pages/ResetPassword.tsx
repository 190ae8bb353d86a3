import { useState, type FormEvent } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../api/client'
import { ErrorMessage } from '../ui/ErrorMessage'
import { MIN_PASSWORD_LENGTH, passwordProblem } from './passwordPolicy'

/** Choose a new password with the one-time token of a reset e-mail. */
export function ResetPassword() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    const wrong = passwordProblem(password, repeat)
    setProblem(wrong)
    if (wrong) return
    setBusy(true)
    try {
      await ok(api.POST('/api/auth/password-reset/confirm', { body: { token, new_password: password } }))
      setDone(true)
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  if (!token) {
    return (
      <div className="auth-page">
        <div className="auth-card">
          <h1>Set a new password</h1>
          <div className="error" role="alert">
            This link is incomplete: it has no reset token. Open the link from the e-mail again (copy all of it), or ask for a new one.
          </div>
          <Link to="/forgot-password">Ask for a new reset link</Link>
        </div>
      </div>
    )
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Set a new password">
        <h1>Set a new password</h1>
        {done ? (
          <>
            <div className="success" role="status">
              Your password is set. Sign in with it now.
            </div>
            <Link to="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            <label>
              New password
              <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus aria-describedby="reset-password-hint" />
            </label>
            <span id="reset-password-hint" className="muted small">
              At least {MIN_PASSWORD_LENGTH} characters.
            </span>
            <label>
              Repeat password
              <input type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
            </label>
            {problem && (
              <div className="error" role="alert">
                {problem}
              </div>
            )}
            <ErrorMessage error={error} title="The password was not set" />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Setting…' : 'Set password'}
            </button>
            {error ? <Link to="/forgot-password">Ask for a new reset link</Link> : null}
          </>
        )}
      </form>
    </div>
  )
}
