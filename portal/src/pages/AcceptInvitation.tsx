import { useState, type FormEvent } from 'react'
import { Link, useSearchParams } from 'react-router'
import { api, ok } from '../api/client'
import { ErrorMessage } from '../ui/ErrorMessage'
import { MIN_PASSWORD_LENGTH, passwordProblem } from './passwordPolicy'

/** Join the firm from an invitation e-mail: choose a name and a password. */
export function AcceptInvitation() {
  const [params] = useSearchParams()
  const token = params.get('token') ?? ''
  const [displayName, setDisplayName] = useState('')
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [email, setEmail] = useState<string | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(null)
    const wrong = passwordProblem(password, repeat)
    setProblem(wrong)
    if (wrong) return
    setBusy(true)
    try {
      const user = await ok(api.POST('/api/invitations/accept', { body: { token, password, display_name: displayName.trim() } }))
      setEmail(user.email)
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
          <h1>Accept your invitation</h1>
          <div className="error" role="alert">
            This link is incomplete: it has no invitation token. Open the link from the invitation e-mail again (copy all of it), or ask
            whoever invited you for a new invitation.
          </div>
          <Link to="/sign-in">Sign in</Link>
        </div>
      </div>
    )
  }

  return (
    <div className="auth-page">
      <form className="auth-card" onSubmit={submit} aria-label="Accept your invitation">
        <h1>Accept your invitation</h1>
        {email !== null ? (
          <>
            <div className="success" role="status">
              Welcome to Aura. Your account {email} is ready; sign in with your new password.
            </div>
            <Link to="/sign-in">Sign in</Link>
          </>
        ) : (
          <>
            <p className="muted" style={{ margin: 0 }}>
              Choose the name others see and a password for your account.
            </p>
            <label>
              Your name
              <input autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={200} autoFocus />
            </label>
            <label>
              Password
              <input type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required aria-describedby="accept-password-hint" />
            </label>
            <span id="accept-password-hint" className="muted small">
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
            <ErrorMessage error={error} title="The invitation could not be accepted" />
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Accepting…' : 'Accept invitation'}
            </button>
          </>
        )}
      </form>
    </div>
  )
}
